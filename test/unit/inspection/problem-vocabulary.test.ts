import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadProblemVocabulary, splitProblems } from '../../../src/domain/inspection/problem-vocabulary';
import { ConfigError } from '../../../src/shared/errors';

const vocabulary = loadProblemVocabulary(resolve(__dirname, '../../../config/problem-codes.json'));

describe('problem vocabulary', () => {
  it('splits a cell on 、，,； and drops empty pieces', () => {
    expect(splitProblems('断更，原创内容较少')).toEqual(['断更', '原创内容较少']);
    expect(splitProblems('更新不及时、原创内容较少；错别字, 敏感词、')).toEqual(['更新不及时', '原创内容较少', '错别字', '敏感词']);
    expect(splitProblems('  ')).toEqual([]);
    expect(splitProblems(null)).toEqual([]);
  });

  it('codes the fixture cells, longest spelling first, severity the highest', () => {
    expect(vocabulary.codeProblems('移动客户端（APP）无法下载或使用')).toMatchObject({ codes: ['APP_UNAVAILABLE'], severity: 'veto' });
    expect(vocabulary.codeProblems('发布内容出现严重表述错误')).toMatchObject({ codes: ['SEC_SERIOUS_MISSTATEMENT'], severity: 'veto' });
    expect(vocabulary.codeProblems('断更，原创内容较少')).toMatchObject({ codes: ['UPDATE_GAPS', 'LOW_ORIGINAL'], severity: 'deduction' });
    expect(vocabulary.codeProblems('多次断更、未提供有效互动功能')).toMatchObject({ codes: ['UPDATE_GAPS', 'NO_INTERACTION'], severity: 'veto' });
    expect(vocabulary.codeProblems('断更，更新频率较低')).toMatchObject({ codes: ['UPDATE_GAPS', 'UPDATE_LATE'] });
    expect(vocabulary.codeProblems('监测时间点前2周无更新')).toMatchObject({ codes: ['NO_UPDATE_2W'], severity: 'veto' });
    expect(vocabulary.codeProblems('未补报进报送系统')).toMatchObject({ codes: ['NOT_IN_NATIONAL_SYSTEM'], severity: 'advisory' });
    expect(vocabulary.codeProblems('未及时注销')).toMatchObject({ codes: ['NOT_CANCELLED'] });
    expect(vocabulary.codeProblems('错别字1处（已整改）')).toMatchObject({ codes: ['TYPO'], severity: 'deduction' });
    expect(vocabulary.codeProblems('个别菜单链接失效')).toMatchObject({ codes: ['BROKEN_FUNCTION'] });
    // full-width and half-width forms are the same problem
    expect(vocabulary.codeProblems('移动客户端(APP)无法下载或使用').codes).toEqual(['APP_UNAVAILABLE']);
    // 功能无法使用 is longer than the APP synonym 无法使用
    expect(vocabulary.codeProblems('留言功能无法使用').codes).toEqual(['BROKEN_FUNCTION']);
  });

  it('keeps unknown words as OTHER with their text', () => {
    const coded = vocabulary.codeProblems('头像模糊、更新不及时');
    expect(coded.codes).toEqual(['OTHER', 'UPDATE_LATE']);
    expect(coded.problems[0]).toEqual({ code: 'OTHER', text: '头像模糊', severity: 'advisory' });
    expect(vocabulary.codeProblems('')).toEqual({ problems: [], codes: [], severity: null });
  });

  it('refuses a bad file with every problem, the place and a right entry', () => {
    const dir = mkdtempSync(join(tmpdir(), 'problems-'));
    const file = join(dir, 'problems.json');
    writeFileSync(
      file,
      JSON.stringify({
        problems: [
          { code: 'A_ONE', label: '断更', synonyms: [], severity: 'fatal', expectation: 'x' },
          { code: 'B_TWO', label: '断更', synonyms: [], severity: 'veto', expectation: 'y' },
        ],
      }),
    );
    expect(() => loadProblemVocabulary(file)).toThrow(ConfigError);
    try {
      loadProblemVocabulary(file);
    } catch (error) {
      const text = (error as Error).message;
      expect(text).toContain('problems[0].severity must be one of veto, deduction, advisory');
      expect(text).toContain('example:');
    }
    writeFileSync(file, JSON.stringify({ problems: [{ code: 'A_ONE', label: '断更', synonyms: [], severity: 'veto', expectation: 'x' }, { code: 'B_TWO', label: '断更', synonyms: [], severity: 'veto', expectation: 'y' }] }));
    expect(() => loadProblemVocabulary(file)).toThrow(/"断更" is a spelling of both A_ONE and B_TWO[\s\S]*must keep the OTHER code/);
    expect(() => loadProblemVocabulary(join(dir, 'missing.json'))).toThrow(/cannot read the problem vocabulary .*ENOENT/);
    writeFileSync(file, '{ not json');
    expect(() => loadProblemVocabulary(file)).toThrow(/is not valid JSON/);
  });
});
