import type { EntityManager } from 'typeorm';
import { InspectionRoundEntity, type InspectionRoundRow } from '../domain/inspection/finding-entity';
import { AccountEntity, type AccountRow } from '../domain/registry/account-entity';
import {
  RUN_STATUS_OPTIONS,
  normalizeTerm,
  optionLabel,
  platformOption,
  resolvePlatform,
  resolveRunStatus,
  type RunStatus,
} from '../domain/registry/vocabulary';
import { matchUnitNames } from '../domain/roster/audience';
import { ContactEntity, ContactRoleEntity, UnitEntity, type ContactRow, type UnitRow } from '../domain/roster/roster-entities';

/** What was asked cannot be exported: `zh` for the chat, `en` for the command line; both say what is valid. */
export class ExportError extends Error {
  constructor(
    readonly code: 'unknownTable' | 'unknownRound' | 'noRounds' | 'unknownUnit' | 'unknownStatus' | 'unknownAccount' | 'ambiguousAccount' | 'missingAccount' | 'unknownPlatform' | 'tooLarge',
    readonly zh: string,
    readonly en: string,
  ) {
    super(`${en} (${zh})`);
    this.name = 'ExportError';
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Units
// ---------------------------------------------------------------------------------------------------------------

/** A unit by full name, short name or a unique part of the name. */
export async function resolveUnit(manager: EntityManager, written: string): Promise<UnitRow> {
  const match = await matchUnitNames(manager, [written]);
  if (match.found.length === 1) return match.found[0];
  if (match.ambiguous.length > 0) {
    const { candidates } = match.ambiguous[0];
    throw new ExportError(
      'unknownUnit',
      `“${written}”对应多个单位（${candidates.join('、')}），请写单位全称或简称。`,
      `"${written}" matches several units: ${candidates.join(', ')}; write the full or short name.`,
    );
  }
  const examples = (await manager.getRepository(UnitEntity).find({ order: { code: 'ASC' }, take: 4 })).map((u) => u.shortName ?? u.name);
  throw new ExportError(
    'unknownUnit',
    `单位名册中没有“${written}”。请写名册中的单位全称或简称${examples.length ? `，例如 ${examples.join('、')}` : ''}。`,
    `No unit "${written}" in the roster; use a full or short name from the roster${examples.length ? `, e.g. ${examples.join(', ')}` : ''}.`,
  );
}

export interface UnitContact {
  name: string;
  /** mobile, else the office phone */
  phone: string;
}

/** The unit's liaison (the first one of the roster) with a phone number, or null. */
export async function unitContact(manager: EntityManager, unitId: number, role: 'liaison' | 'leader' = 'liaison'): Promise<UnitContact | null> {
  const roles = await manager.getRepository(ContactRoleEntity).find({ where: { unitId, role }, order: { id: 'ASC' } });
  for (const r of roles) {
    const contact: ContactRow | null = await manager.getRepository(ContactEntity).findOne({ where: { id: r.contactId } });
    if (contact) return { name: contact.name, phone: contact.mobile ?? contact.officePhone ?? '' };
  }
  return null;
}

/** The office (组织单位) that reports for the whole district. */
export async function organizerUnit(manager: EntityManager): Promise<UnitRow | null> {
  return manager.getRepository(UnitEntity).findOne({ where: { isOrganizer: true }, order: { code: 'ASC' } });
}

// ---------------------------------------------------------------------------------------------------------------
// Rounds
// ---------------------------------------------------------------------------------------------------------------

const CN_DIGITS: Record<string, number> = { 一: 1, 二: 2, 三: 3, 四: 4, '1': 1, '2': 2, '3': 3, '4': 4 };

/** 2026Q3, 2026-q3, 2026年第三季度, 2026年3季度, 2026年第3季度 → 2026Q3; 2026-08, 2026年8月 → 2026-08; else null. */
export function parsePeriod(text: string): string | null {
  const t = normalizeTerm(text);
  let m = /^(\d{4})[-_]?q([1-4])$/.exec(t);
  if (m) return `${m[1]}Q${m[2]}`;
  m = /^(\d{4})年?第?([一二三四1-4])季度?$/.exec(t);
  if (m) return `${m[1]}Q${CN_DIGITS[m[2]]}`;
  m = /^(\d{4})(?:年|[-/.])(\d{1,2})月?$/.exec(t);
  if (m && Number(m[2]) >= 1 && Number(m[2]) <= 12) return `${m[1]}-${m[2].padStart(2, '0')}`;
  return null;
}

const CN_QUARTER = ['', '一', '二', '三', '四'];

/** How the office names the round in a table title: 2026年第三季度 (from the period), else the round's title. */
export function roundLabel(round: Pick<InspectionRoundRow, 'title' | 'period'>): string {
  const q = /^(\d{4})Q([1-4])$/.exec(round.period);
  if (q) return `${q[1]}年第${CN_QUARTER[Number(q[2])]}季度`;
  const m = /^(\d{4})-(\d{2})$/.exec(round.period);
  if (m) return `${m[1]}年${Number(m[2])}月`;
  return round.title;
}

async function allRounds(manager: EntityManager): Promise<InspectionRoundRow[]> {
  const rounds = await manager.getRepository(InspectionRoundEntity).find();
  // latest first: by period (2026Q3 > 2026Q2; 2026-08 sorts with its year), then by id
  return rounds.sort((a, b) => b.period.localeCompare(a.period) || b.id - a.id);
}

/** The round named by title or period; without a name the latest round. */
export async function resolveRound(manager: EntityManager, written: string | undefined): Promise<InspectionRoundRow> {
  const rounds = await allRounds(manager);
  if (rounds.length === 0) {
    throw new ExportError(
      'noRounds',
      '还没有导入任何检查轮次的结果，暂时无法导出检查结果。请先导入检查结果表。',
      'No inspection round has been imported yet, so there are no results to export; import an inspection table first.',
    );
  }
  if (written === undefined || written.trim() === '') return rounds[0];
  const term = normalizeTerm(written);
  const period = parsePeriod(written);
  const found =
    rounds.find((r) => normalizeTerm(r.title) === term) ??
    rounds.find((r) => period !== null && r.period === period) ??
    rounds.find((r) => normalizeTerm(r.period) === term);
  if (found) return found;
  const valid = rounds.slice(0, 6).map((r) => `${r.title}（${r.period}）`);
  throw new ExportError(
    'unknownRound',
    `没有“${written}”这一检查轮次。已有的轮次：${valid.join('、')}。`,
    `No inspection round "${written}". Rounds: ${rounds.slice(0, 6).map((r) => `${r.period} "${r.title}"`).join(', ')}.`,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Run status
// ---------------------------------------------------------------------------------------------------------------

const STATUS_CODES: Record<string, RunStatus> = { active: 'active', suspended: 'suspended', cancelled: 'cancelled' };

export function resolveStatus(written: string): RunStatus {
  const status = STATUS_CODES[written.trim().toLowerCase()] ?? resolveRunStatus(written);
  if (status) return status;
  const labels = RUN_STATUS_OPTIONS.map((o) => o.label);
  throw new ExportError(
    'unknownStatus',
    `无法识别运行状态“${written}”，可写：${labels.join('、')}。`,
    `Unknown run status "${written}"; use one of ${labels.join(', ')} (or active, suspended, cancelled).`,
  );
}

export function statusLabel(status: RunStatus): string {
  return optionLabel(RUN_STATUS_OPTIONS, status);
}

// ---------------------------------------------------------------------------------------------------------------
// Accounts
// ---------------------------------------------------------------------------------------------------------------

export interface AccountSelector {
  /** an account id (12, #12) or an account name */
  account?: string;
  /** 新媒体类型 (微信, 抖音, 服务号 …) */
  platform?: string;
  unitId?: number;
}

/** One account by id, or by name narrowed by platform and unit; an ambiguous name lists the candidates. */
export async function resolveAccount(manager: EntityManager, selector: AccountSelector): Promise<AccountRow> {
  const repo = manager.getRepository(AccountEntity);
  const written = selector.account?.trim() ?? '';
  if (written === '') {
    throw new ExportError(
      'missingAccount',
      '请写明要导出哪个账号的备案表：账号编号，或账号名称加新媒体类型，例如“导出 备案表 东岚发布 抖音”。',
      'Which account? Give --account <id or name> (and --type <新媒体类型> when the name is used on several platforms).',
    );
  }
  const id = /^[#＃]?(\d{1,9})$/.exec(written);
  if (id) {
    const account = await repo.findOne({ where: { id: Number(id[1]) } });
    if (account) return account;
    throw new ExportError('unknownAccount', `没有编号为 ${id[1]} 的账号。`, `No account with id ${id[1]}.`);
  }
  let platform: ReturnType<typeof resolvePlatform> = null;
  if (selector.platform) {
    platform = resolvePlatform(selector.platform);
    if (!platform) {
      throw new ExportError(
        'unknownPlatform',
        `无法识别新媒体类型“${selector.platform}”，可写：微信、微博、APP、今日头条号、小程序、抖音、快手、企鹅号、其他（或 服务号、视频号 等）。`,
        `Unknown platform type "${selector.platform}"; use 微信, 微博, APP, 今日头条号, 小程序, 抖音, 快手, 企鹅号 or 其他 (or a subtype such as 服务号).`,
      );
    }
  }
  const term = normalizeTerm(written);
  const all = await repo.find({ order: { id: 'ASC' } });
  const named = all.filter((a) => normalizeTerm(a.name) === term);
  const candidates = named.filter(
    (a) =>
      (!platform || (a.platformType === platform.type && (!platform.subtype || a.platformSubtype === platform.subtype))) &&
      (selector.unitId === undefined || a.filerUnitId === selector.unitId || a.ownerUnitId === selector.unitId),
  );
  if (candidates.length === 1) return candidates[0];
  if (named.length === 0) {
    const similar = all.filter((a) => normalizeTerm(a.name).includes(term)).slice(0, 5);
    throw new ExportError(
      'unknownAccount',
      `台账中没有名为“${written}”的账号${similar.length ? `。名称相近的有：${similar.map(describeAccountZh).join('；')}` : ''}。`,
      `No account named "${written}" in the registry${similar.length ? `; similar: ${similar.map(describeAccountZh).join('; ')}` : ''}.`,
    );
  }
  const list = (candidates.length ? candidates : named).slice(0, 10);
  const narrowed = candidates.length === 0 ? '（按所给条件没有找到，以下是同名账号）' : '';
  throw new ExportError(
    candidates.length === 0 ? 'unknownAccount' : 'ambiguousAccount',
    `名为“${written}”的账号有${named.length}个${narrowed}，请加上新媒体类型，或直接写编号：${list.map(describeAccountZh).join('；')}。例如“导出 备案表 #${list[0].id}”。`,
    `${named.length} accounts are named "${written}"${candidates.length === 0 ? ' (none fits the given type/unit)' : ''}; add --type or use the id: ${list.map(describeAccountZh).join('; ')}.`,
  );
}

/** #12 东岚发布（微信·服务号，东岚区人民政府办公室） */
export function describeAccountZh(a: AccountRow): string {
  const type = platformOption(a.platformType).systemLabel + (a.platformSubtype ? `·${a.platformSubtype}` : '');
  return `#${a.id} ${a.name}（${type}，${a.ownerUnitName}）`;
}
