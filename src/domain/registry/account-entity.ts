import { EntitySchema } from 'typeorm';
import { idColumn, instant, int, key, text } from '../../db/column-types';
import type { FilingReviewStatus, PlatformType, RunStatus } from './vocabulary';

/**
 * 政务新媒体账号 (DOMAIN §2.4): one account on one platform. Raw labels are kept next to canonical codes
 * (platformTypeRaw, runStatusRaw). Dates are DateOnly strings (YYYY-MM-DD). `rev` is bumped by every change and
 * guards updates with a compare-and-swap.
 */
export interface AccountRow {
  id: number;
  /** 服务标识码 of the provincial system */
  serviceCode: string | null;
  /** 账号名称: not unique across platforms */
  name: string;
  platformType: PlatformType;
  /** 新媒体类型 as written (微信, 微信公众号, 新浪微博 …) */
  platformTypeRaw: string;
  /** 平台/账号细分: 订阅号 / 服务号 / 新浪微博 / 视频号 … */
  platformSubtype: string | null;
  /** 账号ID: gh_… original ID, Weibo UID, 抖音号 … */
  platformAccountId: string | null;
  url: string | null;
  /** 开办单位 when it is a unit of the roster; null for a 事业单位 filed by its 代管部门 */
  ownerUnitId: number | null;
  /** 开办单位 as written */
  ownerUnitName: string;
  /** 填报单位: the unit whose liaison files for the account */
  filerUnitId: number;
  /** 自营 / 购买服务 */
  operationMode: string | null;
  operatorName: string | null;
  functionDescription: string | null;
  /** 基本功能: labels joined with 、 (发布、传播、互动) */
  basicFunctions: string | null;
  /** 已认证 / 未认证 */
  verification: string | null;
  openedOn: string;
  runStatus: RunStatus;
  runStatusRaw: string;
  /** status of the latest filing */
  filingStatus: FilingReviewStatus;
  closedOn: string | null;
  closeReason: string | null;
  inNationalSystem: boolean | null;
  managerName: string | null;
  managerMobile: string | null;
  principalName: string | null;
  principalPhone: string | null;
  leaderName: string | null;
  leaderPhone: string | null;
  followers: number | null;
  remarks: string | null;
  /** why a second active account on the same platform is needed (R3) */
  duplicateJustification: string | null;
  createdAt: Date;
  updatedAt: Date;
  rev: number;
}

export const AccountEntity = new EntitySchema<AccountRow>({
  name: 'AccountRow',
  tableName: 'accounts',
  columns: {
    id: idColumn,
    serviceCode: { ...key(32, true), name: 'service_code' },
    name: key(191),
    platformType: { ...key(32), name: 'platform_type' },
    platformTypeRaw: { ...key(64), name: 'platform_type_raw' },
    platformSubtype: { ...key(64, true), name: 'platform_subtype' },
    platformAccountId: { ...key(191, true), name: 'platform_account_id' },
    url: text(),
    ownerUnitId: { ...int(true), name: 'owner_unit_id' },
    ownerUnitName: { ...key(191), name: 'owner_unit_name' },
    filerUnitId: { ...int(), name: 'filer_unit_id' },
    operationMode: { ...key(16, true), name: 'operation_mode' },
    operatorName: { ...key(191, true), name: 'operator_name' },
    functionDescription: { ...text(), name: 'function_description' },
    basicFunctions: { ...key(64, true), name: 'basic_functions' },
    verification: key(16, true),
    openedOn: { ...key(10), name: 'opened_on' },
    runStatus: { ...key(16), name: 'run_status' },
    runStatusRaw: { ...key(32), name: 'run_status_raw' },
    filingStatus: { ...key(16), name: 'filing_status' },
    closedOn: { ...key(10, true), name: 'closed_on' },
    closeReason: { ...text(), name: 'close_reason' },
    inNationalSystem: { type: 'boolean', nullable: true, name: 'in_national_system' },
    managerName: { ...key(64, true), name: 'manager_name' },
    managerMobile: { ...key(32, true), name: 'manager_mobile' },
    principalName: { ...key(64, true), name: 'principal_name' },
    principalPhone: { ...key(32, true), name: 'principal_phone' },
    leaderName: { ...key(64, true), name: 'leader_name' },
    leaderPhone: { ...key(32, true), name: 'leader_phone' },
    followers: int(true),
    remarks: text(),
    duplicateJustification: { ...text(), name: 'duplicate_justification' },
    createdAt: { ...instant(), name: 'created_at' },
    updatedAt: { ...instant(), name: 'updated_at' },
    rev: int(false, 1),
  },
  indices: [
    { name: 'ix_accounts_filer_unit', columns: ['filerUnitId'] },
    { name: 'ix_accounts_owner_unit', columns: ['ownerUnitId'] },
    { name: 'ix_accounts_platform_type', columns: ['platformType'] },
  ],
});
