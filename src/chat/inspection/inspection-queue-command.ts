import { findPerson } from '../../domain/roster/roster-service';
import {
  dismissQueueEntry,
  getQueueEntry,
  listQueue,
  markUnregistered,
  resolveQueueEntry,
  type QueueDecisionResult,
  type QueueEntryView,
} from '../../domain/inspection/inspection-queue';
import { QUEUE_REASON_LABEL } from '../../domain/inspection/inspection-import';
import type { ProblemVocabulary } from '../../domain/inspection/problem-vocabulary';
import type { EntityManager } from 'typeorm';
import type { Command } from '../commands/command';

const MAX_LISTED = 10;

const HOW_TO =
  '回复“待确认 <编号> <候选序号>”确认是哪个已备案账号（如 待确认 3 1），' +
  '“待确认 <编号> 未备案 [单位]”登记为未备案账号，“待确认 <编号> 忽略 [理由]”不予处理。';

/**
 * 待确认 (admins): the rows of imported inspection tables that wait for a decision, and the decisions themselves:
 *
 *   待确认                     the pending entries (the first 10), each with its row as written and the candidates
 *   待确认 3                   one entry in full
 *   待确认 3 1                 entry 3 is candidate 1 (a finding, matched by hand)
 *   待确认 3 未备案 [单位]      the account was never filed: a finding for the unit (the 开设单位 when it is a roster unit)
 *   待确认 3 忽略 [理由]        nothing to record
 *
 * One command word on purpose: 确认 alone confirms a flow's summary and must not become a command. Every decision is
 * audited and happens once; a second admin is told who decided.
 */
export function inspectionQueueCommand(vocabulary: ProblemVocabulary): Command {
  return {
    names: ['待确认', '待确认条目'],
    summary: '检查结果中需要确认的账号：查看并确认、登记未备案或忽略',
    audience: 'admin',
    async run({ args, person, context }) {
      const { manager, now } = context;
      const words = args.split(/\s+/).filter(Boolean);
      if (words.length === 0) {
        const pending = await listQueue(manager);
        if (pending.length === 0) {
          context.reply('目前没有待确认的检查结果条目。');
          return;
        }
        const shown = pending.slice(0, MAX_LISTED).map(entryText);
        const more = pending.length > MAX_LISTED ? `\n（共 ${pending.length} 条，先显示前 ${MAX_LISTED} 条；处理后再发送“待确认”查看其余的）` : '';
        context.reply(`待确认的检查结果 ${pending.length} 条：\n\n${shown.join('\n\n')}${more}\n\n${HOW_TO}`);
        return;
      }
      const id = /^\d{1,9}$/.test(words[0]) ? Number(words[0]) : null;
      if (id === null) {
        context.reply(`“${words[0]}”不是待确认条目的编号。发送“待确认”查看编号。\n${HOW_TO}`);
        return;
      }
      const view = await getQueueEntry(manager, id);
      if (!view) {
        context.reply(`没有编号为 ${id} 的待确认条目。发送“待确认”查看编号。`);
        return;
      }
      if (view.entry.status !== 'pending') {
        context.reply(await alreadyDecidedText(manager, view.entry));
        return;
      }
      const [what, ...rest] = words.slice(1);
      if (what === undefined) {
        context.reply(`${entryText(view)}\n\n${HOW_TO}`);
        return;
      }
      let result: QueueDecisionResult;
      if (/^\d{1,2}$/.test(what) && rest.length === 0) {
        const candidate = view.candidates[Number(what) - 1];
        if (!candidate?.account) {
          context.reply(
            view.candidates.length
              ? `第 ${id} 条只有 ${view.candidates.length} 个候选账号，请回复 1 到 ${view.candidates.length} 之间的序号，例如“待确认 ${id} 1”。\n\n${entryText(view)}`
              : `第 ${id} 条没有候选账号。如果该账号没有备案，请回复“待确认 ${id} 未备案”；如果不需要处理，请回复“待确认 ${id} 忽略”。`,
          );
          return;
        }
        result = await resolveQueueEntry(manager, { entryId: id, accountId: candidate.account.id, actor: person.userId, now });
      } else if (what === '未备案') {
        result = await markUnregistered(manager, { entryId: id, unitName: rest.join(' ') || null, actor: person.userId, now, vocabulary });
      } else if (what === '忽略' || what === '不处理') {
        result = await dismissQueueEntry(manager, { entryId: id, reason: rest.join(' ') || null, actor: person.userId, now });
      } else {
        context.reply(`没看懂“${words.slice(1).join(' ')}”。${HOW_TO}\n\n${entryText(view)}`);
        return;
      }
      context.reply(await resultText(manager, view, result));
    },
  };
}

