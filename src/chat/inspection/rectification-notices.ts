import type { EntityManager } from 'typeorm';
import { DeadlineEntity } from '../../domain/deadlines/deadline-entities';
import type { FindingRow, InspectionRoundRow, RectificationMeasure, RectificationRow } from '../../domain/inspection/finding-entity';
import type { ProblemVocabulary } from '../../domain/inspection/problem-vocabulary';
import { clipBytes, findingAccountLabel, findingFlags, findingProblemsText, rectificationDueText } from '../../domain/inspection/rectification-messages';
import { listAdmins } from '../../domain/roster/roster-service';
import { UnitEntity } from '../../domain/roster/roster-entities';
import type { OutboxItem } from '../../outbox/outbox-writer';
import { formatInstantCn } from '../../shared/shanghai-time';
import { directMessage } from '../reply-address';

/** Button keys of a 整改 review card: rectify:<accept|return>:<report id> (a new report gets a new card). */
export function rectifyButtonKey(decision: 'accept' | 'return', rectificationId: number): string {
  return `rectify:${decision}:${rectificationId}`;
}

export function parseRectifyButtonKey(key: string | undefined): { decision: 'accept' | 'return'; rectificationId: number } | null {
  const match = /^rectify:(accept|return):(\d{1,12})$/.exec(key ?? '');
  return match ? { decision: match[1] as 'accept' | 'return', rectificationId: Number(match[2]) } : null;
}

export const MEASURE_LABEL: Record<RectificationMeasure, string> = { keep: '已整改，保留账号', change: '变更', suspend: '关停', cancel: '注销' };

/** 文旅东岚（抖音）〔编号 5〕 */
export function findingHeadline(finding: FindingRow): string {
  return `${findingAccountLabel(finding)}〔编号 ${finding.id}〕`;
}

function clip(text: string, max: number): string {
  return [...text].length > max ? `${[...text].slice(0, max).join('')}…` : text;
}

/**
 * A new 整改情况 reaches every admin as a card with 通过 / 退回 (one message to all of them), written in the
 * submitting transaction, like the review card of a filing.
 */
export async function rectificationReviewCard(
  manager: EntityManager,
  input: { finding: FindingRow; rectification: RectificationRow; round: InspectionRoundRow; vocabulary: ProblemVocabulary },
): Promise<OutboxItem | null> {
  const admins = await listAdmins(manager);
  if (admins.length === 0) return null;
  const { finding, rectification, round } = input;
  const unit = await manager.getRepository(UnitEntity).findOne({ where: { id: finding.unitId } });
  const rows: Array<{ keyname: string; value: string }> = [
    { keyname: '问题编号', value: String(finding.id) },
    { keyname: '账号', value: clip(findingAccountLabel(finding), 30) },
    { keyname: '问题', value: clip(`${findingFlags(finding)}${findingProblemsText(finding, input.vocabulary)}`, 40) },
    { keyname: '检查轮次', value: clip(round.title, 30) },
  ];
  if (rectification.measure && rectification.measure !== 'keep') rows.push({ keyname: '处理方式', value: `${MEASURE_LABEL[rectification.measure]}（另行办理备案）` });
  const card = {
    card_type: 'button_interaction',
    source: { desc: '政务新媒体检查整改' },
    main_title: {
      title: '整改情况待审核',
      desc: `${unit?.shortName || unit?.name || ''} · ${rectification.submittedByName} · ${formatInstantCn(rectification.submittedAt)}报送`,
    },
    quote_area: { type: 0, title: '整改情况', quote_text: clipBytes(rectification.description, 600) },
    sub_title_text: `也可回复“整改通过 ${finding.id}”或“整改退回 ${finding.id} 理由”。`,
    horizontal_content_list: rows.slice(0, 6),
    task_id: `rectify-${rectification.id}-${rectification.submittedAt.getTime()}`,
    button_list: [
      { text: '通过', style: 1, key: rectifyButtonKey('accept', rectification.id) },
      { text: '退回', style: 2, key: rectifyButtonKey('return', rectification.id) },
    ],
  };
  return {
    dedupeKey: `rectify-review:${rectification.id}`,
    origin: 'inspection',
    message: { channel: 'app', toUser: admins.map((a) => a.userId), body: { msgtype: 'template_card', template_card: card } },
  };
}

/** The card of a decided report turns into one grey label for every admin who received it. */
export async function markRectificationCards(
  manager: EntityManager,
  send: (item: OutboxItem) => void,
  rectificationId: number,
  responseCode: string,
  label: string,
): Promise<void> {
  const admins = await listAdmins(manager);
  if (admins.length === 0) return;
  send({
    dedupeKey: `rectify-card:${rectificationId}`,
    origin: 'inspection',
    message: { channel: 'card-update', toUser: admins.map((a) => a.userId), responseCode, replaceName: label },
  });
}

/** The liaison who reported is told the office's decision. */
export async function rectificationResultNotice(
  manager: EntityManager,
  input: { finding: FindingRow; rectification: RectificationRow; round: InspectionRoundRow },
): Promise<OutboxItem> {
  const { finding, rectification, round } = input;
  const reviewer = rectification.reviewedByName ?? '政务公开办';
  let text: string;
  if (rectification.result === 'accepted') {
    text = `【整改审核】您报送的${findingHeadline(finding)}整改情况已通过审核（审核人：${reviewer}），该问题整改完成。`;
  } else {
    const deadline = round.rectificationDeadlineId
      ? await manager.getRepository(DeadlineEntity).findOne({ where: { id: round.rectificationDeadlineId } })
      : null;
    text = [
      `【整改退回】您报送的${findingHeadline(finding)}整改情况被退回（审核人：${reviewer}）。`,
      `退回理由：${rectification.reviewNote ?? ''}`,
      `请按要求继续整改，完成后回复“整改 ${finding.id}”重新报送${deadline ? `，截止时间：${rectificationDueText(deadline)}` : ''}。`,
    ].join('\n');
  }
  return { dedupeKey: `rectify-result:${rectification.id}`, origin: 'inspection', message: directMessage([rectification.submittedBy], text) };
}

/** 已由宋知微于2026年10月20日 10:05通过 */
export function decidedText(rectification: RectificationRow, finding: FindingRow): string {
  const when = rectification.reviewedAt ? `于${formatInstantCn(rectification.reviewedAt)}` : '';
  const what = rectification.result === 'accepted' ? '通过' : '退回';
  return `${findingHeadline(finding)}的这份整改情况已由${rectification.reviewedByName ?? '其他管理员'}${when}${what}，无需重复处理。`;
}
