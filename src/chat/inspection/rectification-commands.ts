import { workdaysLeft, type DeadlineRules } from '../../domain/deadlines/deadline-service';
import type { FindingRow, InspectionRoundRow } from '../../domain/inspection/finding-entity';
import { findRound, listRounds, planDispatch } from '../../domain/inspection/rectification-dispatch';
import { clipBytes, findingAccountLabel, findingFlags, findingProblemsText, rectificationDueText } from '../../domain/inspection/rectification-messages';
import {
  currentRectifications,
  findFinding,
  findingsToRectify,
  reviewRectification,
  roundProgress,
  roundsOfUnits,
  type RoundProgress,
} from '../../domain/inspection/rectification-service';
import { formatDateCn, toShanghaiDate } from '../../shared/shanghai-time';
import { remainingText } from '../../jobs/reminder-messages';
import type { Command, CommandInput } from '../commands/command';
import type { FlowEngine } from '../flow/flow-engine';
import type { StoredAnswer } from '../flow/session-store';
import { parseDate } from '../input/parse-date';
import { parseTime } from '../input/parse-time';
import { liaisonUnitIds, type RectificationChatDeps } from './rectification-flow-services';
import { findingHeadline } from './rectification-notices';
import { acceptRectification, refusalText, returnRectification } from './rectification-review';

/** Replies stay within one app text message (2048 bytes) with room for the closing line. */
const REPLY_BUDGET_BYTES = 1800;

const STATUS_LABEL: Record<FindingRow['status'], string> = {
  passed: '合格',
  open: '未报送',
  submitted: '已报送，待审核',
  returned: '已退回，待重新报送',
  accepted: '已通过',
};

/** 下发整改 [轮次] [截止日期 [时间]]: what the line says is filled in; the flow asks the rest and shows the preview. */
export function dispatchCommand(engine: () => FlowEngine): Command {
  return {
    names: ['下发整改', '整改下发'],
    summary: '把检查发现的问题下发给各单位并设置整改截止（下发整改 2026年第三季度 10月23日）',
    audience: 'admin',
    async run({ message, person, args, context }) {
      const today = toShanghaiDate(context.now);
      const tokens = args.split(/\s+/).filter(Boolean);
      let dueDate: string | null = null;
      let dueTime: string | null = null;
      if (tokens.length >= 2 && parseTime(tokens[tokens.length - 1]).ok && parseDate(tokens[tokens.length - 2], today).ok) {
        dueTime = (parseTime(tokens.pop() as string) as { value: string }).value;
      }
      if (tokens.length >= 1) {
        const date = parseDate(tokens[tokens.length - 1], today, { notBefore: today });
        if (date.ok) {
          dueDate = date.value;
          tokens.pop();
        } else if (parseDate(tokens[tokens.length - 1], today).ok) {
          context.reply(`${date.problem}。例如：下发整改 2026年第三季度 ${date.example}`);
          return;
        }
      }
      const rounds = await listRounds(context.manager);
      if (rounds.length === 0) {
        context.reply('还没有检查轮次。请先导入检查结果，再下发整改。');
        return;
      }
      const { round, candidates } = await findRound(context.manager, tokens.join(' '));
      if (!round) {
        const list = (candidates.length ? candidates : rounds).slice(0, 6).map((r) => `· ${r.title}`);
        context.reply(`${candidates.length ? '有多个检查轮次符合' : `没有找到检查轮次“${tokens.join(' ')}”`}，请写明轮次名称，例如“下发整改 ${rounds[0].title} 10月23日”：\n${list.join('\n')}`);
        return;
      }
      const plan = await planDispatch(context.manager, round.id);
      if (plan.units.length === 0) {
        const waiting = plan.unreachable.map((u) => `${u.unit.name}（${u.findings.length}项）`).join('、');
        context.reply(
          `${round.title}没有可以下发的问题${plan.alreadyDispatched ? `（已下发${plan.alreadyDispatched}项）` : ''}。` +
            (waiting ? `以下单位仍没有可联系的联络员（未登记企业微信账号），问题保留待下发：${waiting}。` : '') +
            `发送“整改进度 ${round.title}”查看整改情况。`,
        );
        return;
      }
      const prefill: Record<string, StoredAnswer> = { round: { value: String(round.id), display: round.title, raw: round.title } };
      if (!plan.deadline && dueDate) {
        prefill['due-date'] = { value: dueDate, display: formatDateCn(dueDate), raw: dueDate };
        prefill['due-time'] = dueTime
          ? { value: dueTime, display: dueTime, raw: dueTime }
          : { value: null, display: '（当天下班前）', raw: '', skipped: true };
      }
      await engine().start('dispatch-rectification', { message, person, text: '', context }, {}, undefined, prefill);
    },
  };
}

