import { fail, ok, type Parsed } from '../../../src/chat/input/parsed';

describe('Parsed helpers', () => {
  it('builds a success and a failure that fit any Parsed<T>', () => {
    const good: Parsed<number> = ok(3, '3');
    const bad: Parsed<number> = fail('“2月30日”不是有效日期', '2026年3月2日');
    expect(good).toEqual({ ok: true, value: 3, display: '3' });
    expect(bad).toEqual({ ok: false, problem: '“2月30日”不是有效日期', example: '2026年3月2日' });
    const texts: Parsed<string>[] = [ok('a', 'A'), fail('x', 'y')];
    expect(texts.map((t) => t.ok)).toEqual([true, false]);
  });
});
