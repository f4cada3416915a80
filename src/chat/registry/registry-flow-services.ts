import { In } from 'typeorm';
import {
  approveFiling,
  rejectFiling,
  submitCancellation,
  submitChange,
  submitOpening,
  submitSuspension,
  type Actor,
  type FilingDeadlines,
  type FilingResult,
  type NewAccountFields,
} from '../../domain/registry/filing-service';
import { activeAccountsOfOwnerName, activeAccountsOnPlatform, findFiling, listFilings, listUnitAccounts } from '../../domain/registry/registry-service';
import {
  BASIC_FUNCTION_OPTIONS,
  CHANGEABLE_FIELDS,
  OPERATION_MODE_OPTIONS,
  PLATFORM_OPTIONS,
  VERIFICATION_OPTIONS,
  isPlatformType,
  platformOption,
  type ChangeableField,
  type PlatformType,
} from '../../domain/registry/vocabulary';
import { UnitEntity } from '../../domain/roster/roster-entities';
import { listAdmins } from '../../domain/roster/roster-service';
import type { Person } from '../../domain/roster/roster-service';
import { formatInstantCn, toShanghaiDate } from '../../shared/shanghai-time';
import type { HandlerContext } from '../message-handler';
import type { FlowOption } from '../flow/flow-definition';
import type { ActionInput, ActionResult, FlowRuntimeContext, FlowServices } from '../flow/flow-services';
import { accountLabel, dueLabel, filingTypeLabel, refusalText, runStatusLabel } from './registry-wording';
import { filingHeadline, reviewRequest, reviewResultNotice } from './review-notices';

export interface RegistryFlowOptions {
  deadlines: FilingDeadlines;
  duplicatePolicy: 'warn' | 'block';
}

