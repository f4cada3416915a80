import type { FlowEngine } from '../flow/flow-engine';
import type { InboundMessage } from '../inbound-message';
import type { HandlerContext } from '../message-handler';
import type { Person } from '../../domain/roster/roster-service';
import { toShanghaiDate } from '../../shared/shanghai-time';
import { approveByChat, markCards, reviewClosedText } from './registry-flow-services';
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
    const send = (item: Parameters<typeof context.send>[0]) => context.send(item);
    if (decision.decision === 'approve') {
      const result = await approveByChat(
        { manager: context.manager, person, now: context.now, today: toShanghaiDate(context.now), params: {}, message, send },
        decision.filingId,
      );
      if (result.ok && responseCode) await markCards({ manager: context.manager, send }, decision.filingId, responseCode, `已通过（${person.name}）`);
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
