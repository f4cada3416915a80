import type { DataSource } from 'typeorm';
import { AdminGrantEntity, ContactEntity, ContactRoleEntity, UnitEntity } from '../../src/domain/roster/roster-entities';

/** A small roster from the fixture district: the office (组织单位) and two filing units, plus one granted admin. */
export async function seedRoster(dataSource: DataSource, now = new Date('2026-11-20T01:00:00Z')): Promise<void> {
  const units = dataSource.getRepository(UnitEntity);
  const contacts = dataSource.getRepository(ContactEntity);
  const roles = dataSource.getRepository(ContactRoleEntity);
  const unit = async (code: string, name: string, shortName: string, organizer: boolean) =>
    Number(
      (
        await units.insert({
          code,
          name,
          shortName,
          unitType: '部门',
          parentName: '东岚区人民政府',
          systemRolesRaw: organizer ? '组织单位、填报单位' : '填报单位',
          isOrganizer: organizer,
          isFiler: true,
          createdAt: now,
          updatedAt: now,
        })
      ).identifiers[0].id,
    );
  const person = async (name: string, wecomUserId: string | null, mobile: string | null) =>
    Number((await contacts.insert({ name, wecomUserId, mobile, title: null, officePhone: null, createdAt: now, updatedAt: now })).identifiers[0].id);
  const office = await unit('DL001', '东岚区人民政府办公室', '区政府办', true);
  const fgj = await unit('DL002', '东岚区发展和改革局', '区发改局', false);
  const jtj = await unit('DL003', '东岚区教育和体育局', '区教体局', false);
  const luo = await person('罗嘉禾', 'luojiahe', '18900009969');
  const bai = await person('白振华', 'baizhenhua', null);
  const zhong = await person('钟雨桐', 'zhongyutong', '17700000218');
  const cui = await person('崔建民', 'cuijianmin', null);
  const shao = await person('邵明哲', 'shaomingzhe', '15200001941');
  for (const [contactId, unitId, role] of [
    [luo, office, 'liaison'],
    [bai, office, 'leader'],
    [zhong, fgj, 'liaison'],
    [cui, fgj, 'leader'],
    [shao, jtj, 'liaison'],
  ] as const) {
    await roles.insert({ contactId, unitId, role, createdAt: now });
  }
  await dataSource
    .getRepository(AdminGrantEntity)
    .insert({ wecomUserId: 'songzhiwei', name: '宋知微', grantedBy: 'test', grantedAt: now });
}

/** A fourth filing unit, 区财政局 (DL004), with nobody yet: the unit without a reachable liaison. Returns its id. */
export async function seedUnitWithoutLiaison(dataSource: DataSource, now = new Date('2026-11-20T01:00:00Z')): Promise<number> {
  const inserted = await dataSource.getRepository(UnitEntity).insert({
    code: 'DL004',
    name: '东岚区财政局',
    shortName: '区财政局',
    unitType: '部门',
    parentName: '东岚区人民政府',
    systemRolesRaw: '填报单位',
    isOrganizer: false,
    isFiler: true,
    createdAt: now,
    updatedAt: now,
  });
  return Number(inserted.identifiers[0].id);
}
