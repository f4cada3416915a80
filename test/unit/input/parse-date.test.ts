import { parseDate } from '../../../src/chat/input/parse-date';

const TODAY = '2026-11-21';

describe('parseDate', () => {
  it.each([
    ['2026年3月2日', '2026-03-02'],
    ['２０２６年３月２日', '2026-03-02'],
    ['2026年3月2号', '2026-03-02'],
    ['2026年03月02日', '2026-03-02'],
    ['2026 年 3 月 2 日', '2026-03-02'],
    ['26年3月2日', '2026-03-02'],
    ['3月2日', '2026-03-02'],
    ['3月2号', '2026-03-02'],
    ['３月２号', '2026-03-02'],
    ['3月2', '2026-03-02'],
    ['3.2', '2026-03-02'],
    ['03.02', '2026-03-02'],
    ['3.20', '2026-03-20'],
    ['３．２', '2026-03-02'],
    ['3/2', '2026-03-02'],
    ['2026.3.2', '2026-03-02'],
    ['2026/3/2', '2026-03-02'],
    ['2026-03-02', '2026-03-02'],
    ['2026-3-2', '2026-03-02'],
    ['20260302', '2026-03-02'],
    ['  2026-03-02  ', '2026-03-02'],
    ['2026年3月2日。', '2026-03-02'],
    ['3月2日周一', '2026-03-02'],
    ['3月2日（星期一）', '2026-03-02'],
    ['2025年2月2日', '2025-02-02'],
    ['2024年2月29日', '2024-02-29'],
    ['今天', '2026-11-21'],
    ['今日', '2026-11-21'],
    ['昨天', '2026-11-20'],
    ['前天', '2026-11-19'],
    ['明天', '2026-11-22'],
    [' 今天 ', '2026-11-21'],
  ])('reads %j as %s', (text, expected) => {
    const r = parseDate(text, TODAY);
    expect(r).toEqual({ ok: true, value: expected, display: expect.any(String) });
  });

  it('displays the Chinese form', () => {
    expect(parseDate('2026-03-02', TODAY)).toEqual({ ok: true, value: '2026-03-02', display: '2026年3月2日' });
    expect(parseDate('昨天', TODAY)).toEqual({ ok: true, value: '2026-11-20', display: '2026年11月20日' });
  });

  it('takes the year of today for a date without a year, across the new year', () => {
    expect(parseDate('12.31', '2027-01-02')).toMatchObject({ ok: true, value: '2027-12-31' });
    expect(parseDate('昨天', '2027-01-01')).toMatchObject({ ok: true, value: '2026-12-31' });
  });

  it.each([
    ['2月30日', '“2月30日”不是有效日期：2026年2月只有28天'],
    ['2026年2月29日', '“2026年2月29日”不是有效日期：2026年2月只有28天'],
    ['13月1日', '“13月1日”不是有效日期：月份应为1到12'],
    ['2026.13.1', '“2026年13月1日”不是有效日期：月份应为1到12'],
    ['20260431', '“2026年4月31日”不是有效日期：2026年4月只有30天'],
    ['0.5', '“0月5日”不是有效日期：月份应为1到12'],
    ['3月0日', '“3月0日”不是有效日期：日应从1开始'],
    ['1850年1月1日', '“1850年”不是有效年份'],
    ['2026年3月', '“2026年3月”缺少具体哪一天，请写到日'],
    ['下周一', '未能识别“下周一”中的日期'],
    ['2026-3', '未能识别“2026-3”中的日期'],
    ['2026.3-2', '未能识别“2026.3-2”中的日期'],
    ['12345', '未能识别“12345”中的日期'],
    ['', '请填写日期'],
    ['   ', '请填写日期'],
  ])('refuses %j: %s', (text, problem) => {
    expect(parseDate(text, TODAY)).toEqual({ ok: false, problem, example: '2026年11月21日' });
  });

  describe('bounds', () => {
    it.each([
      ['明天', '日期不能晚于今天（2026年11月21日）'],
      ['2026-12-01', '日期不能晚于今天（2026年11月21日）'],
      ['2027年1月1日', '日期不能晚于今天（2026年11月21日）'],
    ])('notAfter today refuses %j', (text, problem) => {
      expect(parseDate(text, TODAY, { notAfter: TODAY })).toEqual({ ok: false, problem, example: '2026年11月21日' });
    });

    it('accepts the bound itself and earlier dates', () => {
      expect(parseDate('今天', TODAY, { notAfter: TODAY })).toMatchObject({ ok: true, value: TODAY });
      expect(parseDate('2025-02-02', TODAY, { notAfter: TODAY })).toMatchObject({ ok: true, value: '2025-02-02' });
    });

    it('names a bound that is not today by its date, and gives an example inside the range', () => {
      expect(parseDate('2026-11-01', TODAY, { notBefore: '2026-11-10' })).toEqual({
        ok: false,
        problem: '日期不能早于2026年11月10日',
        example: '2026年11月21日',
      });
      expect(parseDate('2026-12-31', TODAY, { notAfter: '2026-11-15' })).toEqual({
        ok: false,
        problem: '日期不能晚于2026年11月15日',
        example: '2026年11月15日',
      });
      expect(parseDate('2026-11-01', TODAY, { notBefore: '2026-12-01' })).toEqual({
        ok: false,
        problem: '日期不能早于2026年12月1日',
        example: '2026年12月1日',
      });
    });

    it('checks a valid calendar date before the bound', () => {
      expect(parseDate('2月30日', TODAY, { notAfter: TODAY })).toMatchObject({ ok: false, problem: expect.stringContaining('不是有效日期') });
    });
  });

  it('refuses a malformed today or bound (a programming error)', () => {
    expect(() => parseDate('今天', '2026/11/21')).toThrow(RangeError);
    expect(() => parseDate('今天', TODAY, { notAfter: '2026-11-31' })).toThrow(RangeError);
  });
});
