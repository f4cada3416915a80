import type { DeadlineRules } from '../../domain/deadlines/deadline-service';
import { DeadlineEntity } from '../../domain/deadlines/deadline-entities';
import { InspectionRoundEntity, type RectificationMeasure } from '../../domain/inspection/finding-entity';
import type { ProblemVocabulary } from '../../domain/inspection/problem-vocabulary';
import { dispatchRound, DispatchError, listRounds, planDispatch, type DispatchPlan, type DispatchResult } from '../../domain/inspection/rectification-dispatch';
import {
  findingExpectationText,
  findingAccountLabel,
  findingFlags,
  findingProblemsText,
  rectificationDueText,
} from '../../domain/inspection/rectification-messages';
import {
  findFinding,
  findingsToRectify,
  findRectification,
  linkRectificationFiling,
  submitRectification,
  type SubmitRefusal,
} from '../../domain/inspection/rectification-service';
import { FilingEntity } from '../../domain/registry/filing-entity';
import { findAccount } from '../../domain/registry/registry-service';
import type { Person } from '../../domain/roster/roster-service';
import { shanghaiInstant } from '../../shared/shanghai-time';
import type { ActionInput, ActionResult, FlowAction, FlowRuntimeContext, FlowServices, FlowServicesPart } from '../flow/flow-services';
import { accountLabel } from '../registry/registry-wording';
import { findingHeadline, MEASURE_LABEL, rectificationReviewCard } from './rectification-notices';
import { returnRectification } from './rectification-review';

export interface RectificationChatDeps {
  rules: DeadlineRules;
  vocabulary: ProblemVocabulary;
  outboxMaxAttempts: number;
}

export function liaisonUnitIds(person: Person): number[] {
  return person.memberships.filter((m) => m.role === 'liaison').map((m) => m.unit.id);
}

/** The flows 整改 (rectify), 整改退回 (return-rectification) and 下发整改 (dispatch-rectification) as the engine sees them. */
export function rectificationFlowServices(deps: RectificationChatDeps): FlowServicesPart {
  const chosenFinding = async ({ manager, answers }: FlowRuntimeContext) => {
    const id = Number(answers.finding?.value);
    return id ? findFinding(manager, id) : null;
  };
  const chosenRound = async ({ manager, answers }: FlowRuntimeContext) => {
    const id = Number(answers.round?.value);
    return id ? manager.getRepository(InspectionRoundEntity).findOne({ where: { id } }) : null;
  };
  return {
    optionSources: {
      'findings-to-rectify': async ({ manager, person }) =>
        (await findingsToRectify(manager, liaisonUnitIds(person))).map((f) => ({
          value: String(f.id),
          label: `${findingAccountLabel(f)}：${clip(findingProblemsText(f, deps.vocabulary), 30)}〔编号 ${f.id}〕${findingFlags(f)}${f.status === 'returned' ? '【已退回】' : ''}`,
          synonyms: [`编号${f.id}`, `编号 ${f.id}`],
        })),
      'rectify-measures': async (context) => {
        const finding = await chosenFinding(context);
        const account = finding?.accountId ? await findAccount(context.manager, finding.accountId) : null;
        const options = [{ value: 'keep', label: '已整改，保留账号', synonyms: ['已整改', '保留', '整改完成', '保留账号'] }];
        if (account?.runStatus === 'active') options.push({ value: 'suspend', label: '关停账号（接着办理关停备案）', synonyms: ['关停', '停更'] });
        if (account && account.runStatus !== 'cancelled') options.push({ value: 'cancel', label: '注销账号（接着办理注销备案）', synonyms: ['注销'] });
        return options;
      },
      'inspection-rounds': async ({ manager }) =>
        (await listRounds(manager)).slice(0, 9).map((r) => ({ value: String(r.id), label: r.title, synonyms: [r.period] })),
    },
    facts: {
      /** The chosen finding's account can still be closed (active or suspended): ask for the measure. */
      'rectify-account-closable': async (context) => {
        const finding = await chosenFinding(context);
        const account = finding?.accountId ? await findAccount(context.manager, finding.accountId) : null;
        return account && account.runStatus !== 'cancelled' ? accountLabel(account) : null;
      },
      /** The chosen finding: its problems and what is expected. */
      'rectify-finding-detail': async (context) => {
        const finding = await chosenFinding(context);
        if (!finding) return null;
        return `${findingHeadline(finding)}${findingFlags(finding)}\n问题：${findingProblemsText(finding, deps.vocabulary)}\n整改要求：${findingExpectationText(finding, deps.vocabulary)}`;
      },
      /** The report an admin returns, for the question. */
      'rectification-label': async ({ manager, params }) => {
        const rectification = params.rectificationId ? await findRectification(manager, Number(params.rectificationId)) : null;
        const finding = rectification ? await findFinding(manager, rectification.findingId) : null;
        return finding ? findingHeadline(finding) : null;
      },
      /** The chosen round already has its rectification deadline (an earlier dispatch): its due date. */
      'rectification-deadline-set': async (context) => {
        const round = await chosenRound(context);
        if (!round?.rectificationDeadlineId) return null;
        const deadline = await context.manager.getRepository(DeadlineEntity).findOne({ where: { id: round.rectificationDeadlineId } });
        return deadline ? rectificationDueText(deadline) : null;
      },
      /** What 下发整改 will send, to whom, and who cannot be reached. */
      'rectification-dispatch-preview': async (context) => {
        const round = await chosenRound(context);
        if (!round) return null;
        const plan = await planDispatch(context.manager, round.id);
        return dispatchPreviewText(plan, dueFromAnswers(context, plan, deps.rules));
      },
    },
    actions: {
      'rectification.submit': (input) => submitAction(input, deps),
      'rectification.return': async (input) =>
        returnRectification(input, Number(input.params.rectificationId), String(input.values.reason ?? ''), deps, input.params.responseCode ? String(input.params.responseCode) : undefined),
      'inspection.dispatch': (input) => dispatchAction(input, deps),
    },
  };
}

