import { In, type EntityManager } from 'typeorm';
import { AuditEntity } from '../audit/audit-entity';
import { ContactEntity, ContactRoleEntity, UnitEntity, type ContactRow, type UnitRole } from './roster-entities';
import type { RosterRow } from './roster-file';

export interface RosterImportSummary {
  unitsCreated: number;
  unitsUpdated: number;
  contactsCreated: number;
  contactsUpdated: number;
  roles: number;
  /** Units already stored that the file does not list; kept as they are. */
  unitsNotInFile: string[];
}

interface PersonInput {
  name: string;
  title?: string;
  wecomUserId?: string;
  mobile?: string;
  officePhone?: string;
}

/**
 * Apply a validated roster in the caller's transaction: units by 单位编码 (created or updated), their liaison and
 * leader (matched by WeCom userid, else by name and mobile, else by name within the unit), and the unit's roles
 * replaced by the file's. Units missing from the file are kept: nothing stored is lost by an import.
 */
export async function applyRoster(
  manager: EntityManager,
  rows: RosterRow[],
  params: { actor: string; now: Date; source: string },
): Promise<RosterImportSummary> {
  const { now } = params;
  const units = manager.getRepository(UnitEntity);
  const summary: RosterImportSummary = {
    unitsCreated: 0,
    unitsUpdated: 0,
    contactsCreated: 0,
    contactsUpdated: 0,
    roles: 0,
    unitsNotInFile: [],
  };
  const existingUnits = await units.find();
  const byCode = new Map(existingUnits.map((u) => [u.code, u]));
  const inFile = new Set(rows.map((r) => r.code));
  summary.unitsNotInFile = existingUnits.filter((u) => !inFile.has(u.code)).map((u) => `${u.code} ${u.name}`);

  // Names are unique too: free a name that moves from one code to another within this file.
  for (const row of rows) {
    const holder = existingUnits.find((u) => u.name === row.name && u.code !== row.code);
    if (holder && inFile.has(holder.code)) {
      await units.update({ id: holder.id }, { name: `${holder.name}#${holder.code}`, updatedAt: now });
    }
  }

  for (const row of rows) {
    const fields = {
      name: row.name,
      shortName: row.shortName ?? null,
      unitType: row.unitType,
      parentName: row.parentName ?? null,
      systemRolesRaw: row.systemRolesRaw,
      isOrganizer: row.systemRoles.includes('organizer'),
      isFiler: row.systemRoles.includes('filer'),
      remarks: row.remarks ?? null,
      updatedAt: now,
    };
    let unitId: number;
    const existing = byCode.get(row.code);
    if (existing) {
      await units.update({ id: existing.id }, fields);
      unitId = existing.id;
      summary.unitsUpdated++;
    } else {
      const inserted = await units.insert({ ...fields, code: row.code, createdAt: now });
      unitId = Number(inserted.identifiers[0]?.id);
      summary.unitsCreated++;
    }
    const previousRoles = await manager.getRepository(ContactRoleEntity).find({ where: { unitId } });
    await manager.getRepository(ContactRoleEntity).delete({ unitId });
    const people: Array<[PersonInput | undefined, UnitRole]> = [
      [row.liaison, 'liaison'],
      [row.leader, 'leader'],
    ];
    for (const [person, role] of people) {
      if (!person?.name) continue;
      const contactId = await upsertContact(manager, person, previousRoles.map((r) => r.contactId), now, summary);
      await manager.getRepository(ContactRoleEntity).insert({ contactId, unitId, role, createdAt: now });
      summary.roles++;
    }
  }
  await manager.getRepository(AuditEntity).insert({
    actor: params.actor,
    action: 'roster.import',
    subject: params.source.slice(0, 191),
    detail: JSON.stringify({ ...summary, unitsNotInFile: summary.unitsNotInFile.length }),
    at: now,
  });
  return summary;
}

async function upsertContact(
  manager: EntityManager,
  person: PersonInput,
  previousContactIds: number[],
  now: Date,
  summary: RosterImportSummary,
): Promise<number> {
  const repo = manager.getRepository(ContactEntity);
  let existing: ContactRow | null = null;
  if (person.wecomUserId) existing = await repo.findOne({ where: { wecomUserId: person.wecomUserId } });
  if (!existing && person.mobile) {
    existing = await repo.findOne({ where: { name: person.name, mobile: person.mobile } });
    // A person found by name and mobile who already has another WeCom id is someone else.
    if (existing?.wecomUserId && person.wecomUserId && existing.wecomUserId !== person.wecomUserId) existing = null;
  }
  if (!existing && !person.wecomUserId) {
    // Someone not yet in WeCom: the same name already attached to this unit is the same person.
    if (previousContactIds.length) {
      existing = await repo.findOne({ where: { name: person.name, id: In(previousContactIds) } });
    }
  }
  const fields = {
    name: person.name,
    title: person.title ?? existing?.title ?? null,
    wecomUserId: person.wecomUserId ?? existing?.wecomUserId ?? null,
    mobile: person.mobile ?? existing?.mobile ?? null,
    officePhone: person.officePhone ?? existing?.officePhone ?? null,
    updatedAt: now,
  };
  if (existing) {
    await repo.update({ id: existing.id }, fields);
    summary.contactsUpdated++;
    return existing.id;
  }
  const inserted = await repo.insert({ ...fields, createdAt: now });
  summary.contactsCreated++;
  return Number(inserted.identifiers[0]?.id);
}
