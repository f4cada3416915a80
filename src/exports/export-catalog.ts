import { normalizeTerm } from '../domain/registry/vocabulary';

/**
 * The tables the office can export, with the words people use for them (chat: 导出 台账; CLI: export registry).
 * Layouts follow DOMAIN §2.4–2.8; see each builder.
 */
export type ExportTable = 'registry' | 'results' | 'failures' | 'cleanup' | 'filing-form';

export interface ExportTableSpec {
  table: ExportTable;
  /** the Chinese name of the table */
  title: string;
  /** words that name it in chat and on the command line (besides `table`) */
  aliases: string[];
  /** what it holds and which selections it takes, Chinese (chat 导出 list) */
  summaryZh: string;
  /** a chat example */
  exampleZh: string;
  /** the same for the CLI usage */
  summaryEn: string;
  optionsEn: string;
}

export const EXPORT_TABLES: readonly ExportTableSpec[] = [
  {
    table: 'registry',
    title: '政务新媒体账号台账',
    aliases: ['台账', '账号台账', '政务新媒体账号台账', '账号'],
    summaryZh: '全部账号，列与导入用的台账相同；可加单位、运行状态筛选',
    exampleZh: '导出 台账 区发改局 正常运行',
    summaryEn: 'the registry (台账): every account, the columns of accounts.csv',
    optionsEn: '[--unit <单位>] [--status 正常运行|已关停|已注销]',
  },
  {
    table: 'results',
    title: '政务新媒体检查结果信息表',
    aliases: ['检查结果', '检查结果信息表', '检查结果表', '结果信息表'],
    summaryZh: '一轮检查的全部结果及整改情况（S0样式，表头含填报单位、填表人、联系电话）；可加轮次、单位',
    exampleZh: '导出 检查结果 2026年第三季度 区教体局',
    summaryEn: '检查结果信息表 (S0): one round, every result with 整改情况; header 填报单位/填表人/联系电话',
    optionsEn: '[--round <轮次>] [--unit <单位>]',
  },
  {
    table: 'failures',
    title: '政务新媒体检查情况信息表',
    aliases: ['检查情况', '检查情况信息表', '检查情况表', '不合格', '不合格名单', '通报表'],
    summaryZh: '一轮检查中不合格的账号及主要问题（S4通报样式）；可加轮次',
    exampleZh: '导出 检查情况 2026年第三季度',
    summaryEn: '检查情况信息表 (S4): the failures of one round and their 主要问题',
    optionsEn: '[--round <轮次>] [--unit <单位>]',
  },
  {
    table: 'cleanup',
    title: '政务新媒体排查及清理整合情况表',
    aliases: ['排查表', '排查', '清理整合', '排查及清理整合情况表', '清理整合情况表'],
    summaryZh: '全部账号的排查及清理整合情况，含整改措施（保留/变更/关停/注销，S3样式）；可加单位',
    exampleZh: '导出 排查表 岚桥镇',
    summaryEn: '排查及清理整合情况表 (S3): every account with its 整改措施 保留/变更/关停/注销',
    optionsEn: '[--unit <单位>]',
  },
  {
    table: 'filing-form',
    title: '政务新媒体备案表',
    aliases: ['备案表', '备案登记表'],
    summaryZh: '一个账号的备案表（S1/S2样式，含负责人签字和单位盖章栏）；写账号编号，或账号名称加新媒体类型',
    exampleZh: '导出 备案表 东岚发布 抖音',
    summaryEn: '备案表 (S1/S2) of one account, with signature and seal lines',
    optionsEn: '--account <编号|账号名称> [--type <新媒体类型>] [--unit <单位>]',
  },
];

/** The table a word names (registry, 台账, 检查结果信息表 …; full-width and spaces ignored), or undefined. */
export function findExportTable(word: string): ExportTableSpec | undefined {
  const term = normalizeTerm(word);
  if (!term) return undefined;
  return EXPORT_TABLES.find((t) => [t.table, t.title, ...t.aliases].some((a) => normalizeTerm(a) === term));
}

/** The longest table word at the start of a text: 检查结果2026年第三季度 → results + 2026年第三季度. */
export function splitTableWord(text: string): { spec: ExportTableSpec; rest: string } | undefined {
  const trimmed = text.trim();
  let best: { spec: ExportTableSpec; length: number } | undefined;
  for (const spec of EXPORT_TABLES) {
    for (const word of [spec.table, spec.title, ...spec.aliases]) {
      if (trimmed.toLowerCase().startsWith(word.toLowerCase()) && (!best || word.length > best.length)) best = { spec, length: word.length };
    }
  }
  return best ? { spec: best.spec, rest: trimmed.slice(best.length).trim() } : undefined;
}

/** Every valid table word, for error messages. */
export const EXPORT_TABLE_WORDS_ZH = EXPORT_TABLES.map((t) => t.aliases[0]).join('、');
export const EXPORT_TABLE_NAMES_EN = EXPORT_TABLES.map((t) => `${t.table} (${t.aliases[0]})`).join(', ');
