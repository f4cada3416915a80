import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PlaceRule, cleanName, formatKey, placeNamesFrom, similarity, splitPlatformLabel, subtypeFits } from '../../../src/domain/inspection/inspection-normalize';
import { parseQualified } from '../../../src/domain/inspection/inspection-table';
import { parsePeriod, periodEnd, periodFromTitle } from '../../../src/domain/inspection/inspection-round';
import { splitProblems } from '../../../src/domain/inspection/problem-vocabulary';

describe('name normalisation', () => {
  it('exact keeps the name, formatting folds spaces, line breaks, full-width forms and case', () => {
    expect(cleanName('  东岚发布\u200B ')).toBe('东岚发布');
    expect(formatKey('东岚 发布\r\n')).toBe('东岚发布');
    expect(formatKey('Ｅ东岚（ＡＰＰ）')).toBe('e东岚(app)');
    expect(formatKey('临沂高速交警支队\n沂水大队')).toBe(formatKey('临沂高速交警支队 沂水大队'));
  });

  it('derives the place names from the roster and drops only their 区/县/市', () => {
    const units = readFileSync(join(__dirname, '../../fixtures/units.csv'), 'utf8')
      .split(/\r?\n/)
      .slice(1)
      .map((line) => line.split(',')[2]);
    const places = placeNamesFrom([...units, '东岚区人民政府', '澜川市大数据局']);
    expect(places).toEqual(expect.arrayContaining(['东岚区', '澜川市']));
    expect(places).not.toContain('岚桥镇');
    const rule = new PlaceRule(places);
    expect(rule.key('东岚区政务服务')).toBe('东岚政务服务');
    expect(rule.key('东岚区政务服务')).toBe(rule.key('东岚政务服务'));
    expect(rule.key('东岚区市场监管')).toBe('东岚市场监管');
    // a 市 that belongs to the next word stays
    expect(rule.key('东岚市场监管')).toBe('东岚市场监管');
    expect(rule.key('澜川市发布')).toBe('澜川发布');
    expect(new PlaceRule([]).key('东岚区政务服务')).toBe('东岚区政务服务');
  });

  it('similarity is 1 for equal names and falls with every changed character', () => {
    expect(similarity('东岚发布', '东岚发布')).toBe(1);
    expect(similarity('东岚发布', '东岚发布号')).toBeCloseTo(0.8);
    expect(similarity('东岚发布', '文旅东岚')).toBeLessThan(0.5);
    expect(similarity('', '东岚')).toBe(0);
  });
});

describe('platform labels', () => {
  it.each([
    ['微信公众号', 'wechat', null],
    ['微信服务号', 'wechat', '服务号'],
    ['新浪微博', 'weibo', '新浪微博'],
    ['今日头条', 'toutiao', null],
    ['微信小程序', 'miniProgram', '微信小程序'],
    ['微信视频号', 'other', '视频号'],
    ['小红书', 'other', '小红书'],
    ['移动客户端（APP）', 'app', null],
    ['抖音', 'douyin', null],
  ])('%s → %s/%s', (label, type, subtype) => {
    expect(splitPlatformLabel(label)).toEqual({ platforms: [{ label, type, subtype }], unknown: [] });
  });

  it('a cell naming two platforms gives both; unknown pieces are reported', () => {
    expect(splitPlatformLabel('抖音、快手').platforms.map((p) => p.type)).toEqual(['douyin', 'kuaishou']);
    expect(splitPlatformLabel('抖音，快手号').platforms.map((p) => p.type)).toEqual(['douyin', 'kuaishou']);
    expect(splitPlatformLabel('抖音、某某号')).toEqual({ platforms: [{ label: '抖音', type: 'douyin', subtype: null }], unknown: ['某某号'] });
    expect(splitPlatformLabel('')).toEqual({ platforms: [], unknown: [] });
  });

  it('a written subtype must agree with the registered one; a missing one fits any', () => {
    expect(subtypeFits(null, '订阅号')).toBe(true);
    expect(subtypeFits('服务号', '服务号')).toBe(true);
    expect(subtypeFits('服务号', '订阅号')).toBe(false);
    expect(subtypeFits('服务号', null)).toBe(true);
  });
});

describe('cells', () => {
  it('是否合格 in the spellings of the tables', () => {
    expect(parseQualified('合格')).toBe(true);
    expect(parseQualified(' 不合格 ')).toBe(false);
    expect(parseQualified('是')).toBe(true);
    expect(parseQualified('否')).toBe(false);
    expect(parseQualified('待定')).toBeNull();
    expect(parseQualified('')).toBeNull();
  });

  it('problems split on 、，,；', () => {
    expect(splitProblems('更新不及时、原创内容较少')).toEqual(['更新不及时', '原创内容较少']);
    expect(splitProblems('断更，原创内容少；错别字,互动回复不及时')).toEqual(['断更', '原创内容少', '错别字', '互动回复不及时']);
  });

  it('periods from round titles', () => {
    expect(periodFromTitle('2026年第三季度')).toBe('2026Q3');
    expect(periodFromTitle('2026年第3季度政务新媒体检查')).toBe('2026Q3');
    expect(periodFromTitle('2026年8月抽查')).toBe('2026-08');
    expect(periodFromTitle('2026Q4')).toBe('2026Q4');
    expect(periodFromTitle('专项检查')).toBeNull();
    expect(parsePeriod('2026q2')).toBe('2026Q2');
    expect(parsePeriod('2026-8')).toBe('2026-08');
    expect(parsePeriod('下半年')).toBeNull();
    expect(periodEnd('2026Q2') < periodEnd('2026-08')).toBe(true);
    expect(periodEnd('2026-08') < periodEnd('2026Q3')).toBe(true);
  });
});
