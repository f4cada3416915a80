import { parseArgs } from 'node:util';
import type { DataSource } from 'typeorm';
import { DEADLINE_KINDS, type DeadlineKind } from '../domain/deadlines/deadline-entities';
import {
  cancelDeadline,
  createDeadline,
  DeadlineError,
  findDeadline,
  findTarget,
  listOpenDeadlines,
  markTargetMet,
  type DeadlineRules,
} from '../domain/deadlines/deadline-service';
import { describeAudience, matchUnitNames, splitUnitNames, unitMatchProblemsEn } from '../domain/roster/audience';
import { parseDate } from '../chat/input/parse-date';
import { parseTime } from '../chat/input/parse-time';
import { dueText } from '../jobs/reminder-messages';
import type { Clock } from '../shared/clock';
import { toShanghaiDate } from '../shared/shanghai-time';
import { parseAudience } from './bulletin-command';
import { CliError } from './cli-context';

export const DEADLINE_USAGE = `Usage:
  npm run cli -- deadline create --title <事项> --due <日期> [--time <HH:mm>] --audience all|open-findings|units:<单位>,<单位>…
                                 [--deliverable <报送内容>] [--kind ${DEADLINE_KINDS.filter((k) => !k.startsWith('filing')).join('|')}]
      --due as offices write it (2026-03-17, 3月17日, 2026年3月17日); without --time the deadline ends with the office day
  npm run cli -- deadline list                        open deadlines and the units still missing
  npm run cli -- deadline mark <编号> <单位>[,<单位>…]  the deliverable of these units came in
  npm run cli -- deadline cancel <编号>                withdraw a deadline; nothing more is reminded`;

export interface DeadlineCommandParams {
  actor: string;
  clock: Clock;
  rules: DeadlineRules;
  print?: (text: string) => void;
}

/** `deadline create|list|mark|cancel`: the same deadlines as the chat's 截止 / 截止事项 / 已报送 / 撤销截止. */
export async function deadlineCommand(dataSource: DataSource, args: string[], params: DeadlineCommandParams): Promise<number> {
  const print = params.print ?? ((text: string) => console.log(text));
  const [sub, ...rest] = args;
  const now = params.clock.now();
  switch (sub) {
    case 'create':
      return create(dataSource, rest, params, print);
    case 'list': {
      const list = await listOpenDeadlines(dataSource.manager);
      if (list.length === 0) print('No open deadlines (没有进行中的截止事项).');
      for (const { deadline, total, met, missing } of list) {
        print(`#${deadline.id}\t${deadline.title}\t截止 ${dueText(deadline)}\t已报送 ${met}/${total}${missing.length ? `\t未报送：${missing.map((u) => u.name).join('、')}` : ''}`);
      }
      return 0;
    }
    case 'mark': {
      const [idText, ...names] = rest;
      const id = idText && /^\d{1,9}$/.test(idText) ? Number(idText) : null;
      if (id === null || names.length === 0) throw new CliError(`Usage: npm run cli -- deadline mark <编号> <单位>\n\n${DEADLINE_USAGE}`, 2);
      const deadline = await findDeadline(dataSource.manager, id);
      if (!deadline) throw new CliError(`No deadline #${id} (没有编号为 ${id} 的截止事项); \`npm run cli -- deadline list\` shows them.`);
      const match = await matchUnitNames(dataSource.manager, splitUnitNames(names.join(',')));
      const problems = unitMatchProblemsEn(match);
      if (problems.length) throw new CliError(`${problems.join('; ')}.`, 2);
      for (const unit of match.found) {
        const done = await dataSource.transaction(async (manager) =>
          (await findTarget(manager, id, unit.id)) ? markTargetMet(manager, { deadlineId: id, unitId: unit.id, by: params.actor, now }) : null,
        );
        print(done === null ? `${unit.name}: not addressed by #${id}` : done ? `${unit.name}: marked delivered` : `${unit.name}: was already delivered`);
      }
      return 0;
    }
    case 'cancel': {
      const id = rest.length === 1 && /^\d{1,9}$/.test(rest[0]) ? Number(rest[0]) : null;
      if (id === null) throw new CliError(`Usage: npm run cli -- deadline cancel <编号>\n\n${DEADLINE_USAGE}`, 2);
      const done = await dataSource.transaction((manager) => cancelDeadline(manager, id, now));
      if (!done) throw new CliError(`Deadline #${id} does not exist or is not open.`);
      print(`Deadline #${id} withdrawn; nothing more is reminded.`);
      return 0;
    }
    default:
      throw new CliError(`${sub ? `Unknown deadline command "${sub}".` : 'What should deadline do?'}\n\n${DEADLINE_USAGE}`, 2);
  }
}

async function create(dataSource: DataSource, args: string[], params: DeadlineCommandParams, print: (text: string) => void): Promise<number> {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        title: { type: 'string' },
        due: { type: 'string' },
        time: { type: 'string' },
        audience: { type: 'string' },
        deliverable: { type: 'string' },
        kind: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }) as { values: Record<string, string | undefined> });
  } catch (error) {
    throw new CliError(`${(error as Error).message}\n\n${DEADLINE_USAGE}`, 2);
  }
  const now = params.clock.now();
  const problems: string[] = [];
  if (!values.title?.trim()) problems.push('--title is required (e.g. --title 报送政务新媒体检查结果信息表)');
  if (!values.audience) problems.push('--audience is required (all, open-findings, or units:区发改局,区教体局)');
  let dueOn: string | undefined;
  if (!values.due) problems.push('--due is required (e.g. --due 2026-03-17)');
  else {
    const parsed = parseDate(values.due, toShanghaiDate(now), { notBefore: toShanghaiDate(now) });
    if (parsed.ok) dueOn = parsed.value;
    else problems.push(`--due: ${parsed.problem} (e.g. ${parsed.example})`);
  }
  let dueTime: string | null = null;
  if (values.time) {
    const parsed = parseTime(values.time);
    if (parsed.ok) dueTime = parsed.value;
    else problems.push(`--time: ${parsed.problem} (e.g. 15:00)`);
  }
  const kind = (values.kind ?? 'custom') as DeadlineKind;
  if (!DEADLINE_KINDS.includes(kind) || kind.startsWith('filing')) {
    problems.push(`--kind must be one of ${DEADLINE_KINDS.filter((k) => !k.startsWith('filing')).join(', ')} (filing deadlines are opened by the bot)`);
  }
  if (problems.length) throw new CliError(`${problems.join('\n')}\n\n${DEADLINE_USAGE}`, 2);
  const audience = await parseAudience(dataSource, values.audience as string);
  try {
    const { deadline, units, planned } = await dataSource.transaction((manager) =>
      createDeadline(
        manager,
        {
          kind,
          title: values.title as string,
          deliverable: values.deliverable ?? null,
          dueOn: dueOn as string,
          dueTime,
          audience,
          sourceText: `cli: ${args.join(' ')}`,
          createdBy: params.actor,
        },
        params.rules,
        now,
      ),
    );
    print(`Deadline #${deadline.id} set: ${deadline.title}, 截止 ${dueText(deadline)}, ${describeAudience(audience, units)}; ${planned} reminders planned.`);
    if (deadline.offDay) print('Note: the due date is not a working day (kept as given, not moved).');
    if (deadline.provisional) print('Note: the holiday calendar has no data for that year; working-day reminders are provisional (add the schedule to the holiday override file).');
    return 0;
  } catch (error) {
    if (error instanceof DeadlineError) throw new CliError(`Not set: ${error.message}.`, 1);
    throw error;
  }
}
