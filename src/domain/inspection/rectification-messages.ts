import type { DeadlineRow } from '../deadlines/deadline-entities';
import { formatDateCn, formatInstantCn, weekdayCn } from '../../shared/shanghai-time';
import type { FindingRow } from './finding-entity';
import type { ProblemVocabulary } from './problem-vocabulary';

/**
 * What the units read when the office sends them a round's failures (DOMAIN §3.3 step 5): per liaison one message
 * with only their unit's findings — the account, the problems, whether it is a veto item, what is expected and the
 * due date — and how to reply; a copy to the unit's leader for veto and repeat findings that says why it is sent.
 * Pure functions, like the bulletin texts: the dispatch service decides who gets what.
 */

/** An app text message holds 2048 bytes (PROTOCOL §4.2); longer is cut off by WeCom. Stay below with a margin. */
export const DISPATCH_TEXT_MAX_BYTES = 2000;
/** One finding never takes more than this, whatever the inspectors wrote (long cells are clipped). */
const FINDING_BLOCK_MAX_BYTES = 900;

export type FindingForText = Pick<
  FindingRow,
  'id' | 'accountId' | 'accountNameRaw' | 'platformTypeRaw' | 'problemsRaw' | 'problemCodes' | 'severity' | 'isRepeat'
>;

const bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

/** 文旅东岚（抖音）, with 〔未备案〕 for an account that is not in the registry. */
export function findingAccountLabel(finding: Pick<FindingRow, 'accountId' | 'accountNameRaw' | 'platformTypeRaw'>): string {
  const type = finding.platformTypeRaw.trim();
  return `${finding.accountNameRaw.trim()}${type ? `（${type}）` : ''}${finding.accountId === null ? '〔未备案〕' : ''}`;
}

/** The problems as the inspectors wrote them, else the labels of the codes. */
export function findingProblemsText(finding: Pick<FindingRow, 'problemsRaw' | 'problemCodes'>, vocabulary: ProblemVocabulary): string {
  const raw = finding.problemsRaw?.replace(/\s+/g, ' ').trim();
  if (raw) return raw;
  const codes = splitCodes(finding.problemCodes);
  return codes.length ? codes.map((c) => vocabulary.label(c)).join('、') : '检查不合格';
}

/** What the unit must do, from the vocabulary's expectation of each code (each said once). */
export function findingExpectationText(finding: Pick<FindingRow, 'problemCodes'>, vocabulary: ProblemVocabulary): string {
  const codes = splitCodes(finding.problemCodes);
  const expectations = [...new Set((codes.length ? codes : ['OTHER']).map((c) => vocabulary.get(c)?.expectation ?? '按检查意见整改'))];
  return expectations.join('；');
}

/** 【单项否决】【重复出现】 */
export function findingFlags(finding: Pick<FindingRow, 'severity' | 'isRepeat'>): string {
  return `${finding.severity === 'veto' ? '【单项否决】' : ''}${finding.isRepeat ? '【重复出现】' : ''}`;
}

export function splitCodes(codes: string | null): string[] {
  return (codes ?? '')
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);
}

/** 2026年10月23日（周五）17:30 */
export function rectificationDueText(deadline: Pick<DeadlineRow, 'dueOn' | 'dueAt'>): string {
  const time = formatInstantCn(deadline.dueAt).split(' ')[1];
  return `${formatDateCn(deadline.dueOn)}（${weekdayCn(deadline.dueOn)}）${time}`;
}

/** One finding as a numbered block of the dispatch message. */
export function findingBlock(index: number, finding: FindingForText, vocabulary: ProblemVocabulary): string {
  const head = `${index}. ${findingAccountLabel(finding)}〔编号 ${finding.id}〕${findingFlags(finding)}`;
  const problems = `   问题：${findingProblemsText(finding, vocabulary)}`;
  const expected = `   整改要求：${findingExpectationText(finding, vocabulary)}`;
  return clipBytes([head, problems, expected].join('\n'), FINDING_BLOCK_MAX_BYTES);
}

