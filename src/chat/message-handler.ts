import type { EntityManager } from 'typeorm';
import type { OutboxItem } from '../outbox/outbox-writer';
import type { InboundMessage } from './inbound-message';

/** What a handler may do while one inbound message is processed, all inside one database transaction. */
export interface HandlerContext {
  /** The transaction: state changes and outbox rows commit together or not at all. */
  manager: EntityManager;
  now: Date;
  /** Answer the sender in the conversation the message came from (merged into one message per inbound). */
  reply(content: string): void;
  /** Any other message (to admins, to a group …), written to the outbox in the same transaction. */
  send(item: OutboxItem): void;
}

export interface MessageHandler {
  handle(message: InboundMessage, context: HandlerContext): Promise<void>;
}
