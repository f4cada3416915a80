import type { BulletinRow } from '../../domain/bulletins/bulletin-entities';
import type { BulletinPlan, BulletinReceipts, BulletinRefusal, BulletinSummary } from '../../domain/bulletins/bulletin-service';
import { TITLE_MAX_CHARS } from '../../domain/bulletins/bulletin-service';
import { formatInstantCn } from '../../shared/shanghai-time';

/** How bulletins are talked about in chat (and printed by the CLI): previews, receipts, refusals. */

/** 《标题》（编号 3） */
export function bulletinLabel(bulletin: Pick<BulletinRow, 'id' | 'title'>): string {
  return `《${bulletin.title}》（编号 ${bulletin.id}）`;
}

/** A bulletin number as typed: 3, #3, 第3号, 编号3, full-width digits … */
export function parseBulletinNo(text: string): number | null {
  const match = /^(?:编号|第|#|no\.?)?\s*(\d{1,9})\s*(?:号|期)?$/i.exec(text.normalize('NFKC').trim());
  return match ? Number(match[1]) : null;
}

export function refusalText(code: BulletinRefusal, plan?: BulletinPlan): string {
  switch (code) {
    case 'title-empty':
      return '通报标题不能为空。';
    case 'title-too-long':
      return `通报标题最多${TITLE_MAX_CHARS}个字。`;
    case 'body-empty':
      return '通报正文不能为空。';
    case 'body-too-long':
      return '通报正文太长，请精简后再发（或分成几份通报）。';
    case 'no-units':
      return plan?.audience.kind === 'openFindings'
        ? '目前没有有待整改问题的单位，无需发送。请重新选择发送范围。'
        : '所选范围内没有单位，请重新选择发送范围。';
    case 'no-recipients':
      return `${plan ? `${plan.audienceLabel}` : '所选单位'}都没有登记企业微信账号的联络员，通报无法送达。请重新选择发送范围，或先更新名册。`;
  }
}

/** Who a draft reaches and with how many messages: shown before the admin confirms. */
export function previewText(plan: BulletinPlan): string {
  const chars = [...plan.body].length;
  const unitCount = new Set(plan.recipients.map((r) => r.unitId)).size;
  const people = plan.recipients.length;
  const names = plan.recipients.slice(0, 10).map((r) => r.name).join('、');
  const lines = [
    `标题：《${plan.title}》`,
    `正文：共${chars}字，开头为“${clip(plan.body.replace(/\s*\n\s*/g, ' '), 30)}”`,
    `发送范围：${plan.audienceLabel}`,
    `接收人：${unitCount}个单位的${people}名联络员（${names}${people > 10 ? `等` : ''}）`,
  ];
  if (plan.unitsWithoutLiaison.length) {
    const missing = plan.unitsWithoutLiaison.map((u) => u.shortName ?? u.name);
    lines.push(`注意：${missing.slice(0, 5).join('、')}${missing.length > 5 ? `等${missing.length}个单位` : ''}没有登记企业微信账号的联络员，收不到这份通报。`);
  }
  if (plan.groupMessages.length) {
    lines.push(`工作群：分${plan.groupMessages.length}条消息发送（每分钟不超过20条），并@以上${people}名联络员。`);
  } else {
    lines.push(
      `工作群：未配置工作群机器人（WECOM_GROUP_WEBHOOK_URL），本次不发工作群；正文改为通过应用消息发给每位联络员${plan.appTextParts.length > 1 ? `（每人${plan.appTextParts.length}条）` : ''}。`,
    );
  }
  lines.push('每人另收到一张带“已阅”按钮的通报卡片，阅读情况可发送“通报回执”查看。');
  return lines.join('\n');
}

/** What the admin is told after publishing. */
export function publishedText(bulletin: BulletinRow, plan: BulletinPlan): string {
  const unitCount = new Set(plan.recipients.map((r) => r.unitId)).size;
  const group = plan.groupMessages.length
    ? `工作群消息${plan.groupMessages.length}条（已@全部联络员）`
    : '未配置工作群，正文已通过应用消息发给每位联络员';
  return [
    `已发布通报${bulletinLabel(bulletin)}：发送给${unitCount}个单位的${plan.recipients.length}名联络员，${group}，每人一张带“已阅”按钮的卡片。`,
    `发送“通报回执 ${bulletin.id}”查看阅读情况，“催阅 ${bulletin.id}”提醒尚未阅读的联络员。`,
  ].join('\n');
}

/** 通报回执 <编号>: read n/m, and who has not, unit by unit. */
export function receiptsText(receipts: BulletinReceipts): string {
  const { bulletin, total, acknowledged, pendingByUnit } = receipts;
  const lines = [
    `通报${bulletinLabel(bulletin)}`,
    `${formatInstantCn(bulletin.sentAt ?? bulletin.createdAt)}发布，发送范围：${bulletin.audienceLabel}`,
    `已阅 ${acknowledged}/${total} 人。`,
  ];
  if (acknowledged === total) {
    lines.push('全部联络员均已阅读。');
    return lines.join('\n');
  }
  lines.push(`尚未阅读（${total - acknowledged}人）：`);
  for (const { unit, people } of pendingByUnit) {
    lines.push(`· ${unit?.name ?? '（单位已不在名册中）'}：${people.map((p) => p.name).join('、')}`);
  }
  if (bulletin.reminderRounds > 0 && bulletin.lastRemindedAt) {
    lines.push(`已催阅${bulletin.reminderRounds}次，最近一次在${formatInstantCn(bulletin.lastRemindedAt)}。`);
  }
  lines.push(`发送“催阅 ${bulletin.id}”提醒尚未阅读的联络员。`);
  return lines.join('\n');
}

/** 通报回执 without a number: the latest bulletins. */
export function latestText(summaries: BulletinSummary[]): string {
  if (summaries.length === 0) return '还没有发布过通报。发送“发布通报”开始编写。';
  const lines = [`最近${summaries.length}份通报：`];
  for (const { bulletin, total, acknowledged } of summaries) {
    lines.push(`· 编号 ${bulletin.id}《${bulletin.title}》 ${formatInstantCn(bulletin.sentAt ?? bulletin.createdAt)}发布，已阅 ${acknowledged}/${total}`);
  }
  lines.push(`发送“通报回执 编号”查看尚未阅读的人员，例如“通报回执 ${summaries[0].bulletin.id}”。`);
  return lines.join('\n');
}

export function notFoundText(bulletinId: number): string {
  return `没有找到编号为 ${bulletinId} 的通报，请核对后重试。发送“通报回执”查看最近的通报。`;
}

function clip(text: string, max: number): string {
  const chars = [...text];
  return chars.length > max ? `${chars.slice(0, max).join('')}…` : text;
}
