import { In, type EntityManager } from 'typeorm';
import {
  AdminGrantEntity,
  ContactEntity,
  ContactRoleEntity,
  UnitEntity,
  type ContactRow,
  type UnitRole,
  type UnitRow,
} from './roster-entities';

export interface UnitMembership {
  unit: UnitRow;
  role: UnitRole;
}

/** Who a WeCom user is, according to the roster. Read from the database on every call: no restart after import. */
export interface Person {
  userId: string;
  name: string;
  contact: ContactRow | null;
  memberships: UnitMembership[];
  /** Liaison or leader of an organizing unit (组织单位), or granted by CLI. */
  isAdmin: boolean;
  isLiaison: boolean;
  isLeader: boolean;
}

export interface AdminRecipient {
  userId: string;
  name: string;
}

export async function findPerson(manager: EntityManager, userId: string): Promise<Person | null> {
  const contact = await manager.getRepository(ContactEntity).findOne({ where: { wecomUserId: userId } });
  const grant = await manager.getRepository(AdminGrantEntity).findOne({ where: { wecomUserId: userId } });
  if (!contact && !grant) return null;
  let memberships: UnitMembership[] = [];
  if (contact) {
    const roles = await manager.getRepository(ContactRoleEntity).find({ where: { contactId: contact.id } });
    const units = roles.length
      ? await manager.getRepository(UnitEntity).find({ where: { id: In(roles.map((r) => r.unitId)) } })
      : [];
    const byId = new Map(units.map((u) => [u.id, u]));
    memberships = roles
      .filter((r) => byId.has(r.unitId))
      .map((r) => ({ unit: byId.get(r.unitId) as UnitRow, role: r.role }))
      .sort((a, b) => a.unit.code.localeCompare(b.unit.code));
  }
  const organizerMember = memberships.some((m) => m.unit.isOrganizer);
  return {
    userId,
    name: contact?.name ?? grant?.name ?? userId,
    contact: contact ?? null,
    memberships,
    isAdmin: Boolean(grant) || organizerMember,
    isLiaison: memberships.some((m) => m.role === 'liaison'),
    isLeader: memberships.some((m) => m.role === 'leader'),
  };
}

/** Everyone who reviews and receives the office's notices: organizing-unit people plus CLI grants. */
export async function listAdmins(manager: EntityManager): Promise<AdminRecipient[]> {
  const result = new Map<string, AdminRecipient>();
  const organizerPeople = await manager
    .getRepository(ContactEntity)
    .createQueryBuilder('c')
    .innerJoin(ContactRoleEntity.options.tableName as string, 'r', 'r.contact_id = c.id')
    .innerJoin(UnitEntity.options.tableName as string, 'u', 'u.id = r.unit_id')
    .where('u.is_organizer = :yes', { yes: true })
    .andWhere('c.wecom_user_id IS NOT NULL')
    .orderBy('c.id', 'ASC')
    .getMany();
  for (const c of organizerPeople) {
    if (c.wecomUserId) result.set(c.wecomUserId, { userId: c.wecomUserId, name: c.name });
  }
  const grants = await manager.getRepository(AdminGrantEntity).find({ order: { id: 'ASC' } });
  for (const g of grants) result.set(g.wecomUserId, { userId: g.wecomUserId, name: g.name });
  return [...result.values()];
}

/** Grant the admin role to office staff who are not unit liaisons. Idempotent; the name is updated. */
export async function grantAdmin(
  manager: EntityManager,
  params: { userId: string; name: string; grantedBy: string; now: Date },
): Promise<'granted' | 'updated'> {
  const repo = manager.getRepository(AdminGrantEntity);
  const existing = await repo.findOne({ where: { wecomUserId: params.userId } });
  if (existing) {
    await repo.update({ id: existing.id }, { name: params.name });
    return 'updated';
  }
  await repo.insert({ wecomUserId: params.userId, name: params.name, grantedBy: params.grantedBy, grantedAt: params.now });
  return 'granted';
}

export async function revokeAdmin(manager: EntityManager, userId: string): Promise<boolean> {
  const result = await manager.getRepository(AdminGrantEntity).delete({ wecomUserId: userId });
  return Boolean(result.affected);
}
