import type { OutboundMessage } from './outbound-message';

/** The port through which the dispatcher hands messages to a channel. Implemented by wecom/ (and the sandbox). */
export interface Sender {
  /**
   * Deliver one message. Resolves when the channel accepted it. Throws a SendError (or any error, treated as
   * retryable) when it did not.
   */
  send(message: OutboundMessage, context: SendContext): Promise<SendResult | void>;
}

export interface SendContext {
  outboxId: number;
  dedupeKey: string;
  attempt: number;
  /**
   * Another outbox row with the very same message was sent shortly before (e.g. the same help text asked for twice).
   * A channel whose duplicate check compares content must not apply it to this message, or it would be swallowed.
   */
  repeatsRecentMessage?: boolean;
}

export interface SendResult {
  /** Channel id of the delivered message (WeCom msgid), kept for recall and audit. */
  remoteId?: string;
  /** Recipients the channel refused (WeCom invaliduser), kept for the admins. */
  rejectedRecipients?: string[];
}

/** A send failure with what the dispatcher needs to decide: try again later, or give up now. */
export class SendError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    /** Minimum wait before the next attempt, when the channel says so (rate limits). */
    readonly retryAfterMs?: number,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'SendError';
  }
}
