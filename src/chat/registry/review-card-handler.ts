import type { FlowEngine } from '../flow/flow-engine';
import type { InboundMessage } from '../inbound-message';
import type { HandlerContext } from '../message-handler';
import type { Person } from '../../domain/roster/roster-service';
import { toShanghaiDate } from '../../shared/shanghai-time';
import { approveByChat } from './registry-flow-services';
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
    if (decision.decision === 'approve') {
      const result = await approveByChat(
        { manager: context.manager, person, now: context.now, today: toShanghaiDate(context.now), params: {}, message, send: (item) => context.send(item) },
        decision.filingId,
      );
      context.reply(result.reply);
      return true;
    }
    await engine().start('reject-filing', { message, person, text: '', context }, { filingId: decision.filingId }, undefined);
    return true;
  };
}
