import { parsePhone } from '../../input/parse-phone';
import type { AnswerType } from './answer-type';

/** A mobile (11 digits) or a landline with its area code; spaces and dashes are fine. */
export const phoneAnswer: AnswerType = {
  listsOptions: false,
  parse: (text, { step }) => parsePhone(text, step.phoneKind ?? 'any'),
  hint: ({ step }) =>
    step.phoneKind === 'mobile' ? '请填写11位手机号。' : step.phoneKind === 'landline' ? '请填写带区号的固定电话，如 0123-6800001。' : '手机号或带区号的固定电话均可。',
};
