import type { OutboundMessage } from '../../src/outbox/outbound-message';
import type { SendContext, Sender } from '../../src/outbox/sender';

/** A Sender that records what it is given, for tests that stop at the outbox boundary. */
export class RecordingSender implements Sender {
  readonly sent: Array<{ message: OutboundMessage; context: SendContext }> = [];
  failWith: ((message: OutboundMessage, context: SendContext) => Error | undefined) | undefined;

  async send(message: OutboundMessage, context: SendContext): Promise<void> {
    const error = this.failWith?.(message, context);
    if (error) throw error;
    this.sent.push({ message, context });
  }

  textsTo(userId: string): string[] {
    return this.sent
      .map((s) => s.message)
      .filter(
        (m): m is Extract<typeof m, { channel: 'app' | 'robot-response' }> =>
          (m.channel === 'app' && m.toUser.includes(userId)) || (m.channel === 'robot-response' && m.toUser === userId),
      )
      .map((m) => ('text' in m.body ? m.body.text.content : 'markdown' in m.body ? m.body.markdown.content : JSON.stringify(m.body)));
  }
}
