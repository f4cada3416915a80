import { createHash, randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { isDateOnly, toShanghaiDate } from '../../shared/shanghai-time';
import { AuditEntity } from '../audit/audit-entity';
import { UnitEntity, type UnitRow } from '../roster/roster-entities';
import { AccountEntity, type AccountRow } from './account-entity';
import { FilingEntity, type FilingRow } from './filing-entity';
import {
  activeAccountsOfOwnerName,
  activeAccountsOnPlatform,
  filingChanges,
  findAccount,
  findFiling,
  type FilingChange,
} from './registry-service';
import {
  changeableField,
  isPlatformType,
  joinBasicFunctions,
  normalizeMobile,
  normalizeTerm,
  platformOption,
  resolveBasicFunctions,
  resolveOperationMode,
  resolveVerification,
  type ChangeableField,
  type FilingType,
  type PlatformType,
} from './vocabulary';
import { isUniqueViolation } from '../../db/unique-violation';

/**
 * Filings (备案, DOMAIN §3.1–3.2): a liaison submits an opening, change, suspension or cancellation for a unit it is
 * liaison of; an admin of the office approves (the registry changes) or rejects it with a reason. Results are codes,
 * never chat wording. Every function runs in the caller's transaction; a refusal writes nothing.
 */

// ---------------------------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------------------------

export interface Actor {
  userId: string;
  name: string;
  contactId: number | null;
  liaisonUnitIds: number[];
  isAdmin: boolean;
}

/** The filing deadline rule (R1 / R2), injected: working-day arithmetic lives elsewhere. */
export interface FilingDeadlines {
  dueOn(eventOn: string, type: FilingType): { dueOn: string; provisional: boolean };
}

export type FilingRefusal =
  | 'not-liaison-of-unit'
  | 'not-admin'
  | 'account-not-found'
  | 'filing-not-found'
  | 'account-read-only'
  | 'pending-filing-exists'
  | 'duplicate-needs-justification'
  | 'duplicate-blocked'
  | 'already-reviewed'
  | 'no-changes'
  | 'event-in-future'
  /** a 关停 / 注销 filing or a rejection without a reason */
  | 'reason-required'
  /** a value that cannot be stored; detail: { field, value? } */
  | 'invalid-field';

export type FilingResult =
  | { ok: true; filing: FilingRow; account: AccountRow | null }
  | { ok: false; code: FilingRefusal; detail?: Record<string, unknown> };

/** The new account of an opening (开设备案), as the liaison gives it. */
export interface NewAccountFields {
  name: string;
  platformType: PlatformType;
  /** the platform as the liaison said it (视频号, 新浪微博); default: the type's label */
  platformTypeRaw?: string | null;
  platformSubtype?: string | null;
  platformAccountId?: string | null;
  url?: string | null;
  /** 开办单位 of the roster; default: the filing unit (unless ownerUnitName names another) */
  ownerUnitId?: number | null;
  /** 开办单位 by name or short name; a name not in the roster (a 事业单位) is kept with ownerUnitId null */
  ownerUnitName?: string | null;
  /** 开设时间 (YYYY-MM-DD): the event date of the filing */
  openedOn: string;
  functionDescription?: string | null;
  /** 发布、传播 …: any list of the five functions */
  basicFunctions?: string | null;
  /** 已认证 / 未认证 (or 是 / 否) */
  verification?: string | null;
  /** 自营 / 购买服务 */
  operationMode?: string | null;
  operatorName?: string | null;
  managerName?: string | null;
  managerMobile?: string | null;
  principalName?: string | null;
  principalPhone?: string | null;
  leaderName?: string | null;
  leaderPhone?: string | null;
  serviceCode?: string | null;
  inNationalSystem?: boolean | null;
  followers?: number | null;
  remarks?: string | null;
}

/** The stored proposal of an opening: every field normalised, the owner resolved. */
export type AccountProposal = { [K in keyof NewAccountFields]-?: Exclude<NewAccountFields[K], undefined> } & {
  platformTypeRaw: string;
  ownerUnitName: string;
};

/** An account update lost a compare-and-swap (someone else changed the account meanwhile): roll back and retry. */
export class RegistryConflictError extends Error {
  constructor(readonly accountId: number) {
    super(`account ${accountId} was changed concurrently`);
    this.name = 'RegistryConflictError';
  }
}

interface SubmitCommon {
  actor: Actor;
  now: Date;
  deadlines: FilingDeadlines;
}

const refuse = (code: FilingRefusal, detail?: Record<string, unknown>): FilingResult =>
  detail ? { ok: false, code, detail } : { ok: false, code };

// ---------------------------------------------------------------------------------------------------------------
// Submissions
// ---------------------------------------------------------------------------------------------------------------

/** 开设备案: the account is created only when the filing is approved. */
export async function submitOpening(
  manager: EntityManager,
  params: SubmitCommon & {
    unitId: number;
    fields: NewAccountFields;
    duplicateJustification?: string | null;
    duplicatePolicy: 'warn' | 'block';
  },
): Promise<FilingResult> {
  const { actor, unitId, now } = params;
  if (!actor.liaisonUnitIds.includes(unitId)) return refuse('not-liaison-of-unit', { unitId });
  const unit = await manager.getRepository(UnitEntity).findOne({ where: { id: unitId } });
  if (!unit) return refuse('invalid-field', { field: 'unitId', value: unitId });

  const proposal = await normalizeProposal(manager, params.fields, unit);
  if ('field' in proposal) return refuse('invalid-field', proposal);
  if (proposal.openedOn > toShanghaiDate(now)) return refuse('event-in-future', { eventOn: proposal.openedOn });

  const pendingKey = openingPendingKey(unit.id, proposal);
  if (await pendingByKey(manager, pendingKey)) return refuse('pending-filing-exists', { pendingKey });

  // R3: one active account per (unit, platform).
  const existing =
    proposal.ownerUnitId !== null
      ? await activeAccountsOnPlatform(manager, proposal.ownerUnitId, proposal.platformType, proposal.platformSubtype)
      : await activeAccountsOfOwnerName(manager, proposal.ownerUnitName, proposal.platformType, proposal.platformSubtype);
  const justification = clean(params.duplicateJustification);
  if (existing.length > 0) {
    const detail = { existing: existing.map((a) => a.name), existingIds: existing.map((a) => a.id) };
    if (params.duplicatePolicy === 'block') return refuse('duplicate-blocked', detail);
    if (!justification) return refuse('duplicate-needs-justification', detail);
  }

  return insertFiling(manager, {
    ...params,
    type: 'open',
    account: null,
    filerUnitId: unit.id,
    eventOn: proposal.openedOn,
    reason: null,
    changes: null,
    proposal,
    duplicateJustification: existing.length > 0 ? justification : null,
    pendingKey,
    audit: { name: proposal.name, platformType: proposal.platformType, duplicates: existing.length },
  });
}

/** 变更备案: only the fields of CHANGEABLE_FIELDS; the old values are recorded next to the new ones. */
export async function submitChange(
  manager: EntityManager,
  params: SubmitCommon & {
    accountId: number;
    changes: Array<{ field: ChangeableField; value: string }>;
    eventOn: string;
    reason?: string | null;
  },
): Promise<FilingResult> {
  const checked = await checkAccountFiling(manager, params, 'change');
  if (!checked.ok) return checked.refusal;
  const { account } = checked;

  const changes: FilingChange[] = [];
  for (const { field, value } of params.changes) {
    const spec = changeableField(field);
    if (!spec) return refuse('invalid-field', { field });
    const normalized = normalizeChangeValue(field, value);
    if (normalized === undefined) return refuse('invalid-field', { field, value });
    const old = account[field] ?? null;
    const existing = changes.findIndex((c) => c.field === field);
    if (existing >= 0) changes.splice(existing, 1);
    if (normalized !== old) changes.push({ field, label: spec.label, old, new: normalized });
  }
  if (changes.length === 0) return refuse('no-changes');

  return insertFiling(manager, {
    ...params,
    type: 'change',
    account,
    filerUnitId: account.filerUnitId,
    eventOn: params.eventOn,
    reason: clean(params.reason),
    changes,
    proposal: null,
    duplicateJustification: null,
    pendingKey: accountPendingKey(account.id),
    audit: { fields: changes.map((c) => c.field) },
  });
}

/** 关停备案: from an active account only; a reason is required. */
export async function submitSuspension(
  manager: EntityManager,
  params: SubmitCommon & { accountId: number; eventOn: string; reason: string },
): Promise<FilingResult> {
  return submitClosure(manager, params, 'suspend');
}

/** 注销备案: from an active or a suspended account; a reason is required. */
export async function submitCancellation(
  manager: EntityManager,
  params: SubmitCommon & { accountId: number; eventOn: string; reason: string },
): Promise<FilingResult> {
  return submitClosure(manager, params, 'cancel');
}

async function submitClosure(
  manager: EntityManager,
  params: SubmitCommon & { accountId: number; eventOn: string; reason: string },
  type: 'suspend' | 'cancel',
): Promise<FilingResult> {
  const checked = await checkAccountFiling(manager, params, type);
  if (!checked.ok) return checked.refusal;
  const reason = clean(params.reason);
  if (!reason) return refuse('reason-required');
  return insertFiling(manager, {
    ...params,
    type,
    account: checked.account,
    filerUnitId: checked.account.filerUnitId,
    eventOn: params.eventOn,
    reason,
    changes: null,
    proposal: null,
    duplicateJustification: null,
    pendingKey: accountPendingKey(checked.account.id),
    audit: {},
  });
}

/** The checks every filing on an existing account shares, in the order the user should hear about them. */
async function checkAccountFiling(
  manager: EntityManager,
  params: SubmitCommon & { accountId: number; eventOn: string },
  type: Exclude<FilingType, 'open'>,
): Promise<{ ok: true; account: AccountRow } | { ok: false; refusal: FilingResult }> {
  const account = await findAccount(manager, params.accountId);
  if (!account) return { ok: false, refusal: refuse('account-not-found', { accountId: params.accountId }) };
  if (!params.actor.liaisonUnitIds.includes(account.filerUnitId)) {
    return { ok: false, refusal: refuse('not-liaison-of-unit', { unitId: account.filerUnitId }) };
  }
  if (!allowedFrom(type, account)) {
    return { ok: false, refusal: refuse('account-read-only', { runStatus: account.runStatus }) };
  }
  const pending = await pendingByKey(manager, accountPendingKey(account.id));
  if (pending) return { ok: false, refusal: refuse('pending-filing-exists', { filingNo: pending.filingNo, type: pending.type }) };
  if (!isDateOnly(params.eventOn)) {
    return { ok: false, refusal: refuse('invalid-field', { field: 'eventOn', value: params.eventOn }) };
  }
  if (params.eventOn > toShanghaiDate(params.now)) {
    return { ok: false, refusal: refuse('event-in-future', { eventOn: params.eventOn }) };
  }
  return { ok: true, account };
}

/** R6: a suspended account can be viewed but not edited; only a cancellation may follow. */
function allowedFrom(type: Exclude<FilingType, 'open'>, account: AccountRow): boolean {
  if (type === 'cancel') return account.runStatus === 'active' || account.runStatus === 'suspended';
  return account.runStatus === 'active';
}

async function insertFiling(
  manager: EntityManager,
  params: SubmitCommon & {
    type: FilingType;
    account: AccountRow | null;
    filerUnitId: number;
    eventOn: string;
    reason: string | null;
    changes: FilingChange[] | null;
    proposal: AccountProposal | null;
    duplicateJustification: string | null;
    pendingKey: string;
    audit: Record<string, unknown>;
  },
): Promise<FilingResult> {
  const { actor, now, type, account } = params;
  const due = params.deadlines.dueOn(params.eventOn, type);
  const isLate = toShanghaiDate(now) > due.dueOn;
  const repo = manager.getRepository(FilingEntity);
  let id: number;
  try {
    const inserted = await repo.insert({
      filingNo: `tmp-${randomUUID()}`,
      type,
      accountId: account?.id ?? null,
      filerUnitId: params.filerUnitId,
      filerUserId: actor.userId,
      filerName: actor.name.slice(0, 64),
      filerContactId: actor.contactId,
      eventOn: params.eventOn,
      reason: params.reason,
      changes: params.changes ? JSON.stringify(params.changes) : null,
      proposal: params.proposal ? JSON.stringify(params.proposal) : null,
      duplicateJustification: params.duplicateJustification,
      submittedAt: now,
      reviewStatus: 'pending',
      reviewedAt: null,
      reviewerUserId: null,
      reviewerName: null,
      rejectionReason: null,
      dueOn: due.dueOn,
      dueProvisional: due.provisional,
      isLate,
      pendingKey: params.pendingKey,
      rev: 1,
      createdAt: now,
    });
    id = Number(inserted.identifiers[0]?.id);
  } catch (error) {
    // Another submission of the same account (or opening) won the race for the unique pending key.
    if (isUniqueViolation(error)) return refuse('pending-filing-exists', { pendingKey: params.pendingKey });
    throw error;
  }
  const filingNo = formatFilingNo(now, id);
  await repo.update({ id }, { filingNo });
  if (account) await updateAccount(manager, account, { filingStatus: 'pending' }, now);
  await audit(manager, actor.userId, 'filing.submit', filingNo, now, {
    type,
    accountId: account?.id ?? null,
    unitId: params.filerUnitId,
    eventOn: params.eventOn,
    dueOn: due.dueOn,
    isLate,
    ...params.audit,
  });
  const filing = (await findFiling(manager, id))!;
  return { ok: true, filing, account: account ? await findAccount(manager, account.id) : null };
}

/** 一案一号: BA + the Beijing year of submission + the id, zero-padded to six digits. Unique because the id is. */
export function formatFilingNo(submittedAt: Date, id: number): string {
  return `BA${toShanghaiDate(submittedAt).slice(0, 4)}-${String(id).padStart(6, '0')}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Review
// ---------------------------------------------------------------------------------------------------------------

/**
 * Approve a pending filing and apply it: open → the account is created (active, approved); change → the new values;
 * suspend → suspended with closedOn / closeReason; cancel → cancelled. Of two admins approving at once, one wins
 * and the other gets `already-reviewed`.
 */
export async function approveFiling(
  manager: EntityManager,
  params: { filingId: number; reviewer: Actor; now: Date },
): Promise<FilingResult> {
  const { reviewer, now } = params;
  if (!reviewer.isAdmin) return refuse('not-admin');
  const filing = await findFiling(manager, params.filingId);
  if (!filing) return refuse('filing-not-found', { filingId: params.filingId });
  if (filing.reviewStatus !== 'pending') return refuse('already-reviewed', { reviewStatus: filing.reviewStatus });

  let account: AccountRow | null = null;
  let changes: FilingChange[] | null = null;
  if (filing.type !== 'open') {
    account = await lockAccount(manager, filing.accountId);
    if (!account) return refuse('account-not-found', { accountId: filing.accountId });
    if (!allowedFrom(filing.type, account)) return refuse('account-read-only', { runStatus: account.runStatus });
    if (filing.type === 'change') {
      // the values this approval really replaces
      const current = account;
      changes = filingChanges(filing).map((c) => ({ ...c, old: current[c.field] ?? null }));
    }
  }

  const claimed = await claim(manager, filing, {
    reviewStatus: 'approved',
    reviewedAt: now,
    reviewerUserId: reviewer.userId,
    reviewerName: reviewer.name.slice(0, 64),
    ...(changes ? { changes: JSON.stringify(changes) } : {}),
  });
  if (!claimed) return refuse('already-reviewed');

  let accountId = filing.accountId;
  if (filing.type === 'open') {
    accountId = await createAccount(manager, filing, now);
    await manager.getRepository(FilingEntity).update({ id: filing.id }, { accountId });
  } else if (account) {
    const patch: Partial<AccountRow> = { filingStatus: 'approved' };
    if (filing.type === 'change') {
      for (const c of changes ?? []) Object.assign(patch, { [c.field]: c.new });
    } else if (filing.type === 'suspend') {
      Object.assign(patch, { runStatus: 'suspended', runStatusRaw: '已关停', closedOn: filing.eventOn, closeReason: filing.reason });
    } else {
      Object.assign(patch, { runStatus: 'cancelled', runStatusRaw: '已注销', closedOn: filing.eventOn, closeReason: filing.reason });
    }
    await updateAccount(manager, account, patch, now);
  }
  await audit(manager, reviewer.userId, 'filing.approve', filing.filingNo, now, {
    type: filing.type,
    accountId,
    unitId: filing.filerUnitId,
  });
  return {
    ok: true,
    filing: (await findFiling(manager, filing.id))!,
    account: accountId !== null ? await findAccount(manager, accountId) : null,
  };
}

/** Reject a pending filing (驳回) with a non-empty reason; the registry is unchanged except the filing status. */
export async function rejectFiling(
  manager: EntityManager,
  params: { filingId: number; reviewer: Actor; reason: string; now: Date },
): Promise<FilingResult> {
  const { reviewer, now } = params;
  if (!reviewer.isAdmin) return refuse('not-admin');
  const reason = clean(params.reason);
  if (!reason) return refuse('reason-required');
  const filing = await findFiling(manager, params.filingId);
  if (!filing) return refuse('filing-not-found', { filingId: params.filingId });
  if (filing.reviewStatus !== 'pending') return refuse('already-reviewed', { reviewStatus: filing.reviewStatus });
  const account = filing.accountId !== null ? await lockAccount(manager, filing.accountId) : null;

  const claimed = await claim(manager, filing, {
    reviewStatus: 'rejected',
    reviewedAt: now,
    reviewerUserId: reviewer.userId,
    reviewerName: reviewer.name.slice(0, 64),
    rejectionReason: reason,
  });
  if (!claimed) return refuse('already-reviewed');
  if (account) await updateAccount(manager, account, { filingStatus: 'rejected' }, now);
  await audit(manager, reviewer.userId, 'filing.reject', filing.filingNo, now, {
    type: filing.type,
    accountId: filing.accountId,
    unitId: filing.filerUnitId,
    reason,
  });
  return {
    ok: true,
    filing: (await findFiling(manager, filing.id))!,
    account: account ? await findAccount(manager, account.id) : null,
  };
}

/** The conditional update that makes a review happen once: true when this call moved the filing out of pending. */
async function claim(manager: EntityManager, filing: FilingRow, set: Partial<FilingRow>): Promise<boolean> {
  const result = await manager
    .createQueryBuilder()
    .update(FilingEntity)
    .set({ ...set, pendingKey: null, rev: () => 'rev + 1' })
    .where({ id: filing.id, reviewStatus: 'pending', rev: filing.rev })
    .execute();
  return result.affected === 1;
}

/** The proposal of an opening filing (null for the other types). */
export function filingProposal(filing: Pick<FilingRow, 'proposal'>): AccountProposal | null {
  return filing.proposal ? (JSON.parse(filing.proposal) as AccountProposal) : null;
}

async function createAccount(manager: EntityManager, filing: FilingRow, now: Date): Promise<number> {
  const p = filingProposal(filing);
  if (!p) throw new Error(`opening filing ${filing.filingNo} has no proposal`);
  const inserted = await manager.getRepository(AccountEntity).insert({
    serviceCode: p.serviceCode,
    name: p.name,
    platformType: p.platformType,
    platformTypeRaw: p.platformTypeRaw,
    platformSubtype: p.platformSubtype,
    platformAccountId: p.platformAccountId,
    url: p.url,
    ownerUnitId: p.ownerUnitId,
    ownerUnitName: p.ownerUnitName,
    filerUnitId: filing.filerUnitId,
    operationMode: p.operationMode,
    operatorName: p.operatorName,
    functionDescription: p.functionDescription,
    basicFunctions: p.basicFunctions,
    verification: p.verification,
    openedOn: p.openedOn,
    runStatus: 'active',
    runStatusRaw: '正常运行',
    filingStatus: 'approved',
    closedOn: null,
    closeReason: null,
    inNationalSystem: p.inNationalSystem,
    managerName: p.managerName,
    managerMobile: p.managerMobile,
    principalName: p.principalName,
    principalPhone: p.principalPhone,
    leaderName: p.leaderName,
    leaderPhone: p.leaderPhone,
    followers: p.followers,
    remarks: p.remarks,
    duplicateJustification: filing.duplicateJustification,
    createdAt: now,
    updatedAt: now,
    rev: 1,
  });
  return Number(inserted.identifiers[0]?.id);
}

// ---------------------------------------------------------------------------------------------------------------
// Account writes
// ---------------------------------------------------------------------------------------------------------------

/** Reads the account, locked for update where the database can (MySQL in a transaction; SQLite is serialized). */
async function lockAccount(manager: EntityManager, id: number | null): Promise<AccountRow | null> {
  if (id === null) return null;
  const qb = manager.getRepository(AccountEntity).createQueryBuilder('a').where('a.id = :id', { id });
  const type = manager.connection.options.type;
  if ((type === 'mysql' || type === 'mariadb') && manager.queryRunner?.isTransactionActive) qb.setLock('pessimistic_write');
  return qb.getOne();
}

/** Compare-and-swap on rev: applies the patch only to the version read, and bumps rev. */
export async function updateAccount(
  manager: EntityManager,
  account: Pick<AccountRow, 'id' | 'rev'>,
  patch: Partial<Omit<AccountRow, 'id' | 'rev' | 'createdAt' | 'updatedAt'>>,
  now: Date,
): Promise<void> {
  const result = await manager
    .createQueryBuilder()
    .update(AccountEntity)
    .set({ ...patch, updatedAt: now, rev: () => 'rev + 1' })
    .where({ id: account.id, rev: account.rev })
    .execute();
  if (result.affected !== 1) throw new RegistryConflictError(account.id);
}

// ---------------------------------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------------------------------

const PROPOSAL_LIMITS: Partial<Record<keyof NewAccountFields, number>> = {
  name: 191,
  platformTypeRaw: 64,
  platformSubtype: 64,
  platformAccountId: 191,
  url: 1000,
  ownerUnitName: 191,
  functionDescription: 1000,
  operatorName: 191,
  managerName: 64,
  principalName: 64,
  principalPhone: 32,
  leaderName: 64,
  leaderPhone: 32,
  serviceCode: 32,
  remarks: 2000,
};

async function normalizeProposal(
  manager: EntityManager,
  fields: NewAccountFields,
  unit: UnitRow,
): Promise<AccountProposal | { field: string; value?: unknown }> {
  for (const [field, max] of Object.entries(PROPOSAL_LIMITS) as Array<[keyof NewAccountFields, number]>) {
    const value = fields[field];
    if (typeof value === 'string' && value.trim().length > max) return { field };
  }
  const name = clean(fields.name);
  if (!name) return { field: 'name' };
  if (!isPlatformType(fields.platformType)) return { field: 'platformType', value: fields.platformType };
  if (typeof fields.openedOn !== 'string' || !isDateOnly(fields.openedOn)) return { field: 'openedOn', value: fields.openedOn };

  let ownerUnitId: number | null = unit.id;
  let ownerUnitName = unit.name;
  const units = manager.getRepository(UnitEntity);
  if (fields.ownerUnitId !== undefined && fields.ownerUnitId !== null) {
    const owner = await units.findOne({ where: { id: fields.ownerUnitId } });
    if (!owner) return { field: 'ownerUnitId', value: fields.ownerUnitId };
    ownerUnitId = owner.id;
    ownerUnitName = owner.name;
  } else if (clean(fields.ownerUnitName)) {
    const written = clean(fields.ownerUnitName)!;
    const owner =
      (await units.findOne({ where: { name: written } })) ?? (await units.findOne({ where: { shortName: written } }));
    ownerUnitId = owner?.id ?? null;
    ownerUnitName = owner?.name ?? written;
  }

  const normalized: Partial<Record<ChangeableField, string | null>> = {};
  for (const field of ['verification', 'operationMode', 'basicFunctions', 'managerMobile'] as const) {
    const raw = fields[field];
    if (raw === undefined || raw === null || raw.trim() === '') {
      normalized[field] = null;
      continue;
    }
    const value = normalizeChangeValue(field, raw);
    if (value === undefined) return { field, value: raw };
    normalized[field] = value;
  }
  if (fields.followers !== undefined && fields.followers !== null) {
    if (!Number.isInteger(fields.followers) || fields.followers < 0) return { field: 'followers', value: fields.followers };
  }

  return {
    name,
    platformType: fields.platformType,
    platformTypeRaw: clean(fields.platformTypeRaw) ?? platformOption(fields.platformType).label,
    platformSubtype: clean(fields.platformSubtype),
    platformAccountId: clean(fields.platformAccountId),
    url: clean(fields.url),
    ownerUnitId,
    ownerUnitName,
    openedOn: fields.openedOn,
    functionDescription: clean(fields.functionDescription),
    basicFunctions: normalized.basicFunctions ?? null,
    verification: normalized.verification ?? null,
    operationMode: normalized.operationMode ?? null,
    operatorName: clean(fields.operatorName),
    managerName: clean(fields.managerName),
    managerMobile: normalized.managerMobile ?? null,
    principalName: clean(fields.principalName),
    principalPhone: clean(fields.principalPhone),
    leaderName: clean(fields.leaderName),
    leaderPhone: clean(fields.leaderPhone),
    serviceCode: clean(fields.serviceCode),
    inNationalSystem: fields.inNationalSystem ?? null,
    followers: fields.followers ?? null,
    remarks: clean(fields.remarks),
  };
}

/**
 * The stored form of a new value for a changeable field, or undefined when it cannot be stored. Empty clears an
 * optional field (null); the name cannot be empty.
 */
export function normalizeChangeValue(field: ChangeableField, value: string): string | null | undefined {
  const spec = changeableField(field);
  if (!spec || typeof value !== 'string') return undefined;
  const text = value.trim();
  if (text === '') return field === 'name' ? undefined : null;
  if (text.length > spec.maxLength) return undefined;
  switch (field) {
    case 'verification':
      return resolveVerification(text) ?? undefined;
    case 'operationMode':
      return resolveOperationMode(text) ?? undefined;
    case 'basicFunctions': {
      const { functions, unknown } = resolveBasicFunctions(text);
      return unknown.length > 0 || functions.length === 0 ? undefined : joinBasicFunctions(functions);
    }
    case 'managerMobile':
      return normalizeMobile(text) ?? undefined;
    default:
      return text;
  }
}

function clean(value: string | null | undefined): string | null {
  if (typeof value !== 'string') return null;
  const text = value.trim();
  return text === '' ? null : text;
}

const accountPendingKey = (accountId: number): string => `account:${accountId}`;

/**
 * What a filing is about, the same for a rejected filing and its resubmission: the account and filing type, or
 * for an opening the unit, platform and name. Deadlines use it to see that a rejected filing was filed again.
 */
export function filingSubject(filing: Pick<FilingRow, 'type' | 'accountId' | 'filerUnitId' | 'proposal'>): string {
  const proposal = filingProposal(filing);
  if (filing.type === 'open' && proposal) return openingPendingKey(filing.filerUnitId, proposal);
  return `${filing.type}:${accountPendingKey(filing.accountId ?? 0)}`;
}

/** Openings are told apart by unit, platform and name (and, for `other`, the subtype: 视频号 ≠ 小红书). */
function openingPendingKey(unitId: number, p: AccountProposal): string {
  const subtype = p.platformType === 'other' ? normalizeTerm(p.platformSubtype ?? '') : '';
  const digest = createHash('sha256').update(`${subtype}\u0000${normalizeTerm(p.name)}`).digest('hex').slice(0, 40);
  return `open:${unitId}:${p.platformType}:${digest}`;
}

async function pendingByKey(manager: EntityManager, pendingKey: string): Promise<FilingRow | null> {
  return manager.getRepository(FilingEntity).findOne({ where: { pendingKey } });
}


async function audit(
  manager: EntityManager,
  actor: string,
  action: string,
  subject: string,
  at: Date,
  detail: Record<string, unknown>,
): Promise<void> {
  await manager
    .getRepository(AuditEntity)
    .insert({ actor: actor.slice(0, 128), action, subject, detail: JSON.stringify(detail), at });
}
