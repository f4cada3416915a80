import { matchChoice } from '../../input/match-choice';
import type { AnswerType } from './answer-type';

/** One of numbered options: the number, the label or a known synonym. */
export const choiceAnswer: AnswerType = {
  listsOptions: true,
  parse: (text, { options }) => matchChoice(text, options),
  hint: () => '请回复序号或名称。',
};
