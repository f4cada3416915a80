import { createHash } from 'node:crypto';
import { LessThan, type DataSource, type EntityManager } from 'typeorm';
import { OutboundFileEntity, type OutboundFileRow } from './outbound-file-entity';
import type { OutboundFileRef } from './outbound-message';

/** WeCom takes files up to 20 MB (media/upload type=file) and refuses 5 bytes or fewer. */
export const OUTBOUND_FILE_MAX_BYTES = 20 * 1024 * 1024;
export const OUTBOUND_FILE_MIN_BYTES = 6;
/**
 * How long a sent file is kept: longer than WeCom keeps its media_id (3 days) and than the outbox retries a message,
 * short enough that exports containing phone numbers do not pile up. Older files are deleted when a new one is stored.
 */
export const OUTBOUND_FILE_RETENTION_DAYS = 7;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface NewOutboundFile {
  name: string;
  contentType: string;
  content: Buffer;
  purpose: string;
  createdBy: string;
}

/**
 * Store a file to send, in the caller's transaction (the file message's outbox row goes into the same one), and
 * delete files past the retention. Returns the reference a file message carries.
 */
export async function storeOutboundFile(manager: EntityManager, file: NewOutboundFile, now: Date): Promise<OutboundFileRef> {
  if (file.content.length < OUTBOUND_FILE_MIN_BYTES || file.content.length > OUTBOUND_FILE_MAX_BYTES) {
    throw new RangeError(`file ${file.name} has ${file.content.length} bytes; WeCom sends ${OUTBOUND_FILE_MIN_BYTES} bytes to 20 MB`);
  }
  await purgeOutboundFiles(manager, now);
  const result = await manager.getRepository(OutboundFileEntity).insert({
    name: file.name.slice(0, 191),
    contentType: file.contentType.slice(0, 128),
    sizeBytes: file.content.length,
    sha256: createHash('sha256').update(file.content).digest('hex'),
    content: file.content,
    purpose: file.purpose.slice(0, 64),
    createdBy: file.createdBy.slice(0, 128),
    createdAt: now,
    mediaId: null,
    mediaExpiresAt: null,
  });
  return { fileId: Number(result.identifiers[0].id), name: file.name };
}

/** Delete the files stored before the retention period; returns how many. */
export async function purgeOutboundFiles(manager: EntityManager, now: Date, retentionDays = OUTBOUND_FILE_RETENTION_DAYS): Promise<number> {
  const result = await manager.getRepository(OutboundFileEntity).delete({ createdAt: LessThan(new Date(now.getTime() - retentionDays * DAY_MS)) });
  return result.affected ?? 0;
}

/** What a channel needs to send a stored file. */
export interface StoredOutboundFile {
  id: number;
  name: string;
  contentType: string;
  content: Buffer;
  mediaId: string | null;
  mediaExpiresAt: Date | null;
}

/**
 * The files as the senders see them (WeCom sender, sandbox): read the bytes, remember WeCom's media_id of an upload
 * so a retry within its validity does not upload again, forget it when WeCom no longer knows it (40007).
 */
export class OutboundFileStore {
  constructor(private readonly dataSource: DataSource) {}

  /** The file, or null when it no longer exists (deleted after the retention period). */
  async load(fileId: number): Promise<StoredOutboundFile | null> {
    const row: OutboundFileRow | null = await this.dataSource.getRepository(OutboundFileEntity).findOne({ where: { id: fileId } });
    if (!row) return null;
    return {
      id: row.id,
      name: row.name,
      contentType: row.contentType,
      content: Buffer.isBuffer(row.content) ? row.content : Buffer.from(row.content),
      mediaId: row.mediaId,
      mediaExpiresAt: row.mediaExpiresAt ? new Date(row.mediaExpiresAt) : null,
    };
  }

  async rememberMedia(fileId: number, mediaId: string, expiresAt: Date): Promise<void> {
    await this.dataSource.getRepository(OutboundFileEntity).update({ id: fileId }, { mediaId: mediaId.slice(0, 191), mediaExpiresAt: expiresAt });
  }

  async forgetMedia(fileId: number): Promise<void> {
    await this.dataSource.getRepository(OutboundFileEntity).update({ id: fileId }, { mediaId: null, mediaExpiresAt: null });
  }
}
