import { parseYesNo } from '../../input/parse-yes-no';
import type { AnswerType } from './answer-type';

/** 是 / 否, in the many ways people say it (对, 好的, 确认, 不是 …). */
export const confirmAnswer: AnswerType = {
  listsOptions: false,
  parse: (text) => parseYesNo(text),
  hint: () => '请回复“是”或“否”。',
};
