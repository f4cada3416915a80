import { resolve } from 'node:path';
import { loadProblemVocabulary } from '../../../src/domain/inspection/problem-vocabulary';
import {
  clipBytes,
  findingBlock,
  leaderCopyTexts,
  liaisonDispatchTexts,
  packMessage,
  type FindingForText,
} from '../../../src/domain/inspection/rectification-messages';

const vocabulary = loadProblemVocabulary(resolve(__dirname, '../../../config/problem-codes.json'));
const WECOM_TEXT_LIMIT = 2048;
const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

const finding = (id: number, fields: Partial<FindingForText> = {}): FindingForText => ({
  id,
  accountId: id,
  accountNameRaw: `东岚测试账号${id}`,
  platformTypeRaw: '微信公众号',
  problemsRaw: '更新不及时、原创内容较少',
  problemCodes: 'UPDATE_LATE,LOW_ORIGINAL',
  severity: 'deduction',
  isRepeat: false,
  ...fields,
});

const input = (findings: FindingForText[]) => ({
  roundTitle: '2026年第三季度',
  unitName: '区文旅局',
  personName: '龚佳怡',
  due: '2026年10月23日（周五）17:30',
  findings,
  vocabulary,
});

describe('rectification dispatch texts', () => {
  it('puts a few findings into one message with the account, problems, veto flag, expectation, due date and how to reply', () => {
    const texts = liaisonDispatchTexts(
      input([
        finding(4, { platformTypeRaw: '抖音', accountNameRaw: '文旅东岚' }),
        finding(9, { accountId: null, accountNameRaw: '文旅东岚', platformTypeRaw: '小红书', severity: 'veto', isRepeat: true, problemsRaw: null, problemCodes: 'NO_UPDATE_2W' }),
      ]),
    );
    expect(texts).toHaveLength(1);
    const [text] = texts;
    expect(text.startsWith('【整改通知】2026年第三季度检查发现问题\n龚佳怡您好：经检查，区文旅局有以下2项')).toBe(true);
    expect(text).toContain('请于2026年10月23日（周五）17:30前完成整改');
    expect(text).toContain('1. 文旅东岚（抖音）〔编号 4〕\n   问题：更新不及时、原创内容较少\n   整改要求：制定更新计划，保持稳定的更新频率；增加原创内容');
    // no problems text: the labels of the codes; an unregistered account is marked
    expect(text).toContain('2. 文旅东岚（小红书）〔未备案〕〔编号 9〕【单项否决】【重复出现】\n   问题：监测时间点前2周内无更新');
    expect(text).toContain('回复“整改”');
    expect(text).not.toContain('（1/');
  });

  it('splits many findings between findings, every part within the WeCom limit and numbered, each finding once', () => {
    const many = Array.from({ length: 40 }, (_, i) => finding(100 + i, { problemsRaw: `更新不及时、原创内容较少、${'栏目内容长期未维护'.repeat(3)}` }));
    const texts = liaisonDispatchTexts(input(many));
    expect(texts.length).toBeGreaterThan(1);
    texts.forEach((text, i) => {
      expect(bytes(text)).toBeLessThanOrEqual(WECOM_TEXT_LIMIT);
      expect(text.startsWith(`【整改通知】2026年第三季度检查发现问题（${i + 1}/${texts.length}）\n`)).toBe(true);
    });
    expect(texts[0]).toContain('龚佳怡您好');
    expect(texts[texts.length - 1]).toContain('回复“整改”');
    for (const f of many) {
      const holders = texts.filter((t) => t.includes(`〔编号 ${f.id}〕`));
      expect(holders).toHaveLength(1);
    }
    // blocks stay whole: a part never ends half-way through a finding
    for (const text of texts) expect(text.split('\n').filter((l) => /^\d+\. /.test(l)).length).toBe(text.split('\n').filter((l) => l.startsWith('   整改要求：')).length);
  });

  it('clips a finding whose cells are very long, so one finding alone always fits', () => {
    const long = finding(7, { problemsRaw: '内容表述不严谨，'.repeat(300) });
    const block = findingBlock(1, long, vocabulary);
    expect(bytes(block)).toBeLessThanOrEqual(900);
    expect(block.endsWith('…')).toBe(true);
    const texts = liaisonDispatchTexts(input([long]));
    expect(texts).toHaveLength(1);
    expect(bytes(texts[0])).toBeLessThanOrEqual(WECOM_TEXT_LIMIT);
  });

  it('tells the leader why the copy comes: veto or repeat', () => {
    const [veto] = leaderCopyTexts({ ...input([finding(2, { severity: 'veto' })]), personName: '白振华', liaisonNames: ['罗嘉禾'] });
    expect(veto).toContain('【整改通知·抄送】');
    expect(veto).toContain('白振华您好：区文旅局以下1项问题属于单项否决问题，按规定抄送单位负责人。整改通知已发给联络员罗嘉禾');
    const [both] = leaderCopyTexts({ ...input([finding(2, { severity: 'veto' }), finding(3, { isRepeat: true })]), personName: '白振华', liaisonNames: [] });
    expect(both).toContain('属于单项否决或重复出现问题');
  });

  it('packs at a given limit and cuts text at character boundaries', () => {
    const parts = packMessage('标题', '开头', ['甲'.repeat(30), '乙'.repeat(30), '丙'.repeat(30)], '结尾', 120);
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(bytes(p)).toBeLessThanOrEqual(120);
    expect(parts.join('')).toContain('丙'.repeat(30));
    expect(clipBytes('政务新媒体', 10)).toBe('政务…');
    expect(clipBytes('短', 10)).toBe('短');
  });
});