/**
 * A 关停 / 注销 filing started by a 整改 report (params.rectificationId) is linked to the report when submitted.
 * Wraps the registry's actions so the registry needs to know nothing of inspections.
 */
export function linkFilingsToRectifications(services: FlowServices): FlowServices {
  const wrap = (name: string, type: 'suspend' | 'cancel'): void => {
    const original: FlowAction | undefined = services.actions[name];
    if (!original) return;
    services.actions[name] = async (input) => {
      const result = await original(input);
      const rectificationId = Number(input.params.rectificationId);
      if (result.ok && rectificationId) {
        const filing = await input.manager
          .getRepository(FilingEntity)
          .findOne({ where: { accountId: Number(input.values.account), filerUserId: input.person.userId, type }, order: { id: 'DESC' } });
        if (filing) await linkRectificationFiling(input.manager, rectificationId, filing.id);
      }
      return result;
    };
  };
  wrap('filing.suspend', 'suspend');
  wrap('filing.cancel', 'cancel');
  return services;
}

const SUBMIT_REFUSALS: Record<SubmitRefusal, string> = {
  'not-found': '没有找到这项问题，请发送“我的整改”查看本单位的问题。',
  'not-yours': '这项问题不属于您联络的单位，无法报送。',
  'not-dispatched': '这项问题尚未下发到本单位，暂不需要报送。',
  'already-submitted': '这项问题的整改情况已经报送，正在等待政务公开办审核。',
  'already-accepted': '这项问题的整改情况已经审核通过，无需再报送。',
  description: '整改情况需要5到500个字。',
};

async function submitAction(input: ActionInput, deps: RectificationChatDeps): Promise<ActionResult> {
  const findingId = Number(input.values.finding);
  const measure = (typeof input.values.measure === 'string' ? input.values.measure : 'keep') as RectificationMeasure;
  const result = await submitRectification(input.manager, {
    findingId,
    description: String(input.values.description ?? ''),
    measure,
    reporter: { userId: input.person.userId, name: input.person.name, liaisonUnitIds: liaisonUnitIds(input.person) },
    now: input.now,
  });
  if (!result.ok) {
    if (result.code === 'description') return { ok: false, reply: SUBMIT_REFUSALS.description, askAgain: 'description' };
    return { ok: false, reply: `未能报送：${SUBMIT_REFUSALS[result.code]}` };
  }
  const card = await rectificationReviewCard(input.manager, { ...result, vocabulary: deps.vocabulary });
  if (card) input.send(card);
  const lines = [`已报送${findingHeadline(result.finding)}的整改情况，等待政务公开办审核，审核结果会发消息告诉您。`];
  const left = await findingsToRectify(input.manager, [result.finding.unitId]);
  if (result.unitComplete) lines.push('本单位本轮检查发现的问题已全部报送整改情况。');
  else if (left.length) lines.push(`本单位还有${left.length}项问题待报送，回复“整改”继续。`);
  if (measure === 'suspend' || measure === 'cancel') {
    const account = result.finding.accountId ? await findAccount(input.manager, result.finding.accountId) : null;
    if (account) {
      lines.push(`接下来为您办理${MEASURE_LABEL[measure]}备案（账号：${accountLabel(account)}）。`);
      return {
        ok: true,
        reply: lines.join('\n'),
        then: {
          flowId: measure === 'suspend' ? 'suspend-filing' : 'cancel-filing',
          params: { rectificationId: result.rectification.id },
          prefill: { account: { value: String(account.id), display: accountLabel(account), raw: account.name } },
        },
      };
    }
  }
  return { ok: true, reply: lines.join('\n') };
}

/** The due date the admin gave (answers), or the deadline set earlier. */
function dueFromAnswers(context: FlowRuntimeContext, plan: DispatchPlan, rules: DeadlineRules): string | null {
  if (plan.deadline) return rectificationDueText(plan.deadline);
  const date = context.answers['due-date']?.value;
  if (typeof date !== 'string') return null;
  const time = context.answers['due-time'];
  const clock = time && !time.skipped && typeof time.value === 'string' ? time.value : rules.hours.end;
  return rectificationDueText({ dueOn: date, dueAt: shanghaiInstant(date, clock) });
}

