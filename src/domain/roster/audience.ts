import { In, type EntityManager } from 'typeorm';
import { FindingEntity, OPEN_FINDING_STATUSES } from '../inspection/finding-entity';
import { ContactEntity, ContactRoleEntity, UnitEntity, type UnitRole, type UnitRow } from './roster-entities';

/** Whom a deadline or a bulletin addresses: every filing unit, listed units, or the units with open findings. */
export type Audience = { kind: 'all' } | { kind: 'units'; unitIds: number[] } | { kind: 'openFindings' };

/** The filing units (填报单位) an audience covers, by code. Organizer-only units are never addressed. */
export async function resolveAudienceUnits(manager: EntityManager, audience: Audience): Promise<UnitRow[]> {
  const units = manager.getRepository(UnitEntity);
  switch (audience.kind) {
    case 'all':
      return units.find({ where: { isFiler: true }, order: { code: 'ASC' } });
    case 'units':
      if (audience.unitIds.length === 0) return [];
      return units.find({ where: { id: In(audience.unitIds) }, order: { code: 'ASC' } });
    case 'openFindings': {
      const rows = await manager
        .getRepository(FindingEntity)
        .createQueryBuilder('f')
        .select('DISTINCT f.unitId', 'unitId')
        .where('f.status IN (:...open)', { open: OPEN_FINDING_STATUSES })
        .andWhere('f.qualified = :no', { no: false })
        .getRawMany<{ unitId: number }>();
      if (rows.length === 0) return [];
      return units.find({ where: { id: In(rows.map((r) => Number(r.unitId))) }, order: { code: 'ASC' } });
    }
  }
}

/** 全部单位 / 区发改局、区教体局 / 有待整改问题的单位 */
export function describeAudience(audience: Audience, units: Pick<UnitRow, 'name'>[]): string {
  switch (audience.kind) {
    case 'all':
      return `全部单位（${units.length}个）`;
    case 'openFindings':
      return `有待整改问题的单位（${units.length}个）`;
    case 'units':
      return units.length <= 6 ? units.map((u) => u.name).join('、') : `${units.slice(0, 5).map((u) => u.name).join('、')}等${units.length}个单位`;
  }
}

export interface UnitRecipient {
  unitId: number;
  contactId: number;
  /** WeCom userid */
  userId: string;
  name: string;
  role: UnitRole;
}

/** The liaisons (and/or leaders) of these units who can be reached through WeCom, in unit, role, contact order. */
export async function unitRecipients(manager: EntityManager, unitIds: number[], roles: UnitRole[]): Promise<UnitRecipient[]> {
  if (unitIds.length === 0 || roles.length === 0) return [];
  const result: UnitRecipient[] = [];
  // chunks keep the IN list within the limits of both databases
  for (let i = 0; i < unitIds.length; i += 5000) {
    const chunk = unitIds.slice(i, i + 5000);
    const rows = await manager
      .getRepository(ContactRoleEntity)
      .createQueryBuilder('r')
      .innerJoin(ContactEntity.options.tableName as string, 'c', 'c.id = r.contact_id')
      .select(['r.unit_id AS unitId', 'r.role AS role', 'c.id AS contactId', 'c.wecom_user_id AS userId', 'c.name AS name'])
      .where('r.unit_id IN (:...units)', { units: chunk })
      .andWhere('r.role IN (:...roles)', { roles })
      .andWhere('c.wecom_user_id IS NOT NULL')
      .orderBy('r.unit_id', 'ASC')
      .addOrderBy('r.role', 'ASC')
      .addOrderBy('c.id', 'ASC')
      .getRawMany<{ unitId: number; role: UnitRole; contactId: number; userId: string; name: string }>();
    for (const r of rows) {
      result.push({ unitId: Number(r.unitId), contactId: Number(r.contactId), userId: r.userId, name: r.name, role: r.role });
    }
  }
  return result;
}

export interface UnitNameMatch {
  found: UnitRow[];
  /** names that match no unit, as written */
  unknown: string[];
  /** names that match several units (by short name or part of the name), with the candidates */
  ambiguous: Array<{ written: string; candidates: string[] }>;
}

/** Find units by what an admin typed: full name, short name, or a unique part of the name (区发改局, 发改局). */
export async function matchUnitNames(manager: EntityManager, written: string[]): Promise<UnitNameMatch> {
  const units = await manager.getRepository(UnitEntity).find({ order: { code: 'ASC' } });
  const found = new Map<number, UnitRow>();
  const unknown: string[] = [];
  const ambiguous: UnitNameMatch['ambiguous'] = [];
  for (const raw of written) {
    const name = compact(raw);
    if (!name) continue;
    const exact = units.filter((u) => compact(u.name) === name || (u.shortName !== null && compact(u.shortName) === name));
    const candidates = exact.length ? exact : units.filter((u) => compact(u.name).includes(name));
    if (candidates.length === 1) found.set(candidates[0].id, candidates[0]);
    else if (candidates.length === 0) unknown.push(raw.trim());
    else ambiguous.push({ written: raw.trim(), candidates: candidates.slice(0, 5).map((u) => u.name) });
  }
  return { found: [...found.values()], unknown, ambiguous };
}

function compact(text: string): string {
  return text.normalize('NFKC').replace(/[\u3000\s]+/g, '');
}

/** 区发改局、区教体局 / 区发改局，区教体局 / 区发改局 区教体局 / one per line. */
export function splitUnitNames(text: string): string[] {
  return text
    .split(/[、,，;；\s]+/)
    .map((name) => name.trim())
    .filter(Boolean);
}

/** What is wrong with the unit names an admin wrote, in Chinese for the chat: one entry per problem, none if all matched. */
export function unitMatchProblems(match: UnitNameMatch): string[] {
  return [
    ...(match.unknown.length ? [`名册中没有找到：${match.unknown.join('、')}`] : []),
    ...match.ambiguous.map((a) => `“${a.written}”对应多个单位（${a.candidates.join('、')}），请写全称或简称`),
  ];
}

/** The same for the command line (English). */
export function unitMatchProblemsEn(match: UnitNameMatch): string[] {
  return [
    ...match.unknown.map((n) => `no unit "${n}" in the roster`),
    ...match.ambiguous.map((a) => `"${a.written}" matches several units: ${a.candidates.join(', ')}; write the full or short name`),
  ];
}
