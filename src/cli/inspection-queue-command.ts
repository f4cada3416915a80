import type { DataSource } from 'typeorm';
import { findRound, listRounds } from '../domain/inspection/inspection-round';
import {
  dismissQueueEntry,
  listQueue,
  markUnregistered,
  resolveQueueEntry,
  type QueueDecisionResult,
  type QueueEntryView,
} from '../domain/inspection/inspection-queue';
import { QUEUE_REASON_LABEL } from '../domain/inspection/inspection-import';
import type { ProblemVocabulary } from '../domain/inspection/problem-vocabulary';
import type { Clock } from '../shared/clock';
import { CliError } from './cli-context';

export const INSPECTION_QUEUE_USAGE = `Usage:
  npm run cli -- inspection-queue [list] [--round <轮次名称>] [--all]   the 待确认 entries (pending; --all: decided ones too)
  npm run cli -- inspection-queue resolve <id> <accountId>           the row is this registered account (manual match)
  npm run cli -- inspection-queue unregistered <id> [--unit <单位>]   the account was never filed (未备案): a finding for the unit
  npm run cli -- inspection-queue dismiss <id> [reason]               not an account to record; nothing is created`;

export interface InspectionQueueParams {
  actor: string;
  clock: Clock;
  vocabulary: ProblemVocabulary;
  print?: (text: string) => void;
}

/** `inspection-queue list|resolve|unregistered|dismiss`: the same decisions as 待确认 / 确认 / 忽略 in chat. */
export async function inspectionQueueCommand(dataSource: DataSource, args: string[], params: InspectionQueueParams): Promise<number> {
  const print = params.print ?? ((text: string) => console.log(text));
  const [first, ...rest] = args;
  const sub = !first || first.startsWith('--') ? 'list' : first;
  const restArgs = !first || first.startsWith('--') ? args : rest;
  const now = params.clock.now();
  switch (sub) {
    case 'list': {
      const round = option(restArgs, '--round');
      let roundId: number | undefined;
      if (round !== undefined) {
        const found = await findRound(dataSource.manager, round);
        if (!found) {
          const known = (await listRounds(dataSource.manager)).map((r) => r.title);
          throw new CliError(
            `没有名为“${round}”的检查轮次 (no such round)。${known.length ? `已有的轮次：${known.join('、')}` : '还没有导入过检查结果：先用 import-inspection 导入'}`,
          );
        }
        roundId = found.id;
      }
      const views = await listQueue(dataSource.manager, { roundId, status: restArgs.includes('--all') ? 'all' : 'pending' });
      if (views.length === 0) print('待确认中没有条目 (the queue is empty).');
      for (const view of views) print(entryText(view));
      return 0;
    }
    case 'resolve': {
      const [id, accountId] = rest.map(idOf);
      if (id === null || accountId === null || rest.length !== 2) throw new CliError(INSPECTION_QUEUE_USAGE, 2);
      const result = await dataSource.transaction((manager) => resolveQueueEntry(manager, { entryId: id!, accountId: accountId!, actor: params.actor, now }));
      return report(result, print);
    }
    case 'unregistered': {
      const id = idOf(rest[0]);
      if (id === null) throw new CliError(INSPECTION_QUEUE_USAGE, 2);
      const unitName = option(rest, '--unit') ?? null;
      const result = await dataSource.transaction((manager) =>
        markUnregistered(manager, { entryId: id, unitName, actor: params.actor, now, vocabulary: params.vocabulary }),
      );
      return report(result, print);
    }
    case 'dismiss': {
      const id = idOf(rest[0]);
      if (id === null) throw new CliError(INSPECTION_QUEUE_USAGE, 2);
      const reason = rest.slice(1).join(' ').trim() || null;
      const result = await dataSource.transaction((manager) => dismissQueueEntry(manager, { entryId: id, reason, actor: params.actor, now }));
      return report(result, print);
    }
    default:
      throw new CliError(`Unknown inspection-queue command "${sub}".\n\n${INSPECTION_QUEUE_USAGE}`, 2);
  }
}

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = args[i + 1];
  if (value === undefined || value.startsWith('--')) throw new CliError(`${name} needs a value\n\n${INSPECTION_QUEUE_USAGE}`, 2);
  return value;
}

function idOf(text: string | undefined): number | null {
  return text !== undefined && /^\d{1,9}$/.test(text) ? Number(text) : null;
}

function entryText(view: QueueEntryView): string {
  const { entry, round } = view;
  const lines = [
    `#${entry.id}\t${round?.title ?? entry.roundId}\t第${entry.rowNo ?? '?'}行\t${entry.accountNameRaw}｜${entry.platformTypeRaw}｜${entry.unitNameRaw}\t` +
      `${entry.qualified ? '合格' : '不合格'}${entry.problemsRaw ? `：${entry.problemsRaw}` : ''}\t${QUEUE_REASON_LABEL[entry.reason]}` +
      (entry.status === 'pending' ? '' : `\t${entry.status === 'dismissed' ? '已忽略' : '已处理'}（${entry.resolvedBy ?? ''}）`),
  ];
  for (const c of view.candidates) {
    lines.push(
      c.account
        ? `    候选 account ${c.account.id}: ${c.account.name}｜${c.account.platformTypeRaw}${c.account.platformSubtype ? `/${c.account.platformSubtype}` : ''}｜${c.account.ownerUnitName}（相似度 ${c.score}）`
        : `    候选 account ${c.accountId}（已不在台账中）`,
    );
  }
  return lines.join('\n');
}

function report(result: QueueDecisionResult, print: (text: string) => void): number {
  if (result.ok) {
    const { entry, finding } = result;
    if (entry.status === 'dismissed') print(`#${entry.id} 已忽略 (dismissed); nothing created.`);
    else if (finding?.accountId) print(`#${entry.id} 已确认为账号 ${finding.accountId} (resolved): finding ${finding.id} created (manual).`);
    else print(`#${entry.id} 已登记为未备案账号 (unregistered): finding ${finding?.id} created for unit ${finding?.unitId}.`);
    return 0;
  }
  switch (result.code) {
    case 'not-found':
      throw new CliError('没有这个待确认条目 (no such queue entry); `npm run cli -- inspection-queue list` shows them.');
    case 'already-decided':
      throw new CliError(`#${result.entry.id} 已由 ${result.entry.resolvedBy ?? '其他管理员'} 处理过 (already ${result.entry.status}).`);
    case 'account-not-found':
      throw new CliError(`台账中没有账号 ${result.accountId} (no such account).`);
    case 'finding-exists':
      throw new CliError(`本轮已有账号 ${result.account.id}（${result.account.name}）的检查结果（编号 ${result.finding.id}），不能重复 (already has a finding in this round).`);
    case 'unit-needed':
      throw new CliError(`#${result.entry.id} 的开设单位“${result.entry.unitNameRaw}”不在名册中，请用 --unit <单位> 指定由哪个单位整改。`, 2);
    case 'unit-not-found':
      throw new CliError(`名册中没有单位“${result.unitName}”，请写名册中的单位名称或简称。`, 2);
  }
}