/** The registry as the flow engine sees it: option lists, facts, and the actions a flow's submit names. */
export function registryFlowServices(options: RegistryFlowOptions): FlowServices {
  const vocabulary = (list: ReadonlyArray<{ value: string; label: string; synonyms: readonly string[] }>): FlowOption[] =>
    list.map((o) => ({ value: o.value, label: o.label, synonyms: [...o.synonyms] }));

  return {
    optionSources: {
      'platform-types': () => vocabulary(PLATFORM_OPTIONS),
      'platform-subtypes': ({ answers }) => {
        const type = answers.platform?.value;
        if (!isPlatformType(type)) return [];
        return platformOption(type).subtypes.map((s) => ({ value: s, label: s, synonyms: s === '小程序' ? ['微信小程序'] : [] }));
      },
      'basic-functions': () => vocabulary(BASIC_FUNCTION_OPTIONS),
      verification: () => vocabulary(VERIFICATION_OPTIONS),
      'operation-modes': () => vocabulary(OPERATION_MODE_OPTIONS),
      'changeable-fields': () => CHANGEABLE_FIELDS.map((f) => ({ value: f.field, label: f.label })),
    },
    facts: {
      /** Active accounts of the chosen unit on the chosen platform (R3), or null. */
      'duplicate-platform': async ({ manager, answers }) => {
        const unitId = Number(answers.unit?.value);
        const type = answers.platform?.value;
        if (!unitId || !isPlatformType(type)) return null;
        const subtype = answers.subtype && !answers.subtype.skipped ? String(answers.subtype.value) : null;
        const otherOwner = answers['owner-same']?.value === false && answers['owner-name'] ? String(answers['owner-name'].value) : null;
        // the same test as the registry's R3 check at submission, so the question is asked exactly when it is needed
        const existing = otherOwner
          ? await activeAccountsOfOwnerName(manager, otherOwner, type, subtype)
          : await activeAccountsOnPlatform(manager, unitId, type, subtype);
        return existing.length ? existing.map((a) => `“${a.name}”`).join('、') : null;
      },
      /** The filing a rejection is about, for its question. */
      'filing-label': async ({ manager, params }) => {
        const filing = params.filingId ? await findFiling(manager, Number(params.filingId)) : null;
        return filing ? await filingHeadline(manager, filing) : null;
      },
    },
    actions: {
      'filing.open': (input) => submitOpeningAction(input, options),
      'filing.change': (input) => submitChangeAction(input, options),
      'filing.suspend': (input) =>
        afterSubmit(
          input,
          submitSuspension(input.manager, {
            actor: actorOf(input.person),
            accountId: Number(input.values.account),
            eventOn: String(input.values['event-on']),
            reason: `${String(input.values.reason ?? '')}${input.values['notice-published'] === false ? '（未发布停更公告）' : ''}`,
            now: input.now,
            deadlines: options.deadlines,
          }),
        ),
      'filing.cancel': (input) =>
        afterSubmit(
          input,
          submitCancellation(input.manager, {
            actor: actorOf(input.person),
            accountId: Number(input.values.account),
            eventOn: String(input.values['event-on']),
            reason: String(input.values.reason ?? ''),
            now: input.now,
            deadlines: options.deadlines,
          }),
        ),
      'review.reject': (input) => rejectAction(input),
    },
    async myAccounts(context: FlowRuntimeContext, statuses: string[] | undefined) {
      const unitIds = liaisonUnitIds(context.person);
      const accounts = await listUnitAccounts(context.manager, unitIds);
      const underReview = new Set(
        (await listFilings(context.manager, { unitIds, reviewStatus: 'pending' })).map((f) => f.accountId).filter((id) => id !== null),
      );
      const several = unitIds.length > 1;
      const units = several ? await unitNames(context, unitIds) : new Map<number, string>();
      return accounts
        // an account with a filing under review cannot take another one (one pending filing per account)
        .filter((a) => !statuses || statuses.includes(a.runStatus))
        .map((a) => ({
          value: String(a.id),
          label: `${accountLabel(a)}${a.runStatus !== 'active' ? `【${runStatusLabel(a)}】` : ''}${underReview.has(a.id) ? '【审核中】' : ''}${several ? ` · ${units.get(a.filerUnitId) ?? ''}` : ''}`,
          synonyms: [a.name, accountLabel(a), ...(a.platformAccountId ? [a.platformAccountId] : [])],
          // one pending filing per account: say so when it is chosen, not after every question was answered
          ...(underReview.has(a.id) ? { unavailable: '该账号已有一项备案正在等待审核，请等审核结束后再办理（发送“我的备案”查看进度），或选择其他账号' } : {}),
        }));
    },
    async myUnits(context: FlowRuntimeContext) {
      return context.person.memberships
        .filter((m) => m.role === 'liaison')
        .map((m) => ({ value: String(m.unit.id), label: m.unit.name, synonyms: [m.unit.shortName ?? '', m.unit.code].filter(Boolean) }));
    },
  };
}

export function actorOf(person: Person): Actor {
  return {
    userId: person.userId,
    name: person.name,
    contactId: person.contact?.id ?? null,
    liaisonUnitIds: liaisonUnitIds(person),
    isAdmin: person.isAdmin,
  };
}

function liaisonUnitIds(person: Person): number[] {
  return person.memberships.filter((m) => m.role === 'liaison').map((m) => m.unit.id);
}

async function unitNames(context: FlowRuntimeContext, ids: number[]): Promise<Map<number, string>> {
  const units = await context.manager.getRepository(UnitEntity).find({ where: { id: In(ids) } });
  return new Map(units.map((u) => [u.id, u.shortName ?? u.name]));
}

