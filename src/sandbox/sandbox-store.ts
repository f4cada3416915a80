import { EventEmitter } from 'node:events';
import type { DataSource } from 'typeorm';
import { insertIgnore } from '../db/insert-ignore';
import {
  SandboxMessageEntity,
  SandboxStateEntity,
  type SandboxDirection,
  type SandboxKind,
  type SandboxMessageRow,
} from './sandbox-entities';

/** A sandbox row as the page and the terminal read it (body parsed, times as ISO strings). */
export interface SandboxEntry {
  id: number;
  conversation: string;
  chat: 'single' | 'group';
  direction: SandboxDirection;
  kind: SandboxKind;
  userId: string | null;
  body: Record<string, unknown>;
  taskId: string | null;
  channel: string;
  at: string;
}

export type NewSandboxRow = Omit<SandboxMessageRow, 'id'>;

/** The most rows one read returns (a page that is further behind reads again). */
export const MAX_ROWS_PER_READ = 500;

/**
 * The sandbox's conversations in the database: so they survive a page reload and a restart, and every instance of the
 * bot behind a load balancer shows the same. Writes announce themselves on `changes` ('rows'), so open pages hear of
 * them at once; pages also look every few seconds for rows another instance wrote.
 */
export class SandboxStore {
  readonly changes = new EventEmitter();

  constructor(
    private readonly dataSource: DataSource,
    readonly groupId: string,
  ) {
    this.changes.setMaxListeners(0);
  }

  /** Store rows once each (by dedupe key); returns how many were new. */
  async append(rows: NewSandboxRow[]): Promise<number> {
    if (rows.length === 0) return 0;
    const inserted = await this.dataSource.transaction((manager) => insertIgnore(manager, SandboxMessageEntity, rows));
    if (inserted > 0) this.changes.emit('rows');
    return inserted;
  }

  async byDedupeKey(dedupeKey: string): Promise<SandboxMessageRow | null> {
    return this.dataSource.getRepository(SandboxMessageEntity).findOne({ where: { dedupeKey } });
  }

  async byId(id: number): Promise<SandboxMessageRow | null> {
    return this.dataSource.getRepository(SandboxMessageEntity).findOne({ where: { id } });
  }

  /** The click that carried this response code (a card update names it). */
  async clickByResponseCode(responseCode: string): Promise<SandboxMessageRow | null> {
    return this.dataSource.getRepository(SandboxMessageEntity).findOne({ where: { responseCode, kind: 'event' } });
  }

  /** Whether the cards with this task id in this conversation were already updated (their buttons are gone). */
  async cardUpdated(conversation: string, taskId: string): Promise<boolean> {
    const count = await this.dataSource.getRepository(SandboxMessageEntity).count({ where: { conversation, taskId, kind: 'card-update' } });
    return count > 0;
  }

  /** Whether a file message with this file was delivered into a sandbox conversation (only those can be downloaded). */
  async fileDelivered(fileId: number): Promise<boolean> {
    const rows = await this.dataSource.getRepository(SandboxMessageEntity).find({ where: { kind: 'file', direction: 'out' }, select: { body: true } });
    return rows.some((row) => {
      try {
        return (JSON.parse(row.body) as { file?: { fileId?: unknown } }).file?.fileId === fileId;
      } catch {
        return false;
      }
    });
  }

  /** Rows after `afterId`, oldest first, at most `limit`. */
  async after(afterId: number, limit = MAX_ROWS_PER_READ): Promise<SandboxEntry[]> {
    const rows = await this.dataSource
      .getRepository(SandboxMessageEntity)
      .createQueryBuilder('m')
      .where('m.id > :afterId', { afterId })
      .orderBy('m.id', 'ASC')
      .limit(Math.max(1, Math.min(limit, MAX_ROWS_PER_READ)))
      .getMany();
    return rows.map((row) => this.entry(row));
  }

  async lastId(): Promise<number> {
    const row = await this.dataSource
      .getRepository(SandboxMessageEntity)
      .createQueryBuilder('m')
      .select('MAX(m.id)', 'max')
      .getRawOne<{ max: number | string | null }>();
    return Number(row?.max ?? 0);
  }

  entry(row: SandboxMessageRow): SandboxEntry {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(row.body) as Record<string, unknown>;
    } catch {
      body = {};
    }
    return {
      id: Number(row.id),
      conversation: row.conversation,
      chat: row.conversation === this.groupId ? 'group' : 'single',
      direction: row.direction,
      kind: row.kind,
      userId: row.userId,
      body,
      taskId: row.taskId,
      channel: row.channel,
      at: new Date(row.createdAt).toISOString(),
    };
  }

  async getState(key: string): Promise<string | null> {
    const row = await this.dataSource.getRepository(SandboxStateEntity).findOne({ where: { key } });
    return row?.value ?? null;
  }

  async setState(key: string, value: string, now: Date): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const inserted = await insertIgnore(manager, SandboxStateEntity, [{ key, value, updatedAt: now }]);
      if (!inserted) await manager.getRepository(SandboxStateEntity).update({ key }, { value, updatedAt: now });
    });
  }
}
