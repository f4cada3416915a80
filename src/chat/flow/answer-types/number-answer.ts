import { parseNumber } from '../../input/parse-number';
import type { AnswerType } from './answer-type';

/** A number; full-width digits, thousands separators and 万 are understood. */
export const numberAnswer: AnswerType = {
  listsOptions: false,
  parse: (text, { step }) => parseNumber(text, { min: step.min, max: step.max, integer: step.integer }),
  hint: () => '',
};
