import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { AuditEntity } from '../audit/audit-entity';
import { AccountEntity } from '../registry/account-entity';
import { UnitEntity } from '../roster/roster-entities';
import { readTable, RosterFileError, type RowError } from '../roster/roster-file';
import {
  FindingEntity,
  InspectionImportEntity,
  InspectionQueueEntity,
  InspectionRoundEntity,
  type FindingRow,
  type InspectionQueueRow,
  type InspectionRoundRow,
  type MatchConfidence,
  type QueueReason,
} from './finding-entity';
import { AccountMatcher, type MatchCandidate } from './inspection-matcher';
import { formatKey, type PlaceRule } from './inspection-normalize';
import { cleanRoundTitle, parsePeriod, periodFromTitle, previousRound } from './inspection-round';
import { parseInspectionTable, type InspectionTable, type InspectionTableRow } from './inspection-table';
import type { ProblemVocabulary } from './problem-vocabulary';

/**
 * Importing an inspection result table into a round (DOMAIN §3.3 step 3). `readInspectionFile` reads and checks the
 * file (all or nothing: any file problem stops the import with every problem by row); `planInspectionImport` works
 * out, reading only, what the import would do (the dry run / preview); `applyInspectionImport` writes the plan in the
 * caller's transaction. `importInspection` is both in one call (CLI and chat use it).
 *
 * What is written: one finding per (round, account) — a row naming two platforms gives two — keyed by sourceKey
 * `account:<id>`, status 'passed' for 合格 (the table's 是否合格 is authoritative) and 'open' for 不合格; rows that could
 * not be matched with confidence go to the 待确认 queue (inspection_queue), keyed by the normalised (name, type,
 * unit). Re-importing: a finding or queue entry that is already there with the same content is 'unchanged'; a
 * finding whose content changed is updated only while untouched (status open/passed and never dispatched),
 * otherwise the difference is reported as a conflict and the stored finding stays as it is. isRepeat: the account
 * failed in the previous round (by period) with a problem code in common (OTHER does not count).
 */

export const INSERT_CHUNK = 300;

export type AutoConfidence = Extract<MatchConfidence, 'exact' | 'normalized' | 'fuzzy'>;

export interface InspectionImportSummary {
  dryRun: boolean;
  fileName: string;
  round: { id: number | null; title: string; period: string; created: boolean };
  /** data rows of the table (a two-platform row counts once) */
  rowsRead: number;
  /** accounts the rows name (a two-platform row counts twice) */
  entries: number;
  /** findings created, by match confidence */
  created: Record<AutoConfidence, number>;
  /** findings whose content changed and that were still untouched */
  updated: number;
  /** findings and queue entries already there with this content (or already decided in the queue) */
  unchanged: number;
  /** new 待确认 entries, by reason */
  queued: Partial<Record<QueueReason, number>>;
  /** entries that were already waiting in the queue from an earlier import */
  stillQueued: number;
  /** differences not applied, one line each (Chinese) */
  conflicts: string[];
  /** entries of the file that failed / passed (after splitting two-platform rows) */
  failing: number;
  passing: number;
  /** names of the 填报单位 with failing findings, in roster order */
  failingUnits: string[];
  /** failing entries waiting in the queue (their unit is not known yet) */
  failingQueued: number;
}

export interface RoundChoice {
  title: string;
  /** 2026Q3 or 2026-08; derived from the title when absent */
  period?: string | null;
  /** 监测时间点 YYYY-MM-DD */
  monitoringPointOn?: string | null;
}

export interface InspectionImportInput {
  table: InspectionTable;
  fileName: string;
  /** sha256 of the file bytes (hex) */
  fileSha256: string;
  round: RoundChoice;
  vocabulary: ProblemVocabulary;
  actor: string;
  now: Date;
}

