import { matchChoice } from '../../input/match-choice';
import type { AnswerType } from './answer-type';

/** One of the units I am the liaison of (asked only when there are several). */
export const unitOfMineAnswer: AnswerType = {
  listsOptions: true,
  parse: (text, { options }) => matchChoice(text, options),
  hint: () => '请回复序号或单位名称。',
};
