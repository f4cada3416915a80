import { createDeadline, DeadlineError, resolveDueAt, type DeadlineRules } from '../../domain/deadlines/deadline-service';
import { describeAudience, matchUnitNames, splitUnitNames, unitMatchProblems, type Audience } from '../../domain/roster/audience';
import { formatDateCn, weekdayCn } from '../../shared/shanghai-time';
import type { FlowServicesPart } from '../flow/flow-services';
import { dueText } from '../../jobs/reminder-messages';

/** 设置截止事项 as the flow engine sees it: facts for the questions and the action that sets the deadline. */
export function deadlineFlowServices(rules: DeadlineRules): FlowServicesPart {
  return {
    optionSources: {},
    facts: {
      /** The chosen due date is not a working day: say which day it is. */
      'due-off-day': async ({ answers }) => {
        const date = answers['due-date']?.value;
        if (typeof date !== 'string' || rules.calendar.isWorkday(date)) return null;
        return `${formatDateCn(date)}是${weekdayCn(date)}，不是工作日`;
      },
      'office-end': async () => rules.hours.end,
    },
    actions: {
      'deadline.create': async (input) => {
        const { values, manager, person, now } = input;
        if (values['off-day-ok'] === false || values['off-day-ok'] === 'false') {
          return { ok: false, reply: '好的，请重新填写截止日期。', askAgain: 'due-date', forget: ['off-day-ok'] };
        }
        const dueOn = String(values['due-date']);
        const dueTime = typeof values['due-time'] === 'string' ? values['due-time'] : null;
        let audience: Audience;
        if (values.audience === 'units') {
          const match = await matchUnitNames(manager, splitUnitNames(String(values.units ?? '')));
          const problems = unitMatchProblems(match);
          if (problems.length || match.found.length === 0) {
            return { ok: false, reply: `${problems.join('；') || '请至少填写一个单位'}。`, askAgain: 'units' };
          }
          audience = { kind: 'units', unitIds: match.found.map((u) => u.id) };
        } else {
          audience = { kind: values.audience === 'openFindings' ? 'openFindings' : 'all' };
        }
        if (resolveDueAt(dueOn, dueTime, rules.hours) <= now) {
          return { ok: false, reply: '这个截止时间已经过去了，请重新填写。', askAgain: dueTime ? 'due-time' : 'due-date' };
        }
        try {
          const { deadline, units } = await createDeadline(
            manager,
            {
              kind: 'custom',
              title: String(values.title),
              deliverable: typeof values.deliverable === 'string' ? values.deliverable : null,
              dueOn,
              dueTime,
              audience,
              sourceText: typeof input.params.sourceText === 'string' ? input.params.sourceText : null,
              createdBy: person.userId,
            },
            rules,
            now,
          );
          return {
            ok: true,
            reply:
              `已设置截止事项（编号 ${deadline.id}）：${deadline.title}，截止 ${dueText(deadline)}，对象：${describeAudience(audience, units)}。` +
              `各单位联络员将在工作时间收到通知，并按提醒计划收到提醒；发送“截止事项”查看报送情况。`,
          };
        } catch (error) {
          if (error instanceof DeadlineError && error.code === 'no-units') {
            return {
              ok: false,
              reply: audience.kind === 'openFindings' ? '目前没有存在待整改问题的单位，无需设置。' : '所选对象中没有填报单位。',
              askAgain: 'audience',
              forget: ['units'],
            };
          }
          throw error;
        }
      },
    },
  };
}
