import { normalizeText } from '../text-normalize';
import { fail, ok, type Parsed } from './parsed';

const YES = new Set([
  '是', '是的', '对', '对的', '好', '好的', '确认', '确定', '可以', '没错', '没问题', '嗯', '嗯嗯', '行', '同意',
  '提交', '确认提交', '有', '需要', 'y', 'yes', 'ok', 'okay',
]);

const NO = new Set([
  '否', '不是', '不', '不对', '不用', '不要', '没有', '无', '暂不', '不需要', '不同意', '不行', '不可以', '暂无', 'n',
  'no',
]);

/**
 * Read a yes/no answer: 是 / 好的 / 确认提交 / ok … → true; 否 / 不是 / 没有 / 暂不 / no … → false.
 * Full-width letters, letter case, inner spaces and trailing punctuation (。！!…) do not matter; anything else fails,
 * so "不确定" or "是不是" is never guessed.
 */
export function parseYesNo(text: string): Parsed<boolean> {
  const input = normalizeText(text)
    .toLowerCase()
    .replace(/\s+/g, '')
    .replace(/[。.!！~～,，;；…]+$/, '');
  if (YES.has(input)) return ok(true, '是');
  if (NO.has(input)) return ok(false, '否');
  if (input === '') return fail('请回复“是”或“否”', '是');
  const shown = input.length > 20 ? `${input.slice(0, 20)}…` : input;
  return fail(`“${shown}”不是明确的回答，请回复“是”或“否”`, '是');
}
