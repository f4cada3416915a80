import { EntitySchema } from 'typeorm';
import { idColumn, instant, int, key } from '../db/column-types';

/**
 * A file the bot sends (an export of an office table). The outbox row of the file message names it by id; the
 * channel reads the bytes when it sends. WeCom's media_id of the last upload is cached with its expiry (3 days).
 */
export interface OutboundFileRow {
  id: number;
  /** the file name the recipient sees, e.g. 政务新媒体账号台账-20261123.xlsx */
  name: string;
  contentType: string;
  sizeBytes: number;
  sha256: string;
  content: Buffer;
  /** what made it, e.g. export:registry */
  purpose: string;
  createdBy: string;
  createdAt: Date;
  /** WeCom media_id of the last upload, null before the first one (or after WeCom refused it) */
  mediaId: string | null;
  mediaExpiresAt: Date | null;
}

export const OutboundFileEntity = new EntitySchema<OutboundFileRow>({
  name: 'OutboundFileRow',
  tableName: 'outbound_files',
  columns: {
    id: idColumn,
    name: key(191),
    contentType: { ...key(128), name: 'content_type' },
    sizeBytes: { ...int(), name: 'size_bytes' },
    sha256: key(64),
    // LONGBLOB on MySQL (created by the migration); 'blob' is the type both drivers map to a Buffer
    content: { type: 'blob', nullable: false },
    purpose: key(64),
    createdBy: { ...key(128), name: 'created_by' },
    createdAt: { ...instant(), name: 'created_at' },
    mediaId: { ...key(191, true), name: 'media_id' },
    mediaExpiresAt: { ...instant(true), name: 'media_expires_at' },
  },
  indices: [{ name: 'ix_outbound_files_created_at', columns: ['createdAt'] }],
});
