import type { EntityManager } from 'typeorm';
import { AuditEntity } from '../domain/audit/audit-entity';
import { OUTBOUND_FILE_MAX_BYTES } from '../outbox/outbound-files';
import { EXPORT_TABLES, EXPORT_TABLE_NAMES_EN, EXPORT_TABLE_WORDS_ZH, findExportTable, type ExportTable } from './export-catalog';
import { exportCleanup } from './cleanup-export';
import type { ExportFile } from './export-format';
import { exportFilingForm } from './filing-form-export';
import { exportFailures, exportResults } from './inspection-exports';
import { exportRegistry } from './registry-export';
import { ExportError, resolveAccount, resolveRound, resolveStatus, resolveUnit } from './export-selectors';

/** What to export, as written by the person asking (names are resolved here). */
export interface ExportRequest {
  /** a table word: registry, 台账, 检查结果 … */
  table: string;
  /** round title or period (检查结果 / 检查情况); default the latest round */
  round?: string;
  /** unit full name, short name or unique part */
  unit?: string;
  /** 运行状态 (台账) */
  status?: string;
  /** account id or name (备案表) */
  account?: string;
  /** 新媒体类型 narrowing an account name (备案表) */
  platform?: string;
}

export interface ExportContext {
  /** who exports: a WeCom userid or cli:<user> */
  actor: string;
  actorName?: string;
  /** via which door: chat or cli */
  via: 'chat' | 'cli';
  now: Date;
  /**
   * Phone numbers in the file. Only admins export (the chat command is admin-only, the CLI is the operator); without
   * it phone numbers are masked (139****1234), for a file to share further.
   */
  includePhones: boolean;
}

/**
 * Build the table and write the audit row (who, what, when, whether phone numbers are in it) in the caller's
 * transaction. Throws ExportError for an unknown table, round, unit, status or account.
 */
export async function generateExport(manager: EntityManager, request: ExportRequest, context: ExportContext): Promise<ExportFile & { table: ExportTable }> {
  const spec = findExportTable(request.table);
  if (!spec) {
    throw new ExportError(
      'unknownTable',
      `没有“${request.table}”这种表格。可以导出：${EXPORT_TABLE_WORDS_ZH}。`,
      `Unknown table "${request.table}". Tables: ${EXPORT_TABLE_NAMES_EN}.`,
    );
  }
  const unit = request.unit ? await resolveUnit(manager, request.unit) : undefined;
  const base = { includePhones: context.includePhones, now: context.now };
  let file: ExportFile;
  switch (spec.table) {
    case 'registry':
      file = await exportRegistry(manager, { ...base, unit, status: request.status ? resolveStatus(request.status) : undefined });
      break;
    case 'results':
      file = await exportResults(manager, { ...base, unit, round: await resolveRound(manager, request.round) });
      break;
    case 'failures':
      file = await exportFailures(manager, { ...base, unit, round: await resolveRound(manager, request.round) });
      break;
    case 'cleanup':
      file = await exportCleanup(manager, { ...base, unit });
      break;
    case 'filing-form':
      file = await exportFilingForm(manager, {
        ...base,
        account: await resolveAccount(manager, { account: request.account, platform: request.platform, unitId: unit?.id }),
      });
      break;
  }
  if (file.content.length > OUTBOUND_FILE_MAX_BYTES) {
    throw new ExportError(
      'tooLarge',
      `生成的文件有${Math.ceil(file.content.length / 1024 / 1024)}MB，超过企业微信20MB的限制，请按单位分别导出。`,
      `The file has ${file.content.length} bytes, more than WeCom's 20 MB; export per unit.`,
    );
  }
  await manager.getRepository(AuditEntity).insert({
    actor: context.actor.slice(0, 128),
    action: `export.${spec.table}`,
    subject: file.subject.slice(0, 191),
    detail: JSON.stringify({
      via: context.via,
      name: context.actorName,
      file: file.fileName,
      bytes: file.content.length,
      rows: file.rows,
      filters: file.filters,
      containsPhones: file.containsPhones,
    }),
    at: context.now,
  });
  return { ...file, table: spec.table };
}

export { EXPORT_TABLES, ExportError };
