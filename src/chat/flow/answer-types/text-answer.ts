import { fail, type Parsed } from '../../input/parsed';
import { namedValidators } from '../../input/named-validators';
import type { AnswerType } from './answer-type';

/** Free text with length limits (default 1–200 characters) and an optional named validator. */
export const textAnswer: AnswerType = {
  listsOptions: false,
  parse(text, { step }): Parsed<unknown> {
    const min = step.minLength ?? 1;
    const max = step.maxLength ?? 200;
    const length = [...text].length;
    if (length < min) return fail(`「${step.label}」至少需要${min}个字`, '');
    if (length > max) return fail(`「${step.label}」最多${max}个字，您发送了${length}个字`, '');
    if (step.validator) {
      const validate = namedValidators[step.validator];
      return validate(text);
    }
    return { ok: true, value: text, display: text };
  },
  hint: () => '',
};
