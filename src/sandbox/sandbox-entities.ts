import { EntitySchema } from 'typeorm';
import { idColumn, instant, int, key, text } from '../db/column-types';

/** in: a person wrote or clicked (from the page or the terminal); out: the bot delivered it through the dispatcher. */
export type SandboxDirection = 'in' | 'out';

/**
 * What a sandbox row is: a message (text, markdown, card, file), a click on a card button (event), or the update of
 * cards after a click (card-update: the cards with `taskId` in this conversation show `replaceName` instead of buttons).
 */
export type SandboxKind = 'text' | 'markdown' | 'card' | 'file' | 'event' | 'card-update';

/**
 * One entry of a sandbox conversation. Append-only: the id orders everything the page shows, so a page (or a
 * terminal) that has seen up to id N asks for what came after N, and a card update is a row of its own.
 */
export interface SandboxMessageRow {
  id: number;
  /** in:<msgKey> for what people wrote, out:<outbox id>:<conversation> for deliveries: a re-send adds nothing */
  dedupeKey: string;
  /** a userid (the person's single chat with the bot) or the work group's id */
  conversation: string;
  direction: SandboxDirection;
  kind: SandboxKind;
  /** the person who wrote or clicked; null for the bot */
  userId: string | null;
  /** JSON: the message body as the outbox holds it (text, markdown, template_card, file), or the event details */
  body: string;
  /** a card's task_id; on a card-update row, the task id of the cards it updates */
  taskId: string | null;
  /** event rows: the response code the click carries (card updates name it) */
  responseCode: string | null;
  /** how it travelled: app, webhook, robot-response, sandbox (a reply), page */
  channel: string;
  outboxId: number | null;
  /** the sandbox clock */
  createdAt: Date;
}

export const SandboxMessageEntity = new EntitySchema<SandboxMessageRow>({
  name: 'SandboxMessageRow',
  tableName: 'sandbox_messages',
  columns: {
    id: idColumn,
    dedupeKey: { ...key(), name: 'dedupe_key' },
    conversation: key(128),
    direction: key(8),
    kind: key(16),
    userId: { ...key(128, true), name: 'user_id' },
    body: text(false),
    taskId: { ...key(128, true), name: 'task_id' },
    responseCode: { ...key(64, true), name: 'response_code' },
    channel: key(32),
    outboxId: { ...int(true), name: 'outbox_id' },
    createdAt: { ...instant(), name: 'created_at' },
  },
  uniques: [{ name: 'uq_sandbox_messages_dedupe', columns: ['dedupeKey'] }],
  indices: [
    { name: 'ix_sandbox_messages_conversation', columns: ['conversation', 'id'] },
    { name: 'ix_sandbox_messages_response_code', columns: ['responseCode'] },
  ],
});

/** Small facts the sandbox keeps across restarts: the clock's offset, when the demo district was loaded. */
export interface SandboxStateRow {
  key: string;
  value: string;
  updatedAt: Date;
}

export const SandboxStateEntity = new EntitySchema<SandboxStateRow>({
  name: 'SandboxStateRow',
  tableName: 'sandbox_state',
  columns: {
    key: { ...key(64), primary: true, name: 'state_key' },
    value: text(false),
    updatedAt: { ...instant(), name: 'updated_at' },
  },
});