/** 整改 [编号]: report the 整改情况 of one of my unit's findings (a flow; the number preselects the finding). */
export function rectifyCommand(engine: () => FlowEngine, deps: RectificationChatDeps): Command {
  return {
    names: ['整改', '报送整改', '整改报送'],
    summary: '报送本单位检查问题的整改情况（整改 或 整改 编号）',
    audience: 'liaison',
    async run({ message, person, args, context }) {
      const units = liaisonUnitIds(person);
      if (units.length === 0) {
        context.reply('只有单位联络员可以报送整改情况。');
        return;
      }
      const open = await findingsToRectify(context.manager, units);
      const wanted = /^(?:编号)?\s*(\d{1,9})$/.exec(args.trim());
      if (args.trim() && !wanted) {
        context.reply('请回复“整改”按提示选择问题，或“整改 编号”（编号见整改通知）。');
        return;
      }
      if (wanted) {
        const id = Number(wanted[1]);
        const finding = open.find((f) => f.id === id);
        if (!finding) {
          const other = await findFinding(context.manager, id);
          context.reply(
            other && units.includes(other.unitId) && other.dispatchedAt
              ? `编号 ${id}（${findingAccountLabel(other)}）${other.status === 'submitted' ? '的整改情况已报送，正在等待审核' : other.status === 'accepted' ? '的整改情况已审核通过' : '无需整改'}。发送“我的整改”查看本单位全部问题。`
              : `本单位没有编号为 ${id} 的待整改问题。发送“我的整改”查看本单位的问题和编号。`,
          );
          return;
        }
        await startRectify(engine, { message, person, context }, finding, deps);
        return;
      }
      if (open.length === 0) {
        context.reply('本单位目前没有需要报送整改情况的问题。发送“我的整改”查看已报送问题的审核情况。');
        return;
      }
      if (open.length === 1) {
        await startRectify(engine, { message, person, context }, open[0], deps);
        return;
      }
      await engine().start('rectify', { message, person, text: '', context }, {}, undefined);
    },
  };
}

async function startRectify(
  engine: () => FlowEngine,
  turn: Pick<CommandInput, 'message' | 'person' | 'context'>,
  finding: FindingRow,
  deps: RectificationChatDeps,
): Promise<void> {
  const label = `${findingAccountLabel(finding)}：${findingProblemsText(finding, deps.vocabulary)}〔编号 ${finding.id}〕`;
  await engine().start('rectify', { ...turn, text: '' }, {}, undefined, { finding: { value: String(finding.id), display: label, raw: String(finding.id) } });
}

/** 整改通过 <编号>: accept the latest report on a finding, the same as the card's button. */
export function acceptCommand(deps: RectificationChatDeps): Command {
  return {
    names: ['整改通过'],
    summary: '审核通过一项整改情况（整改通过 编号）',
    audience: 'admin',
    async run(input) {
      const id = findingNumber(input, '整改通过');
      if (id === null) return;
      const { context } = input;
      const result = await acceptRectification(reviewInput(input), { findingId: id }, deps);
      context.reply(result.reply);
    },
  };
}

/** 整改退回 <编号> [理由]: return a report; without a reason, the bot asks for it. */
export function returnCommand(engine: () => FlowEngine, deps: RectificationChatDeps): Command {
  return {
    names: ['整改退回'],
    summary: '退回一项整改情况并说明理由（整改退回 编号 理由）',
    audience: 'admin',
    async run(input) {
      const id = findingNumber(input, '整改退回');
      if (id === null) return;
      const { context } = input;
      const reason = input.args.trim().split(/\s+/).slice(1).join(' ').trim();
      if ([...reason].length >= 2) {
        const result = await returnRectification(reviewInput(input), { findingId: id }, reason, deps);
        context.reply(result.reply);
        return;
      }
      // no reason: a report decided already, or none to decide, is said at once; otherwise the reason is asked
      const probe = await reviewRectification(context.manager, {
        findingId: id,
        decision: 'return',
        note: '',
        reviewer: { userId: input.person.userId, name: input.person.name },
        now: context.now,
      });
      if (probe.ok || probe.code !== 'reason-required' || !probe.rectification) {
        context.reply(probe.ok ? '已处理。' : refusalText(probe));
        return;
      }
      await engine().start('return-rectification', { message: input.message, person: input.person, text: '', context }, { rectificationId: probe.rectification.id }, undefined);
    },
  };
}

function reviewInput(input: CommandInput) {
  const { context, person } = input;
  return { manager: context.manager, person, now: context.now, send: (item: Parameters<typeof context.send>[0]) => context.send(item) };
}

function findingNumber(input: CommandInput, verb: string): number | null {
  const first = input.args.trim().split(/\s+/)[0] ?? '';
  const match = /^(?:编号)?(\d{1,9})$/.exec(first);
  if (!match) {
    input.context.reply(`请在“${verb}”后写上问题编号，例如“${verb} 12${verb === '整改退回' ? ' 请补充整改截图' : ''}”。编号见整改审核卡片，或发送“整改进度”查看。`);
    return null;
  }
  return Number(match[1]);
}