export interface DispatchTextInput {
  roundTitle: string;
  unitName: string;
  /** whom the message greets */
  personName: string;
  /** the due date as shown, e.g. 2026年10月23日（周五）17:30 */
  due: string;
  findings: FindingForText[];
  vocabulary: ProblemVocabulary;
}

/** The liaison's message: their unit's findings, the due date and how to reply; split only when WeCom needs it. */
export function liaisonDispatchTexts(input: DispatchTextInput): string[] {
  const title = `【整改通知】${input.roundTitle}检查发现问题`;
  const intro = `${input.personName}您好：经检查，${input.unitName}有以下${input.findings.length}项政务新媒体问题需要整改，请于${input.due}前完成整改，并逐项报送整改情况。`;
  const outro =
    '报送方式：回复“整改”按提示逐项填写（或回复“整改 编号”直接选择该项）；账号确需关停或注销的，报送时选择“关停”或“注销”，我会接着为您办理备案。发送“我的整改”查看进度。';
  return packMessage(title, intro, input.findings.map((f, i) => findingBlock(i + 1, f, input.vocabulary)), outro);
}

export interface LeaderCopyInput extends DispatchTextInput {
  /** the unit's liaisons who received the findings */
  liaisonNames: string[];
}

/** The leader's copy: only veto and repeat findings, saying why the leader receives it. */
export function leaderCopyTexts(input: LeaderCopyInput): string[] {
  const veto = input.findings.some((f) => f.severity === 'veto');
  const repeat = input.findings.some((f) => f.isRepeat);
  const why = [veto ? '单项否决' : '', repeat ? '重复出现' : ''].filter(Boolean).join('或');
  const title = `【整改通知·抄送】${input.roundTitle}检查发现问题`;
  const liaisons = input.liaisonNames.length ? `联络员${input.liaisonNames.join('、')}` : '联络员';
  const intro =
    `${input.personName}您好：${input.unitName}以下${input.findings.length}项问题属于${why}问题，按规定抄送单位负责人。` +
    `整改通知已发给${liaisons}，请督促于${input.due}前完成整改。`;
  const outro = '整改情况由联络员通过联络助手逐项报送，您无需回复。';
  return packMessage(title, intro, input.findings.map((f, i) => findingBlock(i + 1, f, input.vocabulary)), outro);
}

/**
 * Title, intro, the blocks and the closing line in as few messages of at most DISPATCH_TEXT_MAX_BYTES as the blocks
 * need, cut only between blocks. Several parts carry the title with their place (（1/2）) so they read in order; the
 * intro opens the first and the closing line ends the last.
 */
export function packMessage(title: string, intro: string, blocks: string[], outro: string, maxBytes = DISPATCH_TEXT_MAX_BYTES): string[] {
  const whole = [title, intro, ...blocks, outro].join('\n');
  if (bytes(whole) <= maxBytes) return [whole];
  const marker = '（99/99）';
  const parts: string[][] = [];
  let current: string[] = [intro];
  let size = bytes(`${title}${marker}\n${intro}`);
  for (const block of blocks) {
    const add = bytes(block) + 1;
    if (size + add > maxBytes && current.length > 0) {
      parts.push(current);
      current = [];
      size = bytes(`${title}${marker}`);
    }
    current.push(block);
    size += add;
  }
  if (size + bytes(outro) + 1 > maxBytes) {
    parts.push(current);
    current = [];
  }
  current.push(outro);
  parts.push(current);
  return parts.map((lines, i) => [`${title}（${i + 1}/${parts.length}）`, ...lines].join('\n'));
}

/** Cut a text to at most `max` UTF-8 bytes, at a character boundary, marking the cut with …. */
export function clipBytes(text: string, max: number): string {
  if (bytes(text) <= max) return text;
  let out = '';
  for (const ch of text) {
    if (bytes(out + ch) + bytes('…') > max) break;
    out += ch;
  }
  return `${out}…`;
}
