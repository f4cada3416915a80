import { matchChoice } from '../../input/match-choice';
import { fail } from '../../input/parsed';
import type { AnswerType } from './answer-type';

/** One of the accounts of the units I am the liaison of, listed with their platform and status. */
export const accountOfMineAnswer: AnswerType = {
  listsOptions: true,
  parse(text, { options }) {
    const parsed = matchChoice(text, options);
    if (!parsed.ok) return parsed;
    const chosen = options.find((o) => o.value === parsed.value);
    return chosen?.unavailable ? fail(`${chosen.label}：${chosen.unavailable}`, '') : parsed;
  },
  hint: () => '请回复序号或账号名称。',
};