async function submitOpeningAction(input: ActionInput, options: RegistryFlowOptions): Promise<ActionResult> {
  const v = input.values;
  const text = (key: string): string | null => (v[key] === null || v[key] === undefined ? null : String(v[key]));
  const accountRef = text('account-id') ?? '';
  const isUrl = /^https?:\/\//i.test(accountRef);
  const fields: NewAccountFields = {
    name: String(v.name),
    platformType: String(v.platform) as PlatformType,
    platformSubtype: text('subtype'),
    platformAccountId: isUrl ? null : accountRef,
    url: isUrl ? accountRef : null,
    ownerUnitName: v['owner-same'] === false ? text('owner-name') : null,
    openedOn: String(v['opened-on']),
    functionDescription: text('function'),
    basicFunctions: Array.isArray(v['basic-functions']) ? (v['basic-functions'] as string[]).join('、') : null,
    verification: text('verification'),
    operationMode: text('operation-mode'),
    operatorName: v['operation-mode'] === '自营' ? null : text('operator'),
    managerName: text('manager-name'),
    managerMobile: text('manager-mobile'),
    leaderName: text('leader-name'),
    principalName: text('principal-name'),
  };
  const result = await submitOpening(input.manager, {
    actor: actorOf(input.person),
    unitId: Number(v.unit),
    fields,
    duplicateJustification: text('duplicate-reason'),
    now: input.now,
    deadlines: options.deadlines,
    duplicatePolicy: options.duplicatePolicy,
  });
  if (!result.ok && result.code === 'duplicate-needs-justification') {
    return { ok: false, reply: refusalText(result.code, { existing: existingNames(result.detail) }), askAgain: 'duplicate-reason' };
  }
  return afterSubmit(input, Promise.resolve(result));
}

const CHANGE_STEPS: Record<ChangeableField, string> = {
  name: 'new-name',
  platformAccountId: 'new-account-id',
  url: 'new-url',
  functionDescription: 'new-function',
  basicFunctions: 'new-basic-functions',
  verification: 'new-verification',
  operationMode: 'new-operation-mode',
  operatorName: 'new-operator',
  managerName: 'new-manager-name',
  managerMobile: 'new-manager-mobile',
  principalName: 'new-principal-name',
  leaderName: 'new-leader-name',
};

async function submitChangeAction(input: ActionInput, options: RegistryFlowOptions): Promise<ActionResult> {
  const fields = (input.values.fields as ChangeableField[] | null) ?? [];
  const changes = fields
    .filter((field) => CHANGE_STEPS[field] && input.values[CHANGE_STEPS[field]] !== undefined && input.values[CHANGE_STEPS[field]] !== null)
    .map((field) => {
      const value = input.values[CHANGE_STEPS[field]];
      return { field, value: Array.isArray(value) ? value.join('、') : String(value) };
    });
  const result = await submitChange(input.manager, {
    actor: actorOf(input.person),
    accountId: Number(input.values.account),
    changes,
    eventOn: String(input.values['event-on']),
    reason: (input.values.reason as string | null) ?? null,
    now: input.now,
    deadlines: options.deadlines,
  });
  if (!result.ok && result.code === 'no-changes') {
    return { ok: false, reply: `${refusalText(result.code)}请重新选择变化的信息。`, askAgain: 'fields', forget: Object.values(CHANGE_STEPS) };
  }
  return afterSubmit(input, Promise.resolve(result));
}

/** A submitted filing: tell the liaison its number and deadline, and send the review card to the admins. */
async function afterSubmit(input: ActionInput, pending: Promise<FilingResult>): Promise<ActionResult> {
  const result = await pending;
  if (!result.ok) return { ok: false, reply: `未能提交：${refusalText(result.code, { ...result.detail, existing: existingNames(result.detail) })}` };
  const { filing } = result;
  const request = await reviewRequest(input.manager, filing);
  if (request) input.send(request);
  const lines = [
    `已提交${filingTypeLabel(filing)}，备案编号 ${filing.filingNo}，状态：未审核。`,
    `应报备期限：${dueLabel(filing)}${filing.isLate ? '' : '，本次按期报备'}。`,
    request ? '已通知政务公开办审核，审核结果会发消息告诉您。发送“我的备案”可查看进度。' : '目前没有登记审核人，请联系政务公开办。',
  ];
  if (filing.type === 'open') lines.push('提醒：请打印《政务新媒体备案表》，由单位主要负责人签字并加盖公章后报政务公开办。');
  return { ok: true, reply: lines.join('\n') };
}

async function rejectAction(input: ActionInput): Promise<ActionResult> {
  const filingId = Number(input.params.filingId);
  const result = await rejectFiling(input.manager, {
    filingId,
    reviewer: actorOf(input.person),
    reason: String(input.values.reason ?? ''),
    now: input.now,
  });
  const outcome = await reviewOutcome(input, result, 'reject', filingId);
  if (result.ok && input.params.responseCode) await markCards(input, filingId, String(input.params.responseCode), `已驳回（${input.person.name}）`);
  return outcome;
}