/** 将向3个单位下发5项问题 … */
export function dispatchPreviewText(plan: DispatchPlan, due: string | null): string {
  const lines: string[] = [];
  const count = (list: DispatchPlan['units']) => list.reduce((n, u) => n + u.findings.length, 0);
  const sent = count(plan.units);
  lines.push(`检查轮次：${plan.round.title}`);
  lines.push(`整改截止：${due ?? '（未设置）'}${plan.deadline ? '（沿用已设置的截止时间）' : ''}`);
  if (plan.alreadyDispatched) lines.push(`此前已下发${plan.alreadyDispatched}项，本次只发送尚未下发的问题。`);
  lines.push(`将向${plan.units.length}个单位的联络员下发${sent}项问题（每个联络员一条消息，只含本单位的问题）：`);
  const shown = plan.units.slice(0, 15);
  for (const u of shown) {
    const copy = u.leaders.length ? `；单项否决或重复问题${u.leaderFindings.length}项，抄送${u.leaders.map((l) => l.name).join('、')}` : '';
    lines.push(`· ${u.unit.shortName || u.unit.name}：${u.findings.length}项，发给${u.liaisons.map((l) => l.name).join('、')}${copy}`);
  }
  if (plan.units.length > shown.length) lines.push(`……另有${plan.units.length - shown.length}个单位`);
  if (plan.unreachable.length) {
    lines.push(
      `⚠ 以下单位没有可联系的联络员（未登记企业微信账号），本次无法下发，问题保留待补登后再次下发：${plan.unreachable
        .map((u) => `${u.unit.shortName || u.unit.name}（${u.findings.length}项）`)
        .join('、')}`,
    );
  }
  return lines.join('\n');
}

async function dispatchAction(input: ActionInput, deps: RectificationChatDeps): Promise<ActionResult> {
  if (input.values.confirm === false || input.values.confirm === 'false') {
    return { ok: true, reply: '已放弃下发，没有发送任何消息。' };
  }
  if (input.values['off-day-ok'] === false || input.values['off-day-ok'] === 'false') {
    return { ok: false, reply: '好的，请重新填写截止日期。', askAgain: 'due-date', forget: ['off-day-ok', 'confirm'] };
  }
  const roundId = Number(input.values.round);
  try {
    const result = await dispatchRound(
      input.manager,
      {
        roundId,
        dueOn: typeof input.values['due-date'] === 'string' ? input.values['due-date'] : null,
        dueTime: typeof input.values['due-time'] === 'string' ? input.values['due-time'] : null,
        actor: input.person.userId,
        now: input.now,
      },
      deps,
      (item) => input.send(item),
    );
    return { ok: true, reply: dispatchSummaryText(result) };
  } catch (error) {
    if (error instanceof DispatchError) {
      switch (error.code) {
        case 'nothing-to-dispatch':
          return { ok: true, reply: `${error.plan?.round.title ?? '该轮次'}的问题均已下发，没有需要发送的内容。发送“整改进度”查看整改情况。` };
        case 'past':
          return { ok: false, reply: '这个截止时间已经过去了，请重新填写。', askAgain: 'due-date', forget: ['due-time', 'off-day-ok', 'confirm'] };
        case 'due-required':
          return { ok: false, reply: '请填写整改截止日期。', askAgain: 'due-date', forget: ['confirm'] };
        case 'deadline-cancelled':
          return { ok: true, reply: '该轮次的整改截止事项已被撤销，无法再下发。如需重新下发，请联系系统管理员。' };
      }
    }
    throw error;
  }
}

/** What the admin is told after a dispatch: counts, the deadline, and every unit that could not be reached. */
export function dispatchSummaryText(result: DispatchResult): string {
  const { plan } = result;
  const lines = [
    `已下发${plan.round.title}检查发现的问题：${plan.units.length}个单位、${result.findingsSent}项，共${result.messages}条消息。`,
    result.deadlineCreated
      ? `已设置整改截止事项（编号 ${result.deadline.id}），截止 ${rectificationDueText(result.deadline)}，将按提醒计划提醒各单位。`
      : `整改截止时间沿用 ${rectificationDueText(result.deadline)}（截止事项编号 ${result.deadline.id}）${result.unitsAdded ? `，新增${result.unitsAdded}个单位` : ''}。`,
  ];
  const copies = plan.units.filter((u) => u.leaders.length);
  if (copies.length) lines.push(`单项否决或重复出现的问题已抄送单位负责人：${copies.map((u) => u.unit.shortName || u.unit.name).join('、')}。`);
  if (plan.unreachable.length) {
    lines.push(
      `⚠ 未能下发（没有可联系的联络员）：${plan.unreachable.map((u) => `${u.unit.name}（${u.findings.length}项）`).join('、')}。请补登联络员的企业微信账号后再次发送“下发整改 ${plan.round.title}”。`,
    );
  }
  lines.push('发送“整改进度”查看各单位整改情况。');
  return lines.join('\n');
}

function clip(text: string, max: number): string {
  return [...text].length > max ? `${[...text].slice(0, max).join('')}…` : text;
}