function entryText(view: QueueEntryView): string {
  const { entry } = view;
  const lines = [
    `【${entry.id}】序号${entry.rowNo ?? '?'}：${entry.accountNameRaw}｜${entry.platformTypeRaw}｜${entry.unitNameRaw}｜${entry.qualified ? '合格' : '不合格'}` +
      `${entry.problemsRaw ? `（${entry.problemsRaw}）` : ''}`,
    `原因：${QUEUE_REASON_LABEL[entry.reason]}（${view.round?.title ?? ''}）`,
  ];
  if (view.candidates.length === 0) lines.push('候选账号：无');
  view.candidates.forEach((c, i) => {
    if (!c.account) return;
    const subtype = c.account.platformSubtype ? `·${c.account.platformSubtype}` : '';
    lines.push(`  ${i + 1}. ${c.account.name}｜${c.account.platformTypeRaw}${subtype}｜${c.account.ownerUnitName}${c.filerUnitName && c.filerUnitName !== c.account.ownerUnitName ? `（填报：${c.filerUnitName}）` : ''}`);
  });
  return lines.join('\n');
}

async function alreadyDecidedText(manager: EntityManager, entry: QueueEntryView['entry']): Promise<string> {
  const who = entry.resolvedBy ? ((await findPerson(manager, entry.resolvedBy))?.name ?? entry.resolvedBy) : '其他管理员';
  return `第 ${entry.id} 条已由${who}${entry.status === 'dismissed' ? '忽略' : '处理'}，无需再处理。`;
}

async function resultText(manager: EntityManager, view: QueueEntryView, result: QueueDecisionResult): Promise<string> {
  if (result.ok) {
    const { entry, finding } = result;
    if (entry.status === 'dismissed') return `已忽略第 ${entry.id} 条（${entry.accountNameRaw}），不记录检查结果。`;
    if (finding?.accountId) {
      const candidate = view.candidates.find((c) => c.accountId === finding.accountId);
      return `已确认第 ${entry.id} 条为已备案账号“${candidate?.account?.name ?? finding.accountId}”（${candidate?.account?.platformTypeRaw ?? ''}），检查结果已记入${candidate?.filerUnitName ?? '该账号的填报单位'}。`;
    }
    return `已将第 ${entry.id} 条（${entry.accountNameRaw}）登记为未备案账号，问题“私开账号（未备案）”已记入该单位的检查结果。`;
  }
  switch (result.code) {
    case 'not-found':
      return '没有这个待确认条目。发送“待确认”查看编号。';
    case 'already-decided':
      return alreadyDecidedText(manager, result.entry);
    case 'account-not-found':
      return '这个候选账号已不在台账中，请发送“待确认”重新查看。';
    case 'finding-exists':
      return `本轮已有“${result.account.name}”（${result.account.platformTypeRaw}）的检查结果，不能再记一次。请选择其他候选账号，或回复“待确认 ${view.entry.id} 忽略”。`;
    case 'unit-needed':
      return `开设单位“${result.entry.unitNameRaw}”不在单位名册中，请写明由哪个单位整改，例如“待确认 ${result.entry.id} 未备案 区发改局”。`;
    case 'unit-not-found':
      return `名册中没有单位“${result.unitName}”，请写名册中的单位名称或简称，例如“待确认 ${view.entry.id} 未备案 区发改局”。`;
  }
}