/** Null while the filing waits for review; otherwise what to tell an admin who wants to decide it. */
export async function reviewClosedText(manager: ActionInput['manager'], filingId: number): Promise<string | null> {
  const filing = await findFiling(manager, filingId);
  if (!filing) return refusalText('filing-not-found');
  return filing.reviewStatus === 'pending' ? null : alreadyReviewedText({ manager }, filingId);
}

/**
 * The review card's buttons become one grey label (已通过 / 已驳回) for every admin who received it, so nobody
 * decides a filing twice. Needs the response code of a click on that card.
 */
export async function markCards(input: Pick<ActionInput, 'manager' | 'send'>, filingId: number, responseCode: string, label: string): Promise<void> {
  const admins = await listAdmins(input.manager);
  if (admins.length === 0) return;
  input.send({
    dedupeKey: `review-card:${filingId}`,
    origin: 'filing',
    message: { channel: 'card-update', toUser: admins.map((a) => a.userId), responseCode, replaceName: label },
  });
}

/** What a review by chat or by card needs of the message being handled. */
export function reviewInput(turn: { message: ActionInput['message']; person: Person; context: HandlerContext }): Omit<ActionInput, 'values' | 'answers'> {
  const { context } = turn;
  return {
    manager: context.manager,
    person: turn.person,
    now: context.now,
    today: toShanghaiDate(context.now),
    params: {},
    message: turn.message,
    send: (item) => context.send(item),
  };
}

/** Reject with a reason given at once (驳回 <编号> <理由>). */
export async function rejectByChat(input: Omit<ActionInput, 'values' | 'answers'>, filingId: number, reason: string): Promise<ActionResult> {
  const result = await rejectFiling(input.manager, { filingId, reviewer: actorOf(input.person), reason, now: input.now });
  return reviewOutcome(input, result, 'reject', filingId);
}

/** Approve (card button or 通过 <编号>): the registry changes and the liaison is told, in one transaction. */
export async function approveByChat(input: Omit<ActionInput, 'values' | 'answers'>, filingId: number): Promise<ActionResult> {
  const result = await approveFiling(input.manager, { filingId, reviewer: actorOf(input.person), now: input.now });
  return reviewOutcome(input, result, 'approve', filingId);
}

async function reviewOutcome(
  input: Pick<ActionInput, 'manager' | 'send'>,
  result: FilingResult,
  decision: 'approve' | 'reject',
  filingId: number,
): Promise<ActionResult> {
  if (!result.ok) {
    if (result.code === 'already-reviewed') {
      return { ok: false, reply: await alreadyReviewedText(input, filingId) };
    }
    return { ok: false, reply: refusalText(result.code, result.detail) };
  }
  input.send(await reviewResultNotice(input.manager, result.filing));
  const headline = await filingHeadline(input.manager, result.filing);
  return {
    ok: true,
    reply: decision === 'approve' ? `已通过${headline}，台账已更新，已通知${result.filing.filerName}。` : `已驳回${headline}，驳回理由已告知${result.filing.filerName}。`,
  };
}

async function alreadyReviewedText(input: Pick<ActionInput, 'manager'>, filingId: number): Promise<string> {
  const filing = await findFiling(input.manager, filingId);
  if (!filing) return refusalText('already-reviewed');
  const when = filing.reviewedAt ? `于${formatInstantCn(filing.reviewedAt)}` : '';
  return `这项备案（${filing.filingNo}）已由${filing.reviewerName ?? '其他管理员'}${when}${filing.reviewStatus === 'approved' ? '审核通过' : '驳回'}，无需重复处理。`;
}

function existingNames(detail: Record<string, unknown> | undefined): string | undefined {
  const list = detail?.existing ?? detail?.accounts ?? detail?.names;
  if (Array.isArray(list)) return list.map((x) => (typeof x === 'string' ? x : String((x as { name?: string }).name ?? ''))).join('、');
  return typeof list === 'string' ? list : undefined;
}
