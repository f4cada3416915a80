import { EntitySchema } from 'typeorm';
import { bool, idColumn, instant, key, text } from '../../db/column-types';

/** 单位 (DOMAIN §2.2): a unit that files (填报单位) and/or reviews (组织单位). */
export interface UnitRow {
  id: number;
  code: string;
  name: string;
  shortName: string | null;
  unitType: string;
  parentName: string | null;
  /** raw label, e.g. 组织单位、填报单位 */
  systemRolesRaw: string;
  isOrganizer: boolean;
  isFiler: boolean;
  remarks: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export const UnitEntity = new EntitySchema<UnitRow>({
  name: 'UnitRow',
  tableName: 'units',
  columns: {
    id: idColumn,
    code: key(64),
    name: key(),
    shortName: { ...key(128, true), name: 'short_name' },
    unitType: { ...key(32), name: 'unit_type' },
    parentName: { ...key(191, true), name: 'parent_name' },
    systemRolesRaw: { ...key(64), name: 'system_roles_raw' },
    isOrganizer: { ...bool(false), name: 'is_organizer' },
    isFiler: { ...bool(true), name: 'is_filer' },
    remarks: text(),
    createdAt: { ...instant(), name: 'created_at' },
    updatedAt: { ...instant(), name: 'updated_at' },
  },
  uniques: [
    { name: 'uq_units_code', columns: ['code'] },
    { name: 'uq_units_name', columns: ['name'] },
  ],
});

/** 人员 (DOMAIN §2.3). Personal information: phone numbers are shown only to admins and the person. */
export interface ContactRow {
  id: number;
  name: string;
  title: string | null;
  /** WeCom / 政务微信 userid; null while the person has not joined */
  wecomUserId: string | null;
  mobile: string | null;
  officePhone: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export const ContactEntity = new EntitySchema<ContactRow>({
  name: 'ContactRow',
  tableName: 'contacts',
  columns: {
    id: idColumn,
    name: key(64),
    title: key(128, true),
    wecomUserId: { ...key(128, true), name: 'wecom_user_id' },
    mobile: key(32, true),
    officePhone: { ...key(32, true), name: 'office_phone' },
    createdAt: { ...instant(), name: 'created_at' },
    updatedAt: { ...instant(), name: 'updated_at' },
  },
  uniques: [{ name: 'uq_contacts_wecom_user_id', columns: ['wecomUserId'] }],
  indices: [{ name: 'ix_contacts_name', columns: ['name'] }],
});

export type UnitRole = 'liaison' | 'leader';

/** A person's role for one unit: the liaison files and answers the bot; the leader receives escalations. */
export interface ContactRoleRow {
  id: number;
  contactId: number;
  unitId: number;
  role: UnitRole;
  createdAt: Date;
}

export const ContactRoleEntity = new EntitySchema<ContactRoleRow>({
  name: 'ContactRoleRow',
  tableName: 'contact_roles',
  columns: {
    id: idColumn,
    contactId: { type: 'integer', name: 'contact_id' },
    unitId: { type: 'integer', name: 'unit_id' },
    role: key(32),
    createdAt: { ...instant(), name: 'created_at' },
  },
  uniques: [{ name: 'uq_contact_roles', columns: ['contactId', 'unitId', 'role'] }],
  indices: [{ name: 'ix_contact_roles_unit', columns: ['unitId'] }],
});

/** Office staff granted the admin role by CLI (they are not unit liaisons). */
export interface AdminGrantRow {
  id: number;
  wecomUserId: string;
  name: string;
  grantedBy: string;
  grantedAt: Date;
}

export const AdminGrantEntity = new EntitySchema<AdminGrantRow>({
  name: 'AdminGrantRow',
  tableName: 'admin_grants',
  columns: {
    id: idColumn,
    wecomUserId: { ...key(128), name: 'wecom_user_id' },
    name: key(64),
    grantedBy: { ...key(128), name: 'granted_by' },
    grantedAt: { ...instant(), name: 'granted_at' },
  },
  uniques: [{ name: 'uq_admin_grants_user', columns: ['wecomUserId'] }],
});
