import type { AccountRow } from '../../domain/registry/account-entity';
import type { FilingRow } from '../../domain/registry/filing-entity';
import type { FilingRefusal } from '../../domain/registry/filing-service';
import {
  FILING_REVIEW_STATUS_OPTIONS,
  FILING_TYPE_OPTIONS,
  RUN_STATUS_OPTIONS,
  isPlatformType,
  optionLabel,
  platformOption,
} from '../../domain/registry/vocabulary';
import { formatDateCn } from '../../shared/shanghai-time';

/** The Chinese words of the registry: labels, one-line descriptions and why something was refused. */

export function platformLabel(account: Pick<AccountRow, 'platformType' | 'platformSubtype'>): string {
  const base = isPlatformType(account.platformType) ? platformOption(account.platformType).label : account.platformType;
  return account.platformSubtype && account.platformSubtype !== base ? `${base}·${account.platformSubtype}` : base;
}

export const filingTypeLabel = (filing: Pick<FilingRow, 'type'>): string => `${optionLabel(FILING_TYPE_OPTIONS, filing.type)}备案`;
export const reviewStatusLabel = (filing: Pick<FilingRow, 'reviewStatus'>): string => optionLabel(FILING_REVIEW_STATUS_OPTIONS, filing.reviewStatus);
export const runStatusLabel = (account: Pick<AccountRow, 'runStatus'>): string => optionLabel(RUN_STATUS_OPTIONS, account.runStatus);

export function accountLabel(account: Pick<AccountRow, 'name' | 'platformType' | 'platformSubtype'>): string {
  return `${account.name}（${platformLabel(account)}）`;
}

export function dueLabel(filing: Pick<FilingRow, 'dueOn' | 'dueProvisional' | 'isLate'>): string {
  const parts = [`${formatDateCn(filing.dueOn)}前`];
  if (filing.dueProvisional) parts.push('（节假日安排未公布，期限暂按常规工作日计算）');
  if (filing.isLate) parts.push('（已逾期报备）');
  return parts.join('');
}

/** Why the registry refused, said to the person who asked. */
export function refusalText(code: FilingRefusal, detail?: Record<string, unknown>): string {
  switch (code) {
    case 'not-liaison-of-unit':
      return '您不是该单位的联络员，只能为自己联络的单位办理备案。';
    case 'not-admin':
      return '只有政务公开办管理员可以审核备案。';
    case 'account-not-found':
      return '没有找到这个账号，可能已被管理员调整。发送“我的账号”查看本单位账号。';
    case 'filing-not-found':
      return '没有找到这项备案，请核对备案编号。';
    case 'account-read-only':
      return '该账号已关停或注销，只能查看，不能再办理变更或关停。';
    case 'pending-filing-exists':
      return '该账号已有一项备案正在等待审核，请等审核结束后再办理。发送“我的备案”查看进度。';
    case 'duplicate-needs-justification':
      return `本单位在该平台已有正在运行的账号${detail?.existing ? `（${String(detail.existing)}）` : ''}，请说明再开设的理由。`;
    case 'duplicate-blocked':
      return `本单位在该平台已有正在运行的账号${detail?.existing ? `（${String(detail.existing)}）` : ''}。按本地规定，一个单位在同一平台只能开设一个账号；如确需开设，请联系政务公开办。`;
    case 'already-reviewed':
      return '这项备案已经审核过了。';
    case 'no-changes':
      return '填写的新内容与登记的内容相同，没有需要变更的信息。';
    case 'event-in-future':
      return '日期不能晚于今天。';
    case 'reason-required':
      return '请填写理由。';
    case 'invalid-field':
      return `「${String(detail?.field ?? '')}」的内容无法保存，请检查后重新填写。`;
  }
}
