import { EntitySchema } from 'typeorm';
import { idColumn, instant, int, key, text } from '../db/column-types';

export type InboxStatus = 'received' | 'processing' | 'done' | 'failed';

/** Every accepted inbound message, stored once: (channel, msgKey) is unique, so WeCom retries are recognised. */
export interface InboxRow {
  id: number;
  channel: string;
  msgKey: string;
  userId: string;
  chatType: string;
  chatId: string | null;
  msgType: string;
  text: string | null;
  /** JSON of the InboundMessage (event details, response URL …) */
  payload: string;
  status: InboxStatus;
  attempts: number;
  lastError: string | null;
  receivedAt: Date;
  processedAt: Date | null;
}

export const InboxEntity = new EntitySchema<InboxRow>({
  name: 'InboxRow',
  tableName: 'inbound_messages',
  columns: {
    id: idColumn,
    channel: key(16),
    msgKey: { ...key(), name: 'msg_key' },
    userId: { ...key(128), name: 'user_id' },
    chatType: { ...key(16), name: 'chat_type' },
    chatId: { ...key(128, true), name: 'chat_id' },
    msgType: { ...key(32), name: 'msg_type' },
    text: text(),
    payload: text(false),
    status: key(16),
    attempts: int(false, 0),
    lastError: { ...text(), name: 'last_error' },
    receivedAt: { ...instant(), name: 'received_at' },
    processedAt: { ...instant(true), name: 'processed_at' },
  },
  uniques: [{ name: 'uq_inbound_channel_msg_key', columns: ['channel', 'msgKey'] }],
  indices: [{ name: 'ix_inbound_user_status', columns: ['userId', 'status'] }],
});

/** A short lease per user: whoever holds it processes that user's messages, in order. */
export interface UserLockRow {
  userId: string;
  owner: string | null;
  leaseUntil: Date | null;
}

export const UserLockEntity = new EntitySchema<UserLockRow>({
  name: 'UserLockRow',
  tableName: 'user_locks',
  columns: {
    userId: { ...key(128), primary: true, name: 'user_id' },
    owner: key(64, true),
    leaseUntil: { ...instant(true), name: 'lease_until' },
  },
});
