import type { AnswerTypeName } from '../flow-definition';
import { accountOfMineAnswer } from './account-of-mine-answer';
import type { AnswerType } from './answer-type';
import { choiceAnswer } from './choice-answer';
import { confirmAnswer } from './confirm-answer';
import { dateAnswer } from './date-answer';
import { multiChoiceAnswer } from './multi-choice-answer';
import { numberAnswer } from './number-answer';
import { phoneAnswer } from './phone-answer';
import { textAnswer } from './text-answer';
import { unitOfMineAnswer } from './unit-of-mine-answer';

export const answerTypes: Record<AnswerTypeName, AnswerType> = {
  text: textAnswer,
  choice: choiceAnswer,
  'multi-choice': multiChoiceAnswer,
  date: dateAnswer,
  phone: phoneAnswer,
  number: numberAnswer,
  'account-of-mine': accountOfMineAnswer,
  'unit-of-mine': unitOfMineAnswer,
  confirm: confirmAnswer,
};

export type { AnswerType, AnswerTypeContext } from './answer-type';
