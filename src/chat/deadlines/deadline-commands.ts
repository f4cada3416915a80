import {
  cancelDeadline,
  findDeadline,
  findTarget,
  listOpenDeadlines,
  markTargetMet,
  workdaysLeft,
  type DeadlineRules,
  type DeadlineStatus,
} from '../../domain/deadlines/deadline-service';
import { matchUnitNames, splitUnitNames, unitMatchProblems } from '../../domain/roster/audience';
import { formatDateCn, toShanghaiDate } from '../../shared/shanghai-time';
import { dueText, isFilingKind, remainingText } from '../../jobs/reminder-messages';
import type { StoredAnswer } from '../flow/session-store';
import type { FlowEngine } from '../flow/flow-engine';
import { parseDeadlineLine } from '../input/parse-deadline-line';
import type { Command, CommandInput } from '../commands/command';

const AUDIENCE_LABELS = { all: '全部单位', units: '指定单位', openFindings: '有待整改问题的单位' } as const;
const SHOWN_DEADLINES = 10;
const SHOWN_UNITS = 12;

/** 截止 [一句话]: set a deadline; what the line says is filled in, the flow asks the rest and shows the summary. */
export function setDeadlineCommand(engine: () => FlowEngine): Command {
  return {
    names: ['截止'],
    summary: '设置截止事项（截止 3月17日 15:00 报送检查结果信息表 全部单位）',
    audience: 'admin',
    async run({ message, person, args, context }) {
      const turn = { message, person, text: '', context };
      if (!args) {
        await engine().start('set-deadline', turn, {}, undefined);
        return;
      }
      const parsed = parseDeadlineLine(args, toShanghaiDate(context.now));
      if (!parsed.ok) {
        context.reply(`${parsed.problem}。例如：${parsed.example}。也可以只发送“截止”，按提示逐项填写。`);
        return;
      }
      const line = parsed.value;
      const prefill: Record<string, StoredAnswer> = {
        title: { value: line.title, display: line.title, raw: line.title },
        'due-date': { value: line.dueDate, display: formatDateCn(line.dueDate), raw: line.dueDate },
        // the line names no materials; the summary lets the admin add them by number
        deliverable: { value: null, display: '（未填写）', raw: '', skipped: true },
      };
      if (line.dueTime) prefill['due-time'] = { value: line.dueTime, display: line.dueTime, raw: line.dueTime };
      if (line.audience) {
        prefill.audience = { value: line.audience.kind, display: AUDIENCE_LABELS[line.audience.kind], raw: line.audience.kind };
        if (line.audience.kind === 'units') {
          const names = line.audience.names.join('、');
          prefill.units = { value: names, display: names, raw: names };
        }
      }
      await engine().start('set-deadline', turn, { sourceText: `截止 ${args}`.slice(0, 500) }, undefined, prefill);
    },
  };
}

/** 截止事项: admins see every open deadline with the units still missing; liaisons see their units' own. */
export function openDeadlinesCommand(rules: DeadlineRules): Command {
  return {
    names: ['截止事项', '待办事项', '报送情况'],
    summary: '查看未截止或逾期的事项及报送情况',
    audience: 'everyone',
    async run({ person, context }) {
      const mine = person.memberships.map((m) => m.unit.id);
      if (!person.isAdmin && mine.length === 0) {
        context.reply('您目前不是任何单位的联络员或负责人，没有需要报送的事项。');
        return;
      }
      const list = await listOpenDeadlines(context.manager, person.isAdmin ? {} : { unitIds: mine });
      if (list.length === 0) {
        context.reply(person.isAdmin ? '目前没有进行中的截止事项。发送“截止”设置新的事项。' : '本单位目前没有待报送的事项。');
        return;
      }
      const lines = [person.isAdmin ? `进行中的截止事项（${list.length}项）：` : '本单位的待办事项：'];
      for (const status of list.slice(0, SHOWN_DEADLINES)) {
        lines.push(person.isAdmin ? adminLine(status, rules, context.now) : liaisonLine(status, mine, rules, context.now));
      }
      if (list.length > SHOWN_DEADLINES) lines.push(`……另有${list.length - SHOWN_DEADLINES}项。`);
      lines.push(person.isAdmin ? '代单位标记已报送：已报送 编号 单位名；撤销：撤销截止 编号。' : '完成后回复“已报送 编号”。');
      context.reply(lines.join('\n'));
    },
  };
}

function adminLine({ deadline, total, met, missing }: DeadlineStatus, rules: DeadlineRules, now: Date): string {
  const overdue = now >= deadline.dueAt;
  const names = missing.slice(0, SHOWN_UNITS).map((u) => u.shortName || u.name);
  const more = missing.length > SHOWN_UNITS ? `等${missing.length}个` : '';
  return (
    `· 编号 ${deadline.id} ${deadline.title}：截止 ${dueText(deadline)}（${remainingText(workdaysLeft(rules.calendar, deadline, now), overdue)}），` +
    `已报送 ${met}/${total}${missing.length ? `；未报送：${names.join('、')}${more}` : ''}`
  );
}

function liaisonLine({ deadline, missing }: DeadlineStatus, mine: number[], rules: DeadlineRules, now: Date): string {
  const owed = missing.filter((u) => mine.includes(u.id));
  const overdue = now >= deadline.dueAt;
  const state = owed.length ? remainingText(workdaysLeft(rules.calendar, deadline, now), overdue) : '已报送';
  return `· 编号 ${deadline.id} ${deadline.title}：截止 ${dueText(deadline)}，${state}${isFilingKind(deadline.kind) && owed.length ? '（请重新提交备案）' : ''}`;
}

