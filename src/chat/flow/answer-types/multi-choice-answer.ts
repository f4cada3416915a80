import { matchMultiChoice } from '../../input/match-choice';
import type { AnswerType } from './answer-type';

/** Several of numbered options, separated by 、 or commas; 全部 for all. */
export const multiChoiceAnswer: AnswerType = {
  listsOptions: true,
  parse: (text, { options, step }) => matchMultiChoice(text, options, { min: step.minChoices ?? 1, max: step.maxChoices }),
  hint: () => '可多选，序号或名称之间用“、”或逗号隔开（如“1、3”），全选请回复“全部”。',
};
