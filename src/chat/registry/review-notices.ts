import type { EntityManager } from 'typeorm';
import type { AccountRow } from '../../domain/registry/account-entity';
import type { FilingRow } from '../../domain/registry/filing-entity';
import { filingProposal } from '../../domain/registry/filing-service';
import { filingChanges, findAccount } from '../../domain/registry/registry-service';
import { listAdmins } from '../../domain/roster/roster-service';
import { UnitEntity } from '../../domain/roster/roster-entities';
import type { OutboxItem } from '../../outbox/outbox-writer';
import { formatDateCn, formatInstantCn } from '../../shared/shanghai-time';
import { directMessage } from '../reply-address';
import { accountLabel, dueLabel, filingTypeLabel, platformLabel } from './registry-wording';

export const REVIEW_KEY_PREFIX = 'review';

/** The button key of a review card: review:<approve|reject>:<filing id>. */
export function reviewButtonKey(decision: 'approve' | 'reject', filingId: number): string {
  return `${REVIEW_KEY_PREFIX}:${decision}:${filingId}`;
}

export function parseReviewButtonKey(key: string | undefined): { decision: 'approve' | 'reject'; filingId: number } | null {
  const match = /^review:(approve|reject):(\d+)$/.exec(key ?? '');
  return match ? { decision: match[1] as 'approve' | 'reject', filingId: Number(match[2]) } : null;
}

/** What the filing is about, in one line: 开设备案 BA2026-000012 东岚发改（抖音）. */
export async function filingHeadline(manager: EntityManager, filing: FilingRow): Promise<string> {
  return `${filingTypeLabel(filing)} ${filing.filingNo} ${await subjectOf(manager, filing)}`;
}

async function subjectOf(manager: EntityManager, filing: FilingRow): Promise<string> {
  const proposal = filingProposal(filing);
  if (proposal) return accountLabel(proposal);
  const account = filing.accountId ? await findAccount(manager, filing.accountId) : null;
  return account ? accountLabel(account) : '';
}

/**
 * A new filing reaches every admin as a template card with 通过 / 驳回 (one message to all of them, one task id),
 * written to the outbox in the submitting transaction.
 */
export async function reviewRequest(manager: EntityManager, filing: FilingRow): Promise<OutboxItem | null> {
  const admins = await listAdmins(manager);
  if (admins.length === 0) return null;
  const unit = await manager.getRepository(UnitEntity).findOne({ where: { id: filing.filerUnitId } });
  const account = filing.accountId ? await findAccount(manager, filing.accountId) : null;
  const proposal = filingProposal(filing);
  const rows: Array<{ keyname: string; value: string }> = [{ keyname: '备案编号', value: filing.filingNo }];
  if (proposal) {
    rows.push({ keyname: '账号', value: accountLabel(proposal) });
    rows.push({ keyname: '开设日期', value: formatDateCn(proposal.openedOn) });
  } else if (account) {
    rows.push({ keyname: '账号', value: accountLabel(account) });
    rows.push({ keyname: `${filingTypeLabel(filing).slice(0, 2)}日期`, value: formatDateCn(filing.eventOn) });
  }
  const changes = filingChanges(filing);
  if (changes.length) rows.push({ keyname: '变更事项', value: changes.map((c) => c.label).join('、') });
  if (filing.reason) rows.push({ keyname: '原因', value: clip(filing.reason, 40) });
  if (filing.duplicateJustification) rows.push({ keyname: '再开设理由', value: clip(filing.duplicateJustification, 40) });
  rows.push({ keyname: '应报备期限', value: dueLabel(filing) });
  const card = {
    card_type: 'button_interaction',
    source: { desc: '政务新媒体备案' },
    main_title: {
      title: `${filingTypeLabel(filing)}待审核`,
      desc: `${unit?.name ?? ''} · ${filing.filerName} · ${formatInstantCn(filing.submittedAt)}提交`,
    },
    sub_title_text: describeFiling(filing, account),
    horizontal_content_list: rows.slice(0, 6),
    task_id: `review-${filing.id}-${filing.submittedAt.getTime()}`,
    button_list: [
      { text: '通过', style: 1, key: reviewButtonKey('approve', filing.id) },
      { text: '驳回', style: 2, key: reviewButtonKey('reject', filing.id) },
    ],
  };
  return {
    dedupeKey: `review-request:${filing.id}`,
    origin: 'filing',
    message: { channel: 'app', toUser: admins.map((a) => a.userId), body: { msgtype: 'template_card', template_card: card } },
  };
}

function describeFiling(filing: FilingRow, account: AccountRow | null): string {
  const proposal = filingProposal(filing);
  if (proposal) {
    return `新开设${platformLabel(proposal)}账号“${proposal.name}”，功能定位：${clip(proposal.functionDescription ?? '未填写', 60)}。也可发送“审核”查看待审核备案。`;
  }
  const changes = filingChanges(filing);
  if (changes.length) {
    return `${account?.name ?? ''}：${changes.map((c) => `${c.label}“${c.old ?? '（空）'}”改为“${c.new ?? '（空）'}”`).join('；')}。`;
  }
  return `${account?.name ?? ''}${filing.type === 'suspend' ? '关停' : '注销'}，原因：${clip(filing.reason ?? '', 60)}。`;
}

/** The liaison is told the result of the review (an app message: they may be anywhere). */
export async function reviewResultNotice(manager: EntityManager, filing: FilingRow): Promise<OutboxItem> {
  const headline = await filingHeadline(manager, filing);
  const text =
    filing.reviewStatus === 'approved'
      ? `您提交的${headline}已通过审核（审核人：${filing.reviewerName ?? '管理员'}）。${effectOf(filing)}`
      : `您提交的${headline}被驳回。\n驳回理由：${filing.rejectionReason ?? ''}\n请按要求修改后重新提交（发送“${filingTypeLabel(filing)}”重新办理）。如有疑问请联系${filing.reviewerName ?? '政务公开办'}。`;
  return {
    dedupeKey: `review-result:${filing.id}`,
    origin: 'filing',
    message: directMessage([filing.filerUserId], text),
  };
}

function effectOf(filing: FilingRow): string {
  switch (filing.type) {
    case 'open':
      return '账号已登记到政务新媒体台账，请同时在全国政务新媒体信息报送系统中完成报送。';
    case 'change':
      return '台账信息已更新。';
    case 'suspend':
      return '台账中该账号已标记为“已关停”，此后只能查看、不能再变更。如在平台注销，请再办理“注销备案”。';
    case 'cancel':
      return '台账中该账号已标记为“已注销”。请在全国政务新媒体信息报送系统中同步注销记录。';
  }
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
