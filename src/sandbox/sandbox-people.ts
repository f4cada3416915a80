import { In, IsNull, Not, type EntityManager } from 'typeorm';
import { AdminGrantEntity, ContactEntity, ContactRoleEntity, UnitEntity, type UnitRole } from '../domain/roster/roster-entities';

/** A person of the roster the page lets you act as: who they are and what they do. */
export interface SandboxPerson {
  userId: string;
  name: string;
  isAdmin: boolean;
  roles: Array<{ unit: string; unitName: string; role: UnitRole }>;
  /** 区发改局 · 联络员, 政务公开办 · 管理员 … */
  label: string;
}

const ROLE_LABEL: Record<UnitRole, string> = { liaison: '联络员', leader: '分管负责人' };
const ROLE_ORDER: Record<UnitRole, number> = { liaison: 0, leader: 1 };

/**
 * Everyone with a WeCom account in the roster, plus the admins granted by CLI: admins first, then by unit and role.
 * Read from the database each time, so an import while the sandbox runs shows at once.
 */
export async function listPeople(manager: EntityManager): Promise<SandboxPerson[]> {
  const contacts = await manager.getRepository(ContactEntity).find({ where: { wecomUserId: Not(IsNull()) }, order: { id: 'ASC' } });
  const roles = contacts.length
    ? await manager.getRepository(ContactRoleEntity).find({ where: { contactId: In(contacts.map((c) => c.id)) } })
    : [];
  const units = roles.length ? await manager.getRepository(UnitEntity).find({ where: { id: In([...new Set(roles.map((r) => r.unitId))]) } }) : [];
  const unitById = new Map(units.map((u) => [u.id, u]));
  const grants = await manager.getRepository(AdminGrantEntity).find({ order: { id: 'ASC' } });
  const granted = new Set(grants.map((g) => g.wecomUserId));
  const people = new Map<string, SandboxPerson & { order: string }>();
  for (const contact of contacts) {
    const userId = contact.wecomUserId as string;
    const mine = roles
      .filter((r) => r.contactId === contact.id && unitById.has(r.unitId))
      .map((r) => ({ role: r.role, unit: unitById.get(r.unitId)! }))
      .sort((a, b) => a.unit.code.localeCompare(b.unit.code) || ROLE_ORDER[a.role] - ROLE_ORDER[b.role]);
    const isAdmin = granted.has(userId) || mine.some((m) => m.unit.isOrganizer);
    const first = mine[0];
    people.set(userId, {
      userId,
      name: contact.name,
      isAdmin,
      roles: mine.map((m) => ({ unit: m.unit.shortName || m.unit.name, unitName: m.unit.name, role: m.role })),
      label: [
        ...(isAdmin ? ['管理员'] : []),
        ...mine.map((m) => `${m.unit.shortName || m.unit.name} · ${ROLE_LABEL[m.role]}`),
      ].join('，') || '名册人员',
      order: `${isAdmin ? 0 : 1}:${first ? `${first.unit.code}:${ROLE_ORDER[first.role]}` : 'zzz'}:${String(contact.id).padStart(9, '0')}`,
    });
  }
  for (const grant of grants) {
    if (people.has(grant.wecomUserId)) continue;
    people.set(grant.wecomUserId, {
      userId: grant.wecomUserId,
      name: grant.name,
      isAdmin: true,
      roles: [],
      label: '政务公开办 · 管理员',
      order: `0::${String(grant.id).padStart(9, '0')}`,
    });
  }
  return [...people.values()].sort((a, b) => a.order.localeCompare(b.order)).map(({ order: _order, ...person }) => person);
}
