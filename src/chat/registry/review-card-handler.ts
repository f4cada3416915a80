import type { FlowEngine } from '../flow/flow-engine';
import type { InboundMessage } from '../inbound-message';
import type { HandlerContext } from '../message-handler';
import type { Person } from '../../domain/roster/roster-service';
import { approveByChat, markCards, reviewClosedText, reviewInput } from './registry-flow-services';
import { parseReviewButtonKey } from './review-notices';

export interface CardEventInput {
  message: InboundMessage;
  person: Person;
  context: HandlerContext;
}

/** 通过 / 驳回 clicked on a review card. The role is checked again here: a card can be forwarded. */
export function reviewCardHandler(engine: () => FlowEngine) {
  return async ({ message, person, context }: CardEventInput): Promise<boolean> => {
    const decision = parseReviewButtonKey(message.event?.key);
    if (!decision) return false;
    if (!person.isAdmin) {
      context.reply('只有政务公开办管理员可以审核备案。');
      return true;
    }
    const responseCode = message.event?.responseCode;
    if (decision.decision === 'approve') {
      const input = reviewInput({ message, person, context });
      const result = await approveByChat(input, decision.filingId);
      if (result.ok && responseCode) await markCards(input, decision.filingId, responseCode, `已通过（${person.name}）`);
      context.reply(result.reply);
      return true;
    }
    const closed = await reviewClosedText(context.manager, decision.filingId);
    if (closed) {
      context.reply(closed);
      return true;
    }
    const params: Record<string, string | number> = { filingId: decision.filingId };
    if (responseCode) params.responseCode = responseCode;
    await engine().start('reject-filing', { message, person, text: '', context }, params, undefined);
    return true;
  };
}