/** 整改进度 [轮次] (admins: per unit) / 我的整改 (liaisons: their unit's findings). */
export function progressCommand(rules: DeadlineRules, deps: RectificationChatDeps): Command {
  return {
    names: ['整改进度', '我的整改', '整改情况'],
    summary: '查看检查问题的整改进度（管理员：各单位；联络员：本单位）',
    audience: 'everyone',
    async run({ message, person, args, context }) {
      const mine = person.memberships.map((m) => m.unit.id);
      const own = /^\s*我的整改/.test(message.text ?? '');
      if (person.isAdmin && !own) {
        const rounds = await listRounds(context.manager);
        if (rounds.length === 0) {
          context.reply('还没有检查轮次。');
          return;
        }
        const { round } = await findRound(context.manager, args);
        if (!round) {
          context.reply(`没有找到检查轮次“${args}”。现有轮次：${rounds.slice(0, 6).map((r) => r.title).join('、')}`);
          return;
        }
        const progress = await roundProgress(context.manager, round.id, context.now);
        context.reply(adminProgressText(progress, rules, context.now));
        return;
      }
      if (mine.length === 0) {
        context.reply('您目前不是任何单位的联络员或负责人，没有需要整改的问题。');
        return;
      }
      const rounds = (await roundsOfUnits(context.manager, mine)).slice(0, 2);
      if (rounds.length === 0) {
        context.reply('本单位目前没有检查发现的问题需要整改。');
        return;
      }
      const parts: string[] = [];
      for (const round of rounds) parts.push(await unitProgressText(context.manager, round, mine, rules, context.now, deps));
      parts.push('回复“整改”报送整改情况，或“整改 编号”直接选择该项。');
      context.reply(clipBytes(parts.join('\n'), REPLY_BUDGET_BYTES + 200));
    },
  };
}

/** The admin's view: per unit what is missing, the most missing first, with the deadline. */
export function adminProgressText(progress: RoundProgress, rules: DeadlineRules, now: Date): string {
  const { round, deadline, units } = progress;
  const total = (key: 'failing' | 'submitted' | 'accepted' | 'returned' | 'open' | 'undispatched') => units.reduce((n, u) => n + u[key], 0);
  const head = [
    `【整改进度】${round.title}`,
    deadline
      ? `整改截止：${rectificationDueText(deadline)}（${remainingText(workdaysLeft(rules.calendar, deadline, now), now >= deadline.dueAt)}）`
      : '整改截止：尚未下发（发送“下发整改”）',
    `共${units.length}个单位、${total('failing')}项问题：已通过${total('accepted')}，待审核${total('submitted')}，退回${total('returned')}，未报送${total('open')}${total('undispatched') ? `（其中未下发${total('undispatched')}）` : ''}。`,
  ];
  const lines = units.map((u) => {
    const parts = [`问题${u.failing}项`];
    if (u.open) parts.push(`未报送${u.open}`);
    if (u.returned) parts.push(`退回待重报${u.returned}`);
    if (u.submitted) parts.push(`待审核${u.submitted}`);
    if (u.accepted) parts.push(`已通过${u.accepted}`);
    if (u.undispatched) parts.push(`未下发${u.undispatched}`);
    const state = u.missing === 0 && u.submitted === 0 ? '（已完成）' : u.overdue ? '【已逾期】' : '';
    return `· ${u.unit.shortName || u.unit.name}：${parts.join('，')}${state}`;
  });
  return fitLines(head, lines, '回复“整改通过 编号”或“整改退回 编号 理由”审核；发送“整改进度 轮次”查看其他轮次。');
}

async function unitProgressText(
  manager: CommandInput['context']['manager'],
  round: InspectionRoundRow,
  unitIds: number[],
  rules: DeadlineRules,
  now: Date,
  deps: RectificationChatDeps,
): Promise<string> {
  const progress = await roundProgress(manager, round.id, now, unitIds);
  const { deadline } = progress;
  const findings = progress.units.flatMap((u) => u.findings.filter((f) => f.dispatchedAt));
  const reports = await currentRectifications(manager, findings.map((f) => f.id));
  const lines = [
    `${round.title}检查问题整改情况${deadline ? `（截止 ${rectificationDueText(deadline)}，${remainingText(workdaysLeft(rules.calendar, deadline, now), now >= deadline.dueAt)}）` : ''}：`,
  ];
  for (const f of findings) {
    const report = reports.get(f.id);
    const why = f.status === 'returned' && report?.reviewNote ? `（退回理由：${report.reviewNote}）` : '';
    lines.push(`· ${findingHeadline(f)}${findingFlags(f)}：${findingProblemsText(f, deps.vocabulary)} — ${STATUS_LABEL[f.status]}${why}`);
  }
  return lines.join('\n');
}

/** Head lines, then as many lines as fit in one message, then the closing line. */
function fitLines(head: string[], lines: string[], closing: string): string {
  const out = [...head];
  let size = Buffer.byteLength(out.join('\n'), 'utf8') + Buffer.byteLength(closing, 'utf8') + 60;
  let shown = 0;
  for (const line of lines) {
    const add = Buffer.byteLength(line, 'utf8') + 1;
    if (size + add > REPLY_BUDGET_BYTES) break;
    out.push(line);
    size += add;
    shown += 1;
  }
  if (shown < lines.length) out.push(`……另有${lines.length - shown}个单位（均已列出缺项最多的单位）。`);
  out.push(closing);
  return out.join('\n');
}
