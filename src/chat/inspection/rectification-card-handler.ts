import type { OutboxItem } from '../../outbox/outbox-writer';
import { findFinding, findRectification } from '../../domain/inspection/rectification-service';
import type { FlowEngine } from '../flow/flow-engine';
import type { CardEventInput } from '../registry/review-card-handler';
import type { RectificationChatDeps } from './rectification-flow-services';
import { decidedText, parseRectifyButtonKey } from './rectification-notices';
import { acceptRectification } from './rectification-review';

/** 通过 / 退回 clicked on a 整改 review card. The role is checked again here: a card can be forwarded. */
export function rectificationCardHandler(engine: () => FlowEngine, deps: RectificationChatDeps) {
  return async ({ message, person, context }: CardEventInput): Promise<boolean> => {
    const decision = parseRectifyButtonKey(message.event?.key);
    if (!decision) return false;
    if (!person.isAdmin) {
      context.reply('只有政务公开办管理员可以审核整改情况。');
      return true;
    }
    const responseCode = message.event?.responseCode;
    const input = { manager: context.manager, person, now: context.now, send: (item: OutboxItem) => context.send(item) };
    if (decision.decision === 'accept') {
      const result = await acceptRectification(input, { rectificationId: decision.rectificationId }, deps, responseCode);
      context.reply(result.reply);
      return true;
    }
    const rectification = await findRectification(context.manager, decision.rectificationId);
    const finding = rectification ? await findFinding(context.manager, rectification.findingId) : null;
    if (!rectification || !finding) {
      context.reply('没有找到这份整改情况。');
      return true;
    }
    if (rectification.result) {
      context.reply(decidedText(rectification, finding));
      return true;
    }
    const params: Record<string, string | number> = { rectificationId: rectification.id };
    if (responseCode) params.responseCode = responseCode;
    await engine().start('return-rectification', { message, person, text: '', context }, params, undefined);
    return true;
  };
}
