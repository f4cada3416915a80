import type { DataSource } from 'typeorm';
import { insertIgnore } from '../db/insert-ignore';
import { sqliteDatetime } from '../db/raw-sql';
import { sqliteRunWhenFree, type SynchronousDatabase } from '../db/sqlite-serializer';
import { InboxEntity, type InboxRow } from './inbox-entity';

/** The columns an accepted message is stored with. */
export type NewInboxRow = Pick<InboxRow, 'channel' | 'msgKey' | 'userId' | 'chatType' | 'chatId' | 'msgType' | 'text' | 'payload' | 'receivedAt'>;

/** Stores one accepted message unless (channel, msgKey) is already there. True when it was new. */
export type InboxInsert = (row: NewInboxRow) => Promise<boolean>;

const SQLITE_INSERT =
  'INSERT INTO "inbound_messages" ("channel", "msg_key", "user_id", "chat_type", "chat_id", "msg_type", "text", "payload", "status", "attempts", "received_at") ' +
  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'received', 0, ?) ON CONFLICT DO NOTHING";

/**
 * How accepted callbacks are written. The HTTP answer to WeCom waits for this write, so it must not queue behind
 * the conversations being processed.
 *
 * - SQLite (one connection, serialized): a prepared statement run synchronously as soon as no transaction holds the
 *   connection, ahead of the transactions waiting for it. Callbacks that arrived while a transaction held it are
 *   written together in one transaction (one commit for all of them).
 * - MySQL: INSERT IGNORE on a pooled connection; concurrent callbacks use concurrent connections.
 */
export function createInboxInsert(dataSource: DataSource): InboxInsert {
  const runWhenFree = sqliteRunWhenFree(dataSource);
  if (!runWhenFree) {
    return async (row) => (await insertIgnore(dataSource.manager, InboxEntity, [{ ...row, status: 'received', attempts: 0 }])) > 0;
  }

  interface Pending {
    values: unknown[];
    resolve(inserted: boolean): void;
    reject(error: unknown): void;
  }
  let pending: Pending[] = [];
  let scheduled = false;
  let statement: ReturnType<SynchronousDatabase['prepare']> | undefined;
  let preparedOn: SynchronousDatabase | undefined;

  const flush = (db: SynchronousDatabase) => {
    scheduled = false;
    const batch = pending;
    pending = [];
    if (batch.length === 0) return;
    if (preparedOn !== db || !statement) {
      try {
        statement = db.prepare(SQLITE_INSERT);
        preparedOn = db;
      } catch (error) {
        for (const item of batch) item.reject(error);
        return;
      }
    }
    const insert = statement;
    try {
      const changes = db.transaction(() => batch.map((item) => insert.run(...item.values).changes))();
      batch.forEach((item, index) => item.resolve(changes[index]! > 0));
    } catch {
      // One bad row must not fail the others: write them one by one, each with its own outcome.
      for (const item of batch) {
        try {
          item.resolve(insert.run(...item.values).changes > 0);
        } catch (error) {
          item.reject(error);
        }
      }
    }
  };

  return (row) =>
    new Promise<boolean>((resolve, reject) => {
      pending.push({
        values: [
          row.channel,
          row.msgKey,
          row.userId,
          row.chatType,
          row.chatId,
          row.msgType,
          row.text,
          row.payload,
          sqliteDatetime(row.receivedAt),
        ],
        resolve,
        reject,
      });
      if (scheduled) return;
      scheduled = true;
      try {
        runWhenFree(flush);
      } catch (error) {
        scheduled = false;
        for (const item of pending.splice(0)) item.reject(error);
      }
    });
}
