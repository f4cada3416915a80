import { EXPORT_TABLES, splitTableWord, type ExportTableSpec } from '../../exports/export-catalog';
import { ExportError, parsePeriod } from '../../exports/export-selectors';
import { generateExport, type ExportRequest } from '../../exports/export-service';
import { XLSX_CONTENT_TYPE } from '../../exports/xlsx-sheet';
import { storeOutboundFile, OUTBOUND_FILE_RETENTION_DAYS } from '../../outbox/outbound-files';
import type { OutboundMessage } from '../../outbox/outbound-message';
import { normalizeTerm, resolvePlatform, resolveRunStatus } from '../../domain/registry/vocabulary';
import { InspectionRoundEntity } from '../../domain/inspection/finding-entity';
import type { Command, CommandInput } from '../commands/command';
import type { InboundMessage } from '../inbound-message';
import { normalizeText } from '../text-normalize';

const EXPORT_WORD = '导出';

/**
 * 导出 <表格> [轮次] [单位] …: an admin gets an office table as an XLSX file. The file is stored with the file message
 * in the same transaction and sent to the admin personally (never into a group: it carries phone numbers); the
 * export is written to the audit log. 导出 alone lists the tables.
 */
export const exportChatCommand: Command = {
  names: [EXPORT_WORD, ...new Set(EXPORT_TABLES.flatMap((t) => t.aliases.slice(0, 2).map((a) => `${EXPORT_WORD}${a}`)))],
  summary: '导出台账、检查结果信息表、检查情况信息表、排查表、备案表（Excel文件）',
  audience: 'admin',
  async run(input: CommandInput) {
    const { context, message, person } = input;
    const text = normalizeText(message.text ?? '').replace(/^[/／]/, '');
    const rest = text.startsWith(EXPORT_WORD) ? text.slice(EXPORT_WORD.length).trim() : input.args;
    if (rest === '') {
      context.reply(tableList());
      return;
    }
    const split = splitTableWord(rest);
    if (!split) {
      const word = rest.split(' ')[0];
      context.reply(`没有“${word}”这种表格。\n${tableList()}`);
      return;
    }
    let request: ExportRequest;
    try {
      request = await parseSelections(input, split.spec, split.rest);
      const file = await generateExport(context.manager, request, {
        actor: person.userId,
        actorName: person.name,
        via: 'chat',
        now: context.now,
        includePhones: true,
      });
      const ref = await storeOutboundFile(
        context.manager,
        { name: file.fileName, contentType: XLSX_CONTENT_TYPE, content: file.content, purpose: `export:${file.table}`, createdBy: person.userId },
        context.now,
      );
      context.send({ dedupeKey: `export-file:${ref.fileId}`, origin: 'export', message: fileMessage(message, ref) });
      const where = message.chatType === 'group' ? '已通过应用消息单独发给您' : '随后发给您';
      context.reply(
        `已生成《${file.title}》（${file.table === 'filing-form' ? `${file.rows}项` : `${file.rows}行`}${describeFilters(file.filters)}），文件“${file.fileName}”${where}。` +
          (file.containsPhones ? '表中含手机号等个人信息，请仅限工作使用，勿转发到工作群。' : '') +
          `文件在系统中保留${OUTBOUND_FILE_RETENTION_DAYS}天。`,
      );
    } catch (error) {
      if (error instanceof ExportError) {
        context.reply(`${error.zh}\n发送“导出”查看可以导出的表格和写法。`);
        return;
      }
      throw error;
    }
  },
};

/** The file goes to the person who asked: by app message (a robot's response_url cannot carry files), or the sandbox. */
function fileMessage(inbound: InboundMessage, file: { fileId: number; name: string }): OutboundMessage {
  const body = { msgtype: 'file' as const, file };
  if (inbound.channel === 'sandbox') return { channel: 'sandbox', conversation: inbound.userId, body };
  return { channel: 'app', toUser: [inbound.userId], body };
}

/** The words after the table: rounds (2026年第三季度, 2026Q3, a round's title), run statuses, platforms, else units. */
async function parseSelections(input: CommandInput, spec: ExportTableSpec, rest: string): Promise<ExportRequest> {
  const request: ExportRequest = { table: spec.table };
  const tokens = rest.split(' ').filter(Boolean);
  if (spec.table === 'filing-form') {
    // 导出 备案表 <编号 | 账号名称> [新媒体类型]
    if (tokens.length > 1 && resolvePlatform(tokens[tokens.length - 1])) request.platform = tokens.pop();
    request.account = tokens.join(' ');
    return request;
  }
  const roundTitles = spec.table === 'results' || spec.table === 'failures' ? (await input.context.manager.getRepository(InspectionRoundEntity).find()).map((r) => normalizeTerm(r.title)) : [];
  const units: string[] = [];
  for (const token of tokens) {
    if ((spec.table === 'results' || spec.table === 'failures') && !request.round && (parsePeriod(token) || /季度|^\d{4}/.test(token) || roundTitles.includes(normalizeTerm(token)))) {
      request.round = token;
    } else if (spec.table === 'registry' && !request.status && resolveRunStatus(token)) {
      request.status = token;
    } else {
      units.push(token);
    }
  }
  if (units.length > 0) request.unit = units.join('');
  return request;
}

function describeFilters(filters: Record<string, string>): string {
  const parts = Object.entries(filters).map(([k, v]) => `${k}：${v}`);
  return parts.length ? `，${parts.join('，')}` : '';
}

function tableList(): string {
  return [
    '可以导出以下表格（Excel文件，单独发给您）：',
    ...EXPORT_TABLES.map((t, i) => `${i + 1}. ${t.aliases[0]}：${t.summaryZh}。例如“${t.exampleZh}”`),
    '轮次可写“2026年第三季度”或“2026Q3”，不写则为最近一轮；单位可写全称或简称。',
  ].join('\n');
}
