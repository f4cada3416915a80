import type { OutboundMessage } from '../outbox/outbound-message';
import type { InboundMessage } from './inbound-message';

/**
 * The message that answers `inbound` in its own conversation: the app's message/send for the app, the single-use
 * response_url for the robot (shown quoting the user's message in a group), the sandbox conversation otherwise.
 */
export function replyTo(inbound: InboundMessage, content: string): OutboundMessage {
  switch (inbound.channel) {
    case 'robot':
      if (inbound.responseUrl) {
        return {
          channel: 'robot-response',
          responseUrl: inbound.responseUrl,
          toUser: inbound.userId,
          body: { msgtype: 'markdown', markdown: { content } },
        };
      }
      return { channel: 'app', toUser: [inbound.userId], body: { msgtype: 'text', text: { content } } };
    case 'sandbox':
      return {
        channel: 'sandbox',
        conversation: inbound.chatType === 'group' && inbound.chatId ? inbound.chatId : inbound.userId,
        body: { msgtype: 'text', text: { content } },
      };
    case 'app':
      return { channel: 'app', toUser: [inbound.userId], body: { msgtype: 'text', text: { content } } };
  }
}

/** A direct message to members, outside any conversation (notices to admins, reminders …). */
export function directMessage(toUser: string[], content: string): OutboundMessage {
  return { channel: 'app', toUser, body: { msgtype: 'text', text: { content } } };
}
