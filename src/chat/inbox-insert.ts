import type { DataSource } from 'typeorm';
import { runSql, sqliteDatetime } from '../db/raw-sql';
import { isUniqueViolation } from '../db/unique-violation';
import { sqliteRunWhenFree, type SynchronousDatabase } from '../db/sqlite-serializer';
import type { InboxRow } from './inbox-entity';

/** The columns an accepted message is stored with. */
export type NewInboxRow = Pick<InboxRow, 'channel' | 'msgKey' | 'userId' | 'chatType' | 'chatId' | 'msgType' | 'text' | 'payload' | 'receivedAt'>;

/** Stores one accepted message unless (channel, msgKey) is already there. True when it was new. */
export type InboxInsert = (row: NewInboxRow) => Promise<boolean>;

/** A callback waiting for its row to be written, with the statement's parameters. */
interface Pending {
  values: unknown[];
  resolve(inserted: boolean): void;
  reject(error: unknown): void;
}

const SQLITE_INSERT =
  'INSERT INTO "inbound_messages" ("channel", "msg_key", "user_id", "chat_type", "chat_id", "msg_type", "text", "payload", "status", "attempts", "received_at") ' +
  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'received', 0, ?) ON CONFLICT DO NOTHING";

/**
 * How accepted callbacks are written. The HTTP answer to WeCom waits for this write, so it must not queue behind
 * the conversations being processed.
 *
 * - SQLite (one connection, serialized): a prepared statement run synchronously as soon as no transaction holds the
 *   connection, ahead of the transactions waiting for it. The callbacks read in one turn of the event loop, or while
 *   a transaction held the connection, are written together in one transaction (one commit for all of them).
 * - MySQL: the callbacks that arrive while the previous write is on its way are written together, in one
 *   statement (see createMysqlInboxInsert).
 */
export function createInboxInsert(dataSource: DataSource): InboxInsert {
  const runWhenFree = sqliteRunWhenFree(dataSource);
  if (!runWhenFree) return createMysqlInboxInsert(dataSource);

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

const COLUMNS = '(channel, msg_key, user_id, chat_type, chat_id, msg_type, text, payload, status, attempts, received_at)';
const ROW_VALUES = "(?, ?, ?, ?, ?, ?, ?, ?, 'received', 0, ?)";
/** Rows per statement: well inside max_allowed_packet with payloads of a few kilobytes. */
const MYSQL_BATCH_ROWS = 200;

/**
 * MySQL: one write at a time, of everything that arrived since the last one began, so a burst costs one round trip
 * and one commit per batch instead of one per callback, and a user's messages are stored in the order they came.
 *
 * A batch is one multi-row INSERT: it either stores every row (all new, the usual case) or, on a duplicate key
 * (a WeCom retry among them) or a row that cannot be stored, none — InnoDB rolls the whole statement back. Then, as
 * for a batch of one, each row is written alone: a duplicate key means seen before, any other error fails that
 * callback only. (Not INSERT IGNORE: it would also store a broken row, coerced, instead of failing it.)
 */
function createMysqlInboxInsert(dataSource: DataSource): InboxInsert {
  const pending: Pending[] = [];
  let writing = false;

  const writeOneByOne = async (batch: Pending[]) => {
    for (const item of batch) {
      try {
        await runSql(dataSource.manager, `INSERT INTO inbound_messages ${COLUMNS} VALUES ${ROW_VALUES}`, item.values);
        item.resolve(true);
      } catch (error) {
        if (isUniqueViolation(error)) item.resolve(false);
        else item.reject(error);
      }
    }
  };
  const write = async () => {
    writing = true;
    try {
      while (pending.length > 0) {
        const batch = pending.splice(0, MYSQL_BATCH_ROWS);
        if (batch.length === 1) {
          await writeOneByOne(batch);
          continue;
        }
        try {
          await runSql(
            dataSource.manager,
            `INSERT INTO inbound_messages ${COLUMNS} VALUES ${batch.map(() => ROW_VALUES).join(', ')}`,
            batch.flatMap((item) => item.values),
          );
          for (const item of batch) item.resolve(true);
        } catch {
          await writeOneByOne(batch);
        }
      }
    } finally {
      writing = false;
    }
  };

  return (row) =>
    new Promise<boolean>((resolve, reject) => {
      pending.push({
        values: [row.channel, row.msgKey, row.userId, row.chatType, row.chatId, row.msgType, row.text, row.payload, row.receivedAt],
        resolve,
        reject,
      });
      if (!writing) void write();
    });
}
