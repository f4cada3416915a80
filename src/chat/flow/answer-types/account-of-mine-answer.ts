import { matchChoice } from '../../input/match-choice';
import type { AnswerType } from './answer-type';

/** One of the accounts of the units I am the liaison of, listed with their platform and status. */
export const accountOfMineAnswer: AnswerType = {
  listsOptions: true,
  parse: (text, { options }) => matchChoice(text, options),
  hint: () => '请回复序号或账号名称。',
};
