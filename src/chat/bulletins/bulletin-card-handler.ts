import { createHash } from 'node:crypto';
import { ACK_LABEL, parseAckButtonKey } from '../../domain/bulletins/bulletin-messages';
import { acknowledge } from '../../domain/bulletins/bulletin-service';
import type { CardEventInput } from '../registry/review-card-handler';

/**
 * 已阅 clicked on a bulletin card (or on a 催阅 card): the acknowledgement is recorded (a second click keeps the
 * first time) and the clicked card's button turns into a grey 已阅 through message/update_template_card. Nothing
 * else is said: the card itself is the answer.
 */
export function bulletinCardHandler() {
  return async ({ message, person, context }: CardEventInput): Promise<boolean> => {
    const bulletinId = parseAckButtonKey(message.event?.key);
    if (bulletinId === null) return false;
    const result = await acknowledge(context.manager, bulletinId, person.userId, context.now);
    if (result.status === 'not-found') {
      context.reply('没有找到这份通报。如有疑问请联系政务公开办。');
      return true;
    }
    if (result.status === 'not-recipient') {
      context.reply('这份通报不是发给您的，无需确认。');
      return true;
    }
    const responseCode = message.event?.responseCode;
    if (responseCode) {
      // one update per clicked card: the card is known by its task id (a reminder card has its own)
      const card = createHash('sha256')
        .update(message.event?.taskId ?? responseCode)
        .digest('hex')
        .slice(0, 24);
      context.send({
        dedupeKey: `bulletin:${bulletinId}:ack-card:${card}`,
        origin: 'bulletin',
        message: { channel: 'card-update', toUser: [person.userId], responseCode, replaceName: ACK_LABEL },
      });
    }
    return true;
  };
}
