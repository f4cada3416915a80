import { reviewRectification, type ReviewDecision, type ReviewResult } from '../../domain/inspection/rectification-service';
import type { ActionInput, ActionResult } from '../flow/flow-services';
import type { RectificationChatDeps } from './rectification-flow-services';
import { decidedText, findingHeadline, markRectificationCards, rectificationResultNotice } from './rectification-notices';

/** What a review by card, by command or by the 退回 flow needs of the message being handled. */
export type ReviewInput = Pick<ActionInput, 'manager' | 'person' | 'now' | 'send'>;

/** 通过 (card or 整改通过 <编号>): the finding is accepted and the liaison told, in one transaction. */
export async function acceptRectification(
  input: ReviewInput,
  target: { rectificationId?: number; findingId?: number },
  deps: RectificationChatDeps,
  responseCode?: string,
): Promise<ActionResult> {
  const result = await reviewRectification(
    input.manager,
    { ...target, decision: 'accept', reviewer: { userId: input.person.userId, name: input.person.name }, now: input.now },
    deps.rules,
  );
  return outcome(input, result, 'accept', responseCode);
}

/** 退回 with a reason (the flow's answer, or 整改退回 <编号> <理由>). */
export async function returnRectification(
  input: ReviewInput,
  rectificationId: number | { findingId: number },
  reason: string,
  deps: RectificationChatDeps,
  responseCode?: string,
): Promise<ActionResult> {
  const target = typeof rectificationId === 'number' ? { rectificationId } : rectificationId;
  const result = await reviewRectification(
    input.manager,
    { ...target, decision: 'return', note: reason, reviewer: { userId: input.person.userId, name: input.person.name }, now: input.now },
    deps.rules,
  );
  return outcome(input, result, 'return', responseCode);
}

async function outcome(input: ReviewInput, result: ReviewResult, decision: ReviewDecision, responseCode?: string): Promise<ActionResult> {
  if (!result.ok) return { ok: false, reply: refusalText(result) };
  input.send(await rectificationResultNotice(input.manager, result));
  if (responseCode) {
    await markRectificationCards(input.manager, input.send, result.rectification.id, responseCode, `${decision === 'accept' ? '已通过' : '已退回'}（${input.person.name}）`);
  }
  const who = result.rectification.submittedByName;
  return {
    ok: true,
    reply:
      decision === 'accept'
        ? `已通过${findingHeadline(result.finding)}的整改情况，已通知${who}。`
        : `已退回${findingHeadline(result.finding)}的整改情况，退回理由已告知${who}，该问题将继续提醒整改。`,
  };
}

/** Why a review cannot be made, for the admin. */
export function refusalText(result: Extract<ReviewResult, { ok: false }>): string {
  switch (result.code) {
    case 'already-reviewed':
      return result.rectification && result.finding ? decidedText(result.rectification, result.finding) : '这份整改情况已由其他管理员处理，无需重复处理。';
    case 'not-submitted':
      return result.finding
        ? `${findingHeadline(result.finding)}尚未报送整改情况，暂无可审核的内容。发送“整改进度”查看各单位情况。`
        : '这项问题尚未报送整改情况。';
    case 'reason-required':
      return '退回时请写明理由，例如“整改退回 12 请补充整改后的截图链接”。';
    case 'superseded':
    case 'not-found':
      return '没有找到这项整改情况。发送“整改进度”查看各单位情况和问题编号。';
  }
}