/** 已报送 [编号] [单位]: the deliverable came in. A liaison marks their own unit; an admin names the unit. */
export const deliveredCommand: Command = {
  names: ['已报送', '已提交', '已完成'],
  summary: '报告截止事项已完成（已报送 编号）',
  audience: 'everyone',
  async run(input) {
    const { person, args, context } = input;
    const [first = '', ...rest] = args.split(/\s+/).filter(Boolean);
    const id = /^\d+$/.test(first) ? Number(first) : null;
    const unitWords = id === null ? args : rest.join(' ');
    if (person.isAdmin && unitWords) {
      await markForUnit(input, id, unitWords);
      return;
    }
    const mine = person.memberships.filter((m) => m.role === 'liaison').map((m) => m.unit);
    if (mine.length === 0) {
      context.reply(person.isAdmin ? '请写明编号和单位，例如“已报送 12 区发改局”。' : '只有单位联络员可以报告本单位已报送。');
      return;
    }
    const open = (await listOpenDeadlines(context.manager, { unitIds: mine.map((u) => u.id) })).filter(
      (s) => !isFilingKind(s.deadline.kind) && s.deadline.kind !== 'rectification' && s.missing.some((u) => mine.some((m) => m.id === u.id)),
    );
    const chosen = id === null ? (open.length === 1 ? open[0] : undefined) : open.find((s) => s.deadline.id === id);
    if (!chosen) {
      if (id !== null) {
        const deadline = await findDeadline(context.manager, id);
        if (deadline && isFilingKind(deadline.kind)) context.reply(`编号 ${id} 是被驳回的备案，请修改后重新提交备案，提交后自动视为已报送。`);
        else if (deadline?.kind === 'rectification') context.reply(`编号 ${id} 是检查问题整改，请回复“整改”逐项报送整改情况，全部报送后自动视为已报送。`);
        else context.reply(`本单位没有编号为 ${id} 的待报送事项。发送“截止事项”查看。`);
      } else if (open.length === 0) context.reply('本单位目前没有待报送的事项。');
      else context.reply(`本单位有${open.length}项待报送事项，请写明编号：\n${open.map((s) => `· 已报送 ${s.deadline.id}（${s.deadline.title}）`).join('\n')}`);
      return;
    }
    const units = chosen.missing.filter((u) => mine.some((m) => m.id === u.id));
    for (const unit of units) await markTargetMet(context.manager, { deadlineId: chosen.deadline.id, unitId: unit.id, by: person.userId, now: context.now });
    context.reply(`已记录：${units.map((u) => u.name).join('、')}已报送“${chosen.deadline.title}”（编号 ${chosen.deadline.id}）。不再就此事项提醒。`);
  },
};

async function markForUnit({ context, person }: CommandInput, id: number | null, unitWords: string): Promise<void> {
  if (id === null) {
    context.reply('请写明编号和单位，例如“已报送 12 区发改局”。发送“截止事项”查看编号。');
    return;
  }
  const deadline = await findDeadline(context.manager, id);
  if (!deadline || deadline.state === 'cancelled') {
    context.reply(`没有编号为 ${id} 的截止事项。发送“截止事项”查看。`);
    return;
  }
  const match = await matchUnitNames(context.manager, splitUnitNames(unitWords));
  const why = unitMatchProblems(match);
  if (why.length || match.found.length === 0) {
    context.reply(`${why.join('；') || '请写明单位名称'}。例如“已报送 ${id} 区发改局”。`);
    return;
  }
  const done: string[] = [];
  const notOwed: string[] = [];
  for (const unit of match.found) {
    const target = await findTarget(context.manager, id, unit.id);
    if (target && (await markTargetMet(context.manager, { deadlineId: id, unitId: unit.id, by: person.userId, now: context.now }))) done.push(unit.name);
    else notOwed.push(`${unit.name}${target ? '（此前已报送）' : '（不在该事项范围内）'}`);
  }
  context.reply(
    [done.length ? `已标记${done.join('、')}已报送“${deadline.title}”（编号 ${id}）。` : '', notOwed.length ? `未标记：${notOwed.join('、')}。` : '']
      .filter(Boolean)
      .join(''),
  );
}

/** 撤销截止 <编号>: withdraw a deadline; nothing more is reminded. */
export const cancelDeadlineCommand: Command = {
  names: ['撤销截止', '取消截止'],
  summary: '撤销一项截止事项（撤销截止 编号）',
  audience: 'admin',
  async run({ args, context }) {
    const id = /^\d+$/.test(args.trim()) ? Number(args.trim()) : null;
    if (id === null) {
      context.reply('请写明编号，例如“撤销截止 12”。发送“截止事项”查看编号。');
      return;
    }
    const deadline = await findDeadline(context.manager, id);
    if (!deadline) {
      context.reply(`没有编号为 ${id} 的截止事项。`);
      return;
    }
    if (!(await cancelDeadline(context.manager, id, context.now))) {
      context.reply(`编号 ${id}（${deadline.title}）已${deadline.state === 'cancelled' ? '撤销' : '全部报送完成'}，无需撤销。`);
      return;
    }
    context.reply(`已撤销截止事项“${deadline.title}”（编号 ${id}），不再提醒各单位。`);
  },
};
