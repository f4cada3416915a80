import { EntitySchema } from 'typeorm';
import { idColumn, instant, key } from '../../db/column-types';

/**
 * An inspection table an admin sent to the bot by chat, kept while the admin chooses the round and confirms the
 * preview (the WeCom download URL lives only 5 minutes, so the bytes are stored). Consumed by the import, or left
 * unconsumed when the admin cancels; the content is dropped once consumed.
 */
export interface InspectionUploadRow {
  id: number;
  /** WeCom userid of the admin who sent it */
  userId: string;
  fileName: string;
  /** sha256 of the bytes (hex) */
  fileSha256: string;
  /** the file bytes, base64; null once consumed */
  content: string | null;
  createdAt: Date;
  /** when it was imported (or null while it waits) */
  consumedAt: Date | null;
}

export const InspectionUploadEntity = new EntitySchema<InspectionUploadRow>({
  name: 'InspectionUploadRow',
  tableName: 'inspection_uploads',
  columns: {
    id: idColumn,
    userId: { ...key(128), name: 'user_id' },
    fileName: { ...key(191), name: 'file_name' },
    fileSha256: { ...key(64), name: 'file_sha256' },
    // LONGTEXT on MySQL (the migration): an XLSX of thousands of rows is larger than TEXT's 64 KB
    content: { type: 'text', nullable: true },
    createdAt: { ...instant(), name: 'created_at' },
    consumedAt: { ...instant(true), name: 'consumed_at' },
  },
  indices: [{ name: 'ix_inspection_uploads_user', columns: ['userId'] }],
});
