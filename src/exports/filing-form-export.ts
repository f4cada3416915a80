import type { EntityManager } from 'typeorm';
import type { AccountRow } from '../domain/registry/account-entity';
import { FILING_REVIEW_STATUS_OPTIONS, FILING_TYPE_OPTIONS, optionLabel, platformOption } from '../domain/registry/vocabulary';
import { UnitEntity } from '../domain/roster/roster-entities';
import { toShanghaiDate } from '../shared/shanghai-time';
import { cnDate, gap, phone, xlsxFileName, type ExportFile } from './export-format';
import { statusLabel, unitContact } from './export-selectors';
import { latestFilings } from './registry-export';
import { addFormSheet, newWorkbook, workbookBuffer, type FormField } from './xlsx-sheet';

/**
 * 备案表 of one account (S1/S2 as far as DOMAIN §2.4/§2.5 describes them): a two-column form of label and value with
 * the account's fields, the 一案一号 filing number of its latest filing, the three people of S1 (主要负责人,
 * 分管负责人, 具体负责人) with their phones, then the S1 commitment with the 主要负责人's signature and the unit seal,
 * and the supervising unit's opinion and seal. Dates as the paper form writes them (2026年9月5日); the signing date is
 * left for the hand that signs.
 */
export const FILING_FORM_LABELS = [
  '备案编号',
  '备案类型',
  '政务新媒体名称',
  '新媒体类型',
  '账号ID',
  '访问地址',
  '服务标识码',
  '主办单位',
  '填报单位',
  '运维模式',
  '运维机构',
  '功能定位',
  '基本功能',
  '官方认证',
  '开设时间',
  '运行状态',
  '备案状态',
  '关停/注销时间',
  '关停/注销原因',
  '是否纳入全国报送系统',
  '主要负责人及电话',
  '分管负责人及电话',
  '具体负责人及手机号',
  '粉丝量',
  '情况说明',
] as const;

export const OWNER_COMMITMENT =
  '主办单位意见及承诺：本单位已知悉政务新媒体管理有关规定，将落实安全管理措施，不发布涉密或有害信息，并对本账号的运行维护承担主体责任。';

export interface FilingFormParams {
  account: AccountRow;
  includePhones: boolean;
  now: Date;
}

export async function exportFilingForm(manager: EntityManager, params: FilingFormParams): Promise<ExportFile> {
  const { account: a, includePhones } = params;
  const filing = (await latestFilings(manager, [a.id])).get(a.id);
  const filer = await manager.getRepository(UnitEntity).findOne({ where: { id: a.filerUnitId } });
  const rosterLeader = a.leaderName ? null : await unitContact(manager, a.filerUnitId, 'leader');
  const person = (name: string | null | undefined, tel: string | null | undefined): string => [name ?? '', phone(tel, includePhones)].filter(Boolean).join(' ');
  const values: Record<(typeof FILING_FORM_LABELS)[number], string> = {
    备案编号: filing?.filingNo ?? '',
    备案类型: filing ? optionLabel(FILING_TYPE_OPTIONS, filing.type) : '',
    政务新媒体名称: a.name,
    新媒体类型: platformOption(a.platformType).systemLabel + (a.platformSubtype ? `（${a.platformSubtype}）` : ''),
    账号ID: a.platformAccountId ?? '',
    访问地址: a.url ?? '',
    服务标识码: a.serviceCode ?? '',
    主办单位: a.ownerUnitName,
    填报单位: filer?.name ?? '',
    运维模式: a.operationMode ?? '',
    运维机构: a.operatorName ?? '',
    功能定位: a.functionDescription ?? '',
    基本功能: a.basicFunctions ?? '',
    官方认证: a.verification ?? '',
    开设时间: cnDate(a.openedOn),
    运行状态: statusLabel(a.runStatus),
    备案状态: optionLabel(FILING_REVIEW_STATUS_OPTIONS, a.filingStatus),
    '关停/注销时间': cnDate(a.closedOn),
    '关停/注销原因': a.closeReason ?? '',
    是否纳入全国报送系统: a.inNationalSystem === null || a.inNationalSystem === undefined ? '' : a.inNationalSystem ? '是' : '否',
    主要负责人及电话: person(a.principalName, a.principalPhone),
    分管负责人及电话: a.leaderName ? person(a.leaderName, a.leaderPhone) : person(rosterLeader?.name, rosterLeader?.phone),
    具体负责人及手机号: person(a.managerName, a.managerMobile),
    粉丝量: a.followers === null || a.followers === undefined ? '' : String(a.followers),
    情况说明: a.remarks ?? '',
  };
  const fields: FormField[] = FILING_FORM_LABELS.map((label) => ({ label, value: values[label] }));
  const title = '政务新媒体备案表';
  const workbook = newWorkbook(params.now);
  addFormSheet(workbook, {
    sheetName: '备案表',
    title,
    note: `填表日期：${cnDate(toShanghaiDate(params.now))}`,
    fields,
    blocks: [
      `${OWNER_COMMITMENT}\n\n主要负责人（签字）：${gap(12)}单位（盖章）\n\n${gap(22)}年${gap(2)}月${gap(2)}日`,
      `主管单位意见：\n\n\n${gap(20)}单位（盖章）\n${gap(22)}年${gap(2)}月${gap(2)}日`,
      '说明：本表一式三份，本单位留存一份，报区政府办公室两份。',
    ],
    labelWidth: 22,
    valueWidth: 62,
  });
  return {
    fileName: xlsxFileName(title, a.name, platformOption(a.platformType).systemLabel + (a.platformSubtype ? a.platformSubtype : '')),
    title,
    content: await workbookBuffer(workbook),
    rows: fields.length,
    subject: `account:${a.id} ${a.name}`,
    filters: { 账号: `#${a.id} ${a.name}` },
    containsPhones: includePhones && Boolean(a.managerMobile || a.principalPhone || a.leaderPhone || rosterLeader?.phone),
  };
}
