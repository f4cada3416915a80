import { parseArgs } from 'node:util';
import type { DataSource } from 'typeorm';
import { workdaysLeft, type DeadlineRules } from '../domain/deadlines/deadline-service';
import type { ProblemVocabulary } from '../domain/inspection/problem-vocabulary';
import { dispatchRound, DispatchError, findRound, planDispatch, type DispatchPlan } from '../domain/inspection/rectification-dispatch';
import { rectificationDueText } from '../domain/inspection/rectification-messages';
import { roundProgress } from '../domain/inspection/rectification-service';
import { parseDate } from '../chat/input/parse-date';
import { parseTime } from '../chat/input/parse-time';
import type { Clock } from '../shared/clock';
import { toShanghaiDate } from '../shared/shanghai-time';
import { CliError } from './cli-context';

export const INSPECTION_USAGE = `Usage:
  npm run cli -- inspection dispatch --round <轮次> --due <日期> [--time <HH:mm>] [--yes]
      send the round's failures to the units' liaisons (veto and repeat findings copied to the leader) and set the
      rectification deadline; without --yes only the preview is printed. --due as offices write it (2026-10-23,
      10月23日); without --time the deadline ends with the office day. Dispatching again sends only what was not sent
      yet and keeps the deadline (--due is then not needed).
  npm run cli -- inspection progress [--round <轮次>]
      per unit: failing findings, reported, accepted, returned, still open, overdue (default: the newest round)`;

export interface InspectionCommandParams {
  actor: string;
  clock: Clock;
  rules: DeadlineRules;
  vocabulary: () => ProblemVocabulary;
  outboxMaxAttempts: number;
  print?: (text: string) => void;
}

/** `inspection dispatch|progress`: the chat's 下发整改 and 整改进度. The CLI writes to the outbox; the running bot sends. */
export async function inspectionCommand(dataSource: DataSource, args: string[], params: InspectionCommandParams): Promise<number> {
  const print = params.print ?? ((text: string) => console.log(text));
  const [sub, ...rest] = args;
  const now = params.clock.now();
  const today = toShanghaiDate(now);
  switch (sub) {
    case 'dispatch': {
      const { values } = parse(rest, { round: { type: 'string' }, due: { type: 'string' }, time: { type: 'string' }, yes: { type: 'boolean' } });
      const round = await roundNamed(dataSource, values.round as string | undefined);
      let dueOn: string | null = null;
      let dueTime: string | null = null;
      if (typeof values.due === 'string') {
        const date = parseDate(values.due, today, { notBefore: today });
        if (!date.ok) throw new CliError(`--due: ${date.problem} (e.g. ${date.example})`, 2);
        dueOn = date.value;
      }
      if (typeof values.time === 'string') {
        const time = parseTime(values.time);
        if (!time.ok) throw new CliError(`--time: ${time.problem} (e.g. 15:00)`, 2);
        dueTime = time.value;
      }
      const plan = await planDispatch(dataSource.manager, round.id);
      if (!plan.deadline && !dueOn) throw new CliError(`The first dispatch of ${round.title} needs --due <date>.\n\n${INSPECTION_USAGE}`, 2);
      printPlan(plan, print);
      if (plan.units.length === 0) {
        print('Nothing to send (没有可以下发的问题).');
        return 0;
      }
      if (!values.yes) {
        print('Preview only: add --yes to send.');
        return 0;
      }
      try {
        const result = await dataSource.transaction((manager) =>
          dispatchRound(manager, { roundId: round.id, dueOn, dueTime, actor: params.actor, now }, { rules: params.rules, vocabulary: params.vocabulary(), outboxMaxAttempts: params.outboxMaxAttempts }),
        );
        print(
          `Dispatched ${result.findingsSent} findings to ${result.plan.units.length} units (${result.messages} messages); ` +
            `deadline #${result.deadline.id} ${result.deadlineCreated ? 'set' : 'kept'}: ${rectificationDueText(result.deadline)}.`,
        );
        if (result.plan.unreachable.length) print(`NOT SENT (no liaison with a WeCom account): ${result.plan.unreachable.map((u) => u.unit.name).join(', ')}`);
        return 0;
      } catch (error) {
        if (error instanceof DispatchError) throw new CliError(`Not dispatched: ${error.message}.`);
        throw error;
      }
    }
    case 'progress': {
      const { values } = parse(rest, { round: { type: 'string' } });
      const round = await roundNamed(dataSource, values.round as string | undefined);
      const progress = await roundProgress(dataSource.manager, round.id, now);
      const { deadline } = progress;
      print(
        `${round.title}\t${deadline ? `截止 ${rectificationDueText(deadline)} (${workdaysLeft(params.rules.calendar, deadline, now)} working days left)` : 'not dispatched yet'}`,
      );
      print('unit\tfailing\tsubmitted\taccepted\treturned\topen\tundispatched\toverdue');
      for (const u of progress.units) {
        print([u.unit.name, u.failing, u.submitted, u.accepted, u.returned, u.open, u.undispatched, u.overdue ? 'overdue' : ''].join('\t'));
      }
      return 0;
    }
    default:
      throw new CliError(`${sub ? `Unknown inspection command "${sub}".` : 'What should inspection do?'}\n\n${INSPECTION_USAGE}`, 2);
  }
}

function parse(args: string[], options: NonNullable<NonNullable<Parameters<typeof parseArgs>[0]>['options']>): { values: Record<string, string | boolean | undefined> } {
  try {
    return parseArgs({ args, options, allowPositionals: false }) as { values: Record<string, string | boolean | undefined> };
  } catch (error) {
    throw new CliError(`${(error as Error).message}\n\n${INSPECTION_USAGE}`, 2);
  }
}

async function roundNamed(dataSource: DataSource, words: string | undefined) {
  const { round, candidates } = await findRound(dataSource.manager, words ?? '');
  if (round) return round;
  if (candidates.length > 1) throw new CliError(`"${words}" matches several rounds: ${candidates.map((r) => r.title).join(', ')}`, 2);
  throw new CliError(words ? `No inspection round "${words}".` : 'No inspection round yet: import an inspection table first.', 2);
}

function printPlan(plan: DispatchPlan, print: (text: string) => void): void {
  print(`Round ${plan.round.title}: ${plan.alreadyDispatched} findings sent earlier${plan.deadline ? `; deadline #${plan.deadline.id} ${rectificationDueText(plan.deadline)}` : ''}`);
  for (const u of plan.units) {
    print(`  ${u.unit.name}\t${u.findings.length} findings\tto ${u.liaisons.map((l) => l.name).join(', ')}${u.leaders.length ? `\tcopy to ${u.leaders.map((l) => l.name).join(', ')}` : ''}`);
  }
  for (const u of plan.unreachable) print(`  ${u.unit.name}\t${u.findings.length} findings\tNO LIAISON WITH A WECOM ACCOUNT: kept for a later dispatch`);
}
