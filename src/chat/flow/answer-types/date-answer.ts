import { parseDate } from '../../input/parse-date';
import type { AnswerType } from './answer-type';

/** A calendar date as people write it: 2026年3月2日, 3月2日, 3.2, 2026/3/2, 今天, 昨天 … */
export const dateAnswer: AnswerType = {
  listsOptions: false,
  parse(text, { step, today }) {
    const bound = (value: string | undefined) => (value === 'today' ? today : value);
    return parseDate(text, today, { notAfter: bound(step.notAfter), notBefore: bound(step.notBefore) });
  },
  hint: () => '日期可写作“2026年3月2日”“3月2日”“3.2”或“今天”“昨天”。',
};