/** The file or the round cannot be used: nothing was stored. Messages are Chinese, one per problem. */
export class InspectionImportError extends Error {
  constructor(readonly problems: string[]) {
    super(`检查结果未导入：发现 ${problems.length} 处问题（nothing imported）：\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'InspectionImportError';
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Reading the file
// ---------------------------------------------------------------------------------------------------------------

export interface InspectionFile {
  table: InspectionTable;
  fileName: string;
  fileSha256: string;
}

/** Reads CSV or XLSX bytes as an inspection table; InspectionImportError with every problem when it cannot. */
export async function readInspectionFile(buffer: Buffer, fileName: string): Promise<InspectionFile> {
  let rows;
  try {
    rows = await readTable(buffer, fileName);
  } catch (error) {
    if (error instanceof RosterFileError) throw new InspectionImportError([error.message]);
    throw error;
  }
  const parsed = parseInspectionTable(rows);
  if ('errors' in parsed) throw new InspectionImportError(parsed.errors.map(errorText));
  return { table: parsed, fileName, fileSha256: createHash('sha256').update(buffer).digest('hex') };
}

function errorText(error: RowError): string {
  return error.message;
}

// ---------------------------------------------------------------------------------------------------------------
// Planning
// ---------------------------------------------------------------------------------------------------------------

type NewFinding = Omit<FindingRow, 'id'>;
type NewQueueEntry = Omit<InspectionQueueRow, 'id'>;

export interface InspectionImportPlan {
  input: InspectionImportInput;
  round: InspectionRoundRow | null;
  newRound: Omit<InspectionRoundRow, 'id'> | null;
  findings: NewFinding[];
  findingUpdates: Array<{ id: number; patch: Partial<FindingRow> }>;
  queueEntries: NewQueueEntry[];
  queueUpdates: Array<{ id: number; patch: Partial<InspectionQueueRow> }>;
  summary: InspectionImportSummary;
}

/** Works out what importing the table into the round would do; reads only. */
export async function planInspectionImport(manager: EntityManager, input: InspectionImportInput): Promise<InspectionImportPlan> {
  const { table, vocabulary, now } = input;
  const { round, newRound } = await chooseRound(manager, input);
  const period = (round ?? newRound)!.period;

  const [accounts, units] = await Promise.all([
    manager.getRepository(AccountEntity).find({ order: { id: 'ASC' } }),
    manager.getRepository(UnitEntity).find({ order: { id: 'ASC' } }),
  ]);
  const matcher = new AccountMatcher(accounts, units);
  const existingFindings = new Map<string, FindingRow>();
  const existingQueue = new Map<string, InspectionQueueRow>();
  if (round) {
    for (const f of await manager.getRepository(FindingEntity).find({ where: { roundId: round.id } })) {
      if (f.sourceKey) existingFindings.set(f.sourceKey, f);
    }
    for (const q of await manager.getRepository(InspectionQueueEntity).find({ where: { roundId: round.id } })) existingQueue.set(q.sourceKey, q);
  }
  const previous = await previousRound(manager, round ?? { period });
  const earlierFailures = new Map<number, Set<string>>();
  if (previous) {
    const failed = await manager.getRepository(FindingEntity).find({ where: { roundId: previous.id, qualified: false } });
    for (const f of failed) {
      if (f.accountId === null) continue;
      const codes = (f.problemCodes ?? '').split(',').filter((c) => c !== '' && c !== 'OTHER');
      const set = earlierFailures.get(f.accountId) ?? new Set<string>();
      for (const c of codes) set.add(c);
      earlierFailures.set(f.accountId, set);
    }
  }

  const summary: InspectionImportSummary = {
    dryRun: true,
    fileName: input.fileName,
    round: { id: round?.id ?? null, title: (round ?? newRound)!.title, period, created: round === null },
    rowsRead: table.rows.length,
    entries: 0,
    created: { exact: 0, normalized: 0, fuzzy: 0 },
    updated: 0,
    unchanged: 0,
    queued: {},
    stillQueued: 0,
    conflicts: [],
    failing: 0,
    passing: 0,
    failingUnits: [],
    failingQueued: 0,
  };
  const plan: InspectionImportPlan = { input, round, newRound, findings: [], findingUpdates: [], queueEntries: [], queueUpdates: [], summary };
  const roundId = round?.id ?? 0;
  const claimedAccounts = new Map<number, number>();
  const claimedQueue = new Map<string, number>();
  const failingUnitIds = new Set<number>();

  for (const row of table.rows) {
    const coded = vocabulary.codeProblems(row.problemsRaw);
    const problemCodes = coded.codes.length ? coded.codes.join(',').slice(0, 255) : null;
    const platforms = row.platforms.length > 0 && row.unknownPlatforms.length === 0 ? row.platforms : [null];
    for (const platform of platforms) {
      summary.entries++;
      if (row.qualified) summary.passing++;
      else summary.failing++;
      const outcome = matcher.match(row.accountName, platform, row.unitName);
      const platformLabel = platform?.label ?? row.platformRaw;
      const what = `第${row.rowNumber}行“${row.accountName}”（${platformLabel}）`;
      if (outcome.kind === 'match') {
        const account = outcome.account;
        const first = claimedAccounts.get(account.id);
        if (first !== undefined) {
          summary.conflicts.push(`${what}与第${first}行是同一个已备案账号（${account.name}），只采用第${first}行`);
          continue;
        }
        claimedAccounts.set(account.id, row.rowNumber);
        const isRepeat = !row.qualified && coded.codes.some((c) => earlierFailures.get(account.id)?.has(c) ?? false);
        const values: NewFinding = {
          roundId,
          unitId: account.filerUnitId,
          accountId: account.id,
          qualified: row.qualified,
          rowNo: row.rowNo,
          accountNameRaw: row.accountName.slice(0, 191),
          platformTypeRaw: platformLabel.slice(0, 64),
          unitNameRaw: row.unitName.slice(0, 191),
          matchConfidence: outcome.confidence,
          problemsRaw: row.problemsRaw,
          problemCodes,
          severity: coded.severity,
          isRepeat,
          sourceKey: `account:${account.id}`,
          status: row.qualified ? 'passed' : 'open',
          dispatchedAt: null,
          createdAt: now,
          updatedAt: now,
        };
        if (!row.qualified) failingUnitIds.add(account.filerUnitId);
        const existing = existingFindings.get(values.sourceKey!);
        if (!existing) {
          plan.findings.push(values);
          summary.created[outcome.confidence]++;
        } else if (sameResult(existing, values)) {
          summary.unchanged++;
        } else if (isUntouched(existing)) {
          plan.findingUpdates.push({
            id: existing.id,
            patch: {
              qualified: values.qualified,
              rowNo: values.rowNo,
              accountNameRaw: values.accountNameRaw,
              platformTypeRaw: values.platformTypeRaw,
              unitNameRaw: values.unitNameRaw,
              problemsRaw: values.problemsRaw,
              problemCodes: values.problemCodes,
              severity: values.severity,
              isRepeat: values.isRepeat,
              status: values.status,
              updatedAt: now,
            },
          });
          summary.updated++;
        } else {
          summary.conflicts.push(
            `${what}：本轮已有该账号的检查结果（${existing.qualified ? '合格' : '不合格'}${existing.problemsRaw ? `：${existing.problemsRaw}` : ''}），` +
              `且${existing.dispatchedAt ? '已发送给单位' : '单位已报送整改情况'}，本次导入的不同内容（${row.qualified ? '合格' : '不合格'}` +
              `${row.problemsRaw ? `：${row.problemsRaw}` : ''}）未覆盖；如需更改请联系整改跟踪人员核对`,
          );
          if (!row.qualified) failingUnitIds.add(existing.unitId);
        }
        continue;
      }
      // the queue
      const sourceKey = queueSourceKey(matcher.placeRule, row.accountName, platformLabel, row.unitName);
      const first = claimedQueue.get(sourceKey);
      if (first !== undefined) {
        summary.conflicts.push(`${what}与第${first}行重复，只采用第${first}行`);
        continue;
      }
      claimedQueue.set(sourceKey, row.rowNumber);
      if (!row.qualified) summary.failingQueued++;
      const values: NewQueueEntry = {
        roundId,
        sourceKey,
        rowNo: row.rowNo,
        accountNameRaw: row.accountName.slice(0, 191),
        platformTypeRaw: platformLabel.slice(0, 64),
        unitNameRaw: row.unitName.slice(0, 191),
        unitId: outcome.unitId,
        qualified: row.qualified,
        problemsRaw: row.problemsRaw,
        problemCodes,
        severity: coded.severity,
        reason: outcome.reason,
        candidates: outcome.candidates.length ? JSON.stringify(outcome.candidates) : null,
        status: 'pending',
        findingId: null,
        resolvedBy: null,
        resolvedAt: null,
        createdAt: now,
      };
      const existing = existingQueue.get(sourceKey);
      if (!existing) {
        plan.queueEntries.push(values);
        summary.queued[outcome.reason] = (summary.queued[outcome.reason] ?? 0) + 1;
      } else if (existing.status !== 'pending') {
        summary.unchanged++;
      } else {
        summary.stillQueued++;
        const patch: Partial<InspectionQueueRow> = {};
        for (const key of ['rowNo', 'qualified', 'problemsRaw', 'problemCodes', 'severity', 'reason', 'candidates', 'unitId'] as const) {
          if (!sameValue(existing[key], values[key])) Object.assign(patch, { [key]: values[key] });
        }
        if (Object.keys(patch).length) plan.queueUpdates.push({ id: existing.id, patch });
      }
    }
  }
  summary.failingUnits = units.filter((u) => failingUnitIds.has(u.id)).map((u) => u.name);
  return plan;
}

async function chooseRound(
  manager: EntityManager,
  input: InspectionImportInput,
): Promise<{ round: InspectionRoundRow | null; newRound: Omit<InspectionRoundRow, 'id'> | null }> {
  const title = cleanRoundTitle(input.round.title);
  if (title === '' || title.length > 191) {
    throw new InspectionImportError([title === '' ? '请给出检查轮次的名称，例如 2026年第三季度' : `检查轮次的名称过长（${title.length}个字，最多191个）`]);
  }
  const round = await manager.getRepository(InspectionRoundEntity).findOne({ where: { title } });
  if (round) return { round, newRound: null };
  let period: string | null;
  if (input.round.period) {
    period = parsePeriod(input.round.period);
    if (!period) throw new InspectionImportError([`无法识别检查期间“${input.round.period}”，请写成 2026Q3（季度）或 2026-08（月份）`]);
  } else {
    period = periodFromTitle(title);
    if (!period) {
      throw new InspectionImportError([
        `无法从轮次名称“${title}”看出检查期间。请在名称中写明季度或月份（例如 2026年第三季度、2026年8月），` +
          '或另外给出期间（命令行 --period 2026Q3）',
      ]);
    }
  }
  const monitoring = input.round.monitoringPointOn ?? null;
  if (monitoring !== null && !/^\d{4}-\d{2}-\d{2}$/.test(monitoring)) {
    throw new InspectionImportError([`无法识别监测时间点“${monitoring}”，请写成 2026-09-15`]);
  }
  return {
    round: null,
    newRound: {
      title,
      period,
      monitoringPointOn: monitoring,
      rectificationDeadlineId: null,
      dispatchedAt: null,
      createdBy: input.actor.slice(0, 128),
      createdAt: input.now,
    },
  };
}

/** A finding nobody acted on yet: not sent to the unit, no 整改情况 reported. */
export function isUntouched(finding: Pick<FindingRow, 'status' | 'dispatchedAt'>): boolean {
  return (finding.status === 'open' || finding.status === 'passed') && finding.dispatchedAt === null;
}

function sameResult(existing: FindingRow, next: NewFinding): boolean {
  return (
    Boolean(existing.qualified) === next.qualified &&
    sameValue(existing.problemsRaw, next.problemsRaw) &&
    sameValue(existing.problemCodes, next.problemCodes)
  );
}

function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === 'boolean' || typeof b === 'boolean') return Boolean(a) === Boolean(b);
  return (a ?? null) === (b ?? null) || String(a ?? '') === String(b ?? '');
}

/** The queue key of a row: its normalised (name, type, unit); long keys end in a hash so they fit 191 characters. */
export function queueSourceKey(placeRule: PlaceRule, name: string, platformLabel: string, unitName: string): string {
  const key = `${placeRule.key(name)}|${formatKey(platformLabel)}|${placeRule.key(unitName)}`;
  return boundKey(key, 191);
}

/** The sourceKey of a finding for an account that is not in the registry. */
export function unregisteredSourceKey(queueKey: string): string {
  return boundKey(`unregistered:${queueKey}`, 191);
}

function boundKey(key: string, max: number): string {
  if (key.length <= max) return key;
  const hash = createHash('sha1').update(key).digest('hex').slice(0, 16);
  return `${key.slice(0, max - 17)}#${hash}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Applying
// ---------------------------------------------------------------------------------------------------------------

/** Writes the plan in the caller's transaction (bulk inserts in chunks) and logs the import; returns the summary. */
export async function applyInspectionImport(manager: EntityManager, plan: InspectionImportPlan): Promise<InspectionImportSummary> {
  const { input } = plan;
  let round = plan.round;
  if (!round) {
    const result = await manager.getRepository(InspectionRoundEntity).insert(plan.newRound!);
    const id = Number(result.identifiers[0].id);
    round = { ...plan.newRound!, id };
  } else if (input.round.monitoringPointOn && !round.monitoringPointOn) {
    await manager.getRepository(InspectionRoundEntity).update({ id: round.id }, { monitoringPointOn: input.round.monitoringPointOn });
  }
  const roundId = round.id;
  const findings = plan.findings.map((f) => ({ ...f, roundId }));
  for (let i = 0; i < findings.length; i += INSERT_CHUNK) {
    await manager.getRepository(FindingEntity).insert(findings.slice(i, i + INSERT_CHUNK));
  }
  for (const update of plan.findingUpdates) await manager.getRepository(FindingEntity).update({ id: update.id }, update.patch);
  const entries = plan.queueEntries.map((q) => ({ ...q, roundId }));
  for (let i = 0; i < entries.length; i += INSERT_CHUNK) {
    await manager.getRepository(InspectionQueueEntity).insert(entries.slice(i, i + INSERT_CHUNK));
  }
  for (const update of plan.queueUpdates) await manager.getRepository(InspectionQueueEntity).update({ id: update.id, status: 'pending' }, update.patch);

  const summary: InspectionImportSummary = {
    ...plan.summary,
    dryRun: false,
    round: { ...plan.summary.round, id: roundId },
  };
  const applied = summary.created.exact + summary.created.normalized + summary.created.fuzzy + summary.updated;
  const queued = Object.values(summary.queued).reduce((n, v) => n + (v ?? 0), 0);
  await manager.getRepository(InspectionImportEntity).insert({
    roundId,
    fileName: input.fileName.slice(0, 191),
    fileSha256: input.fileSha256,
    importedBy: input.actor.slice(0, 128),
    importedAt: input.now,
    rowsRead: summary.rowsRead,
    applied,
    unchanged: summary.unchanged,
    queued: queued + summary.stillQueued,
  });
  await manager.getRepository(AuditEntity).insert({
    actor: input.actor.slice(0, 128),
    action: 'inspection.import',
    subject: `${round.title}`.slice(0, 191),
    detail: JSON.stringify({
      file: input.fileName,
      sha256: input.fileSha256,
      rows: summary.rowsRead,
      created: summary.created,
      updated: summary.updated,
      unchanged: summary.unchanged,
      queued: summary.queued,
      stillQueued: summary.stillQueued,
      conflicts: summary.conflicts.length,
    }),
    at: input.now,
  });
  return summary;
}

/** Plan and (unless dryRun) apply, in the caller's transaction. */
export async function importInspection(
  manager: EntityManager,
  input: InspectionImportInput,
  options: { dryRun?: boolean } = {},
): Promise<InspectionImportSummary> {
  const plan = await planInspectionImport(manager, input);
  if (options.dryRun) return plan.summary;
  return applyInspectionImport(manager, plan);
}

// ---------------------------------------------------------------------------------------------------------------
// The summary as text (CLI and chat)
// ---------------------------------------------------------------------------------------------------------------

export const QUEUE_REASON_LABEL: Record<QueueReason, string> = {
  fuzzy: '名称相近待确认',
  ambiguous: '多个账号符合',
  unregistered: '未找到备案账号',
  unknownUnit: '开设单位不在名册中',
  unknownType: '无法识别账号类型',
};

/** The summary in Chinese lines, for the CLI and the chat preview. */
export function summaryLines(summary: InspectionImportSummary): string[] {
  const createdTotal = summary.created.exact + summary.created.normalized + summary.created.fuzzy;
  const queuedTotal = Object.values(summary.queued).reduce((n, v) => n + (v ?? 0), 0);
  const queuedParts = (Object.entries(summary.queued) as Array<[QueueReason, number]>).map(([reason, n]) => `${QUEUE_REASON_LABEL[reason]} ${n}`);
  const lines = [
    `检查轮次：${summary.round.title}（${summary.round.period}${summary.round.created ? '，新建' : ''}）`,
    `读取 ${summary.rowsRead} 行，涉及 ${summary.entries} 个账号：不合格 ${summary.failing} 个，合格 ${summary.passing} 个`,
    `${summary.dryRun ? '将新增' : '新增'}检查结果 ${createdTotal} 条（精确匹配 ${summary.created.exact}，规范化后匹配 ${summary.created.normalized}，相近名称匹配 ${summary.created.fuzzy}）` +
      (summary.updated ? `，${summary.dryRun ? '将更新' : '更新'} ${summary.updated} 条` : ''),
    `与已导入内容相同（未变化） ${summary.unchanged} 条`,
    `${summary.dryRun ? '将转入' : '转入'}待确认 ${queuedTotal} 条${queuedParts.length ? `（${queuedParts.join('，')}）` : ''}` +
      (summary.stillQueued ? `，此前已在待确认中 ${summary.stillQueued} 条` : ''),
    `有不合格账号的单位 ${summary.failingUnits.length} 个${summary.failingUnits.length ? `：${summary.failingUnits.join('、')}` : ''}` +
      (summary.failingQueued ? `（另有 ${summary.failingQueued} 个不合格账号在待确认中）` : ''),
  ];
  if (summary.conflicts.length) {
    lines.push(`未覆盖的不同内容 ${summary.conflicts.length} 处：`, ...summary.conflicts.map((c) => `  - ${c}`));
  }
  return lines;
}

/** Accounts ids of candidates, for callers that show them. */
export function parseCandidates(json: string | null): MatchCandidate[] {
  if (!json) return [];
  try {
    const value = JSON.parse(json) as unknown;
    return Array.isArray(value)
      ? value.filter((c): c is MatchCandidate => typeof c === 'object' && c !== null && typeof (c as MatchCandidate).accountId === 'number')
      : [];
  } catch {
    return [];
  }
}

export type { InspectionTableRow };
