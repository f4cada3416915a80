/**
 * npm run bench:reminders   (BENCH_UNITS=10000 by default, BENCH_DATABASES=sqlite,mysql by default)
 *
 * Plans the reminders of 5 deadlines for every filing unit (one liaison and one leader each) with the real
 * calendar and the ladders of config/reminder-ladders.json (default, selfCheckReport, rectification), walks a
 * ManualClock through the ladders running the real send job at every point (about half of the units deliver each
 * deadline, so the overdue step skips them), then dispatches the whole outbox to the fake WeCom (in a worker thread)
 * with the real OutboxDispatcher, WeComSender and WeComApiClient, on SQLite and on MySQL. Prints planning time,
 * send-job time per ladder point, dispatch throughput, duplicates and missing messages, and consistency checks.
 * Targets: planning 100,000 reminder rows in under 10 s (>= 10,000 rows/s); dispatch >= 1,000 messages/s; 0
 * duplicates; 0 missing. A missed target is printed as MISSED; the exit code stays 0 (a benchmark, not a test).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { DataSource, EntitySchema, ObjectLiteral, QueryDeepPartialEntity } from 'typeorm';
import { WorkingDayCalendar } from '../../src/domain/calendar/working-day-calendar';
import { DeadlineTargetEntity, ReminderEntity, type DeadlineKind, type DeadlineRow } from '../../src/domain/deadlines/deadline-entities';
import { createDeadline, type DeadlineRules } from '../../src/domain/deadlines/deadline-service';
import { ladderFor, loadReminderLadders, type Ladders } from '../../src/domain/deadlines/reminder-ladder';
import { ContactEntity, ContactRoleEntity, UnitEntity } from '../../src/domain/roster/roster-entities';
import { sendDueReminders, type ReminderRunCounts } from '../../src/jobs/reminder-sender';
import type { OutboundMessage } from '../../src/outbox/outbound-message';
import { OutboxDispatcher } from '../../src/outbox/outbox-dispatcher';
import { OutboxEntity } from '../../src/outbox/outbox-entity';
import { ManualClock, systemClock } from '../../src/shared/clock';
import { createLogger } from '../../src/shared/logger';
import { shanghaiInstant, toShanghaiDate } from '../../src/shared/shanghai-time';
import { WebhookClient } from '../../src/wecom/webhook-client';
import { WeComApiClient } from '../../src/wecom/wecom-api-client';
import { WeComSender } from '../../src/wecom/wecom-sender';
import { startFakeWeCom } from '../fake-wecom';
import { createTestDatabase, type TestDatabaseKind } from '../helpers/test-databases';
import { envDatabases, envWholeNumber } from './bench-env';

const ROOT = resolve(__dirname, '../..');
const CORP_ID = 'ww5c1d7e2f3a4b6c8d';
const AGENT_ID = 1000002;
const SECRET = 'bench-reminders-secret';
const OUTBOX_MAX_ATTEMPTS = 8;
const DISPATCH_BATCH_SIZE = 500;
const DISPATCH_CONCURRENCY = 32;
const CHUNK = 500;

const PLAN_TARGET_ROWS_PER_S = 10_000; // 100,000 rows in under 10 s
const DISPATCH_TARGET_PER_S = 1_000;

/**
 * The manual clock stands on dates in the past. The dispatcher runs on the real clock (the fake WeCom checks token
 * lifetimes in real time), and the outbox rows the send job writes are due at the manual clock's "now"
 * (next_attempt_at): with dates in the past they are already due for the real clock. Monday 2026-11-02, before
 * office hours; the deadlines are 3 to 7 working days ahead, so no ladder step falls before the announcement and
 * every step of every ladder is planned (which the independent expected count relies on). November 2026 has no
 * public holiday; the bench checks every date is a working day.
 */
const START = '2026-11-02T08:00:00+08:00';
const DEADLINES: Array<{ kind: DeadlineKind; dueOn: string; title: string; deliverable: string }> = [
  { kind: 'custom', dueOn: '2026-11-05', title: '报送第四季度政务新媒体自查表', deliverable: '自查表（盖章扫描件）' },
  { kind: 'selfCheckReport', dueOn: '2026-11-06', title: '政务新媒体年度自查报告', deliverable: '自查报告' },
  { kind: 'rectification', dueOn: '2026-11-09', title: '第三季度抽查问题整改', deliverable: '整改情况说明' },
  { kind: 'annualReport', dueOn: '2026-11-10', title: '政务新媒体工作年度报表', deliverable: '年度报表' },
  { kind: 'custom', dueOn: '2026-11-11', title: '更新政务新媒体账号联络人信息', deliverable: '联络人信息表' },
];



const UNITS = envWholeNumber('BENCH_UNITS', 10000, 2);
const DATABASES = envDatabases();

function officeHours(): { start: string; end: string } {
  const config = JSON.parse(readFileSync(resolve(ROOT, 'config/default.json'), 'utf8')) as { reminders?: { officeStart?: string; officeEnd?: string } };
  return { start: config.reminders?.officeStart ?? '09:00', end: config.reminders?.officeEnd ?? '17:30' };
}

function loadRules(): DeadlineRules {
  return {
    calendar: WorkingDayCalendar.fromFile(resolve(ROOT, 'config/holiday-overrides.json')),
    ladders: loadReminderLadders(resolve(ROOT, 'config/reminder-ladders.json')),
    hours: officeHours(),
  };
}

// ---- output ---------------------------------------------------------------------------------------------------

const pad = (n: number, width = 5): string => String(n).padStart(width, '0');
const num = (n: number): string => Math.round(n).toLocaleString('en-US');
const secs = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const verdict = (ok: boolean): string => (ok ? 'PASS' : 'MISSED');
const beijing = (d: Date): string => {
  const local = new Date(d.getTime() + 8 * 3600_000).toISOString();
  return `${local.slice(5, 10)} ${local.slice(11, 16)}`;
};

function table(headers: string[], rows: string[][], rightAligned: number[] = []): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string =>
    `  ${cells.map((c, i) => (rightAligned.includes(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ')}`;
  console.log(line(headers));
  console.log(`  ${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const r of rows) console.log(line(r));
}

// ---- seeding --------------------------------------------------------------------------------------------------

const liaisonId = (i: number): string => `lianluo${pad(i)}`;
const leaderId = (i: number): string => `lingdao${pad(i)}`;

/** `count` filing units, each with one liaison and one leader who are WeCom members; bulk inserts in chunks. */
async function seedUnits(dataSource: DataSource, count: number, now: Date): Promise<void> {
  await dataSource.transaction(async (manager) => {
    const insert = async <T extends ObjectLiteral>(target: EntitySchema<T>, values: QueryDeepPartialEntity<T>[]): Promise<void> => {
      for (let i = 0; i < values.length; i += CHUNK) {
        await manager.createQueryBuilder().insert().into(target).values(values.slice(i, i + CHUNK)).updateEntity(false).execute();
      }
    };
    const seq = Array.from({ length: count }, (_, k) => k + 1);
    await insert(
      UnitEntity,
      seq.map((i) => ({
        code: `BU${pad(i)}`,
        name: `东岚区第${i}号填报单位`,
        shortName: `第${i}号单位`,
        unitType: '部门',
        parentName: '东岚区人民政府',
        systemRolesRaw: '填报单位',
        isOrganizer: false,
        isFiler: true,
        remarks: null,
        createdAt: now,
        updatedAt: now,
      })),
    );
    await insert(
      ContactEntity,
      seq.flatMap((i) => [
        { name: `联络员${pad(i)}`, title: '科员', wecomUserId: liaisonId(i), mobile: null, officePhone: null, createdAt: now, updatedAt: now },
        { name: `领导${pad(i)}`, title: '副局长', wecomUserId: leaderId(i), mobile: null, officePhone: null, createdAt: now, updatedAt: now },
      ]),
    );
    const unitRows = (await manager.query('SELECT id, code FROM units')) as Array<{ id: number; code: string }>;
    const unitIds = new Map(unitRows.map((r) => [r.code, Number(r.id)]));
    const contactRows = (await manager.query('SELECT id, wecom_user_id FROM contacts')) as Array<{ id: number; wecom_user_id: string }>;
    const contactIds = new Map(contactRows.map((r) => [r.wecom_user_id, Number(r.id)]));
    const id = (map: Map<string, number>, key: string): number => {
      const value = map.get(key);
      if (value === undefined) throw new Error(`seeding: ${key} was not inserted`);
      return value;
    };
    await insert(
      ContactRoleEntity,
      seq.flatMap((i) => [
        { contactId: id(contactIds, liaisonId(i)), unitId: id(unitIds, `BU${pad(i)}`), role: 'liaison', createdAt: now },
        { contactId: id(contactIds, leaderId(i)), unitId: id(unitIds, `BU${pad(i)}`), role: 'leader', createdAt: now },
      ]),
    );
  });
}

// ---- the bench of one database ---------------------------------------------------------------------------------

interface PointResult {
  at: Date;
  due: string;
  ms: number;
  counts: ReminderRunCounts;
  marked: number;
}

interface Result {
  kind: TestDatabaseKind;
  planMs: number;
  planned: number;
  expected: number;
  stored: number;
  points: PointResult[];
  dispatched: number;
  dispatchMs: number;
  outboxRows: number;
  duplicates: number;
  missing: number;
  unexpected: number;
  absorbed: number;
  dropped: number;
  bundlesOverOnePerDay: number;
  ladderProblems: string[];
}

/** The expected number of reminder rows, from the ladder definitions alone: units × Σ over steps of its roles. */
function expectedRows(ladders: Ladders, kind: DeadlineKind, units: number): number {
  const steps = ladders[ladderFor(ladders, kind)] ?? [];
  return units * steps.reduce((n, s) => n + (s.to ?? ['liaison']).length, 0);
}

async function benchDatabase(kind: TestDatabaseKind, rules: DeadlineRules): Promise<Result> {
  const t = Date.now();
  const db = await createTestDatabase(kind); // real migrations; MySQL: a fresh database, dropped by destroy()
  let fake: FakeInWorker | undefined;
  try {
    const ds = db.dataSource;
    const clock = new ManualClock(START);
    await seedUnits(ds, UNITS, clock.now());
    console.log(`\n[${kind}] database created, migrated and seeded with ${num(UNITS)} units / ${num(2 * UNITS)} people in ${secs(Date.now() - t)}`);

    // 1. planning: all createDeadline calls, each in its own transaction as the chat flow and the CLI do
    const deadlines: DeadlineRow[] = [];
    let planned = 0;
    let expected = 0;
    const planStart = performance.now();
    for (const spec of DEADLINES) {
      const created = await ds.transaction((manager) =>
        createDeadline(
          manager,
          { kind: spec.kind, title: spec.title, deliverable: spec.deliverable, dueOn: spec.dueOn, audience: { kind: 'all' }, createdBy: 'bench' },
          rules,
          clock.now(),
        ),
      );
      deadlines.push(created.deadline);
      planned += created.planned;
      expected += expectedRows(rules.ladders, spec.kind, UNITS);
    }
    const planMs = performance.now() - planStart;
    const stored = await ds.getRepository(ReminderEntity).count();

    // 2. walk the ladder: every moment something planned falls due, at most once a minute (the job's schedule)
    const points: PointResult[] = [];
    const ladderProblems: string[] = [];
    const marked = new Set<number>();
    let previous = 0;
    for (let guard = 0; ; guard++) {
      if (guard > 200) {
        ladderProblems.push('the ladder did not finish within 200 send runs');
        break;
      }
      const next = await ds
        .getRepository(ReminderEntity)
        .createQueryBuilder('r')
        .select('MIN(r.dueAt)', 'at')
        .where('r.state = :planned', { planned: 'planned' })
        .getRawOne<{ at: string | Date | null }>();
      if (!next?.at) break;
      const at = new Date(Math.max(toDate(next.at).getTime(), previous + 60_000));
      clock.set(at);
      previous = at.getTime();
      // once a deadline has passed, about half of its units have delivered (an hour before it): the overdue step
      // must skip them. A bulk update instead of 5,000 markTargetMet calls each, which is not what is measured.
      let markedNow = 0;
      for (const d of deadlines) {
        if (marked.has(d.id) || at < d.dueAt) continue;
        marked.add(d.id);
        const metAt = new Date(d.dueAt.getTime() - 3600_000);
        const result = await ds
          .createQueryBuilder()
          .update(DeadlineTargetEntity)
          .set({ status: 'met', metAt, metBy: 'bench' })
          .where('deadline_id = :d AND status = :pending AND (unit_id + deadline_id) % 2 = 0', { d: d.id, pending: 'pending' })
          .execute();
        markedNow += result.affected ?? 0;
      }
      const dueSteps = await ds
        .getRepository(ReminderEntity)
        .createQueryBuilder('r')
        .select('r.step', 'step')
        .addSelect('COUNT(*)', 'n')
        .where('r.state = :planned AND r.dueAt <= :now', { planned: 'planned', now: at })
        .groupBy('r.step')
        .orderBy('r.step')
        .getRawMany<{ step: string; n: number | string }>();
      const started = performance.now();
      const counts = await sendDueReminders({ dataSource: ds, rules, outboxMaxAttempts: OUTBOX_MAX_ATTEMPTS }, clock.now());
      points.push({
        at,
        due: dueSteps.map((s) => `${s.step} ${num(Number(s.n))}`).join(', ') || '-',
        ms: performance.now() - started,
        counts,
        marked: markedNow,
      });
    }
    const states = await ds
      .getRepository(ReminderEntity)
      .createQueryBuilder('r')
      .select('r.state', 'state')
      .addSelect('r.note', 'note')
      .addSelect('COUNT(*)', 'n')
      .groupBy('r.state')
      .addGroupBy('r.note')
      .getRawMany<{ state: string; note: string | null; n: number | string }>();
    const left = states.filter((s) => s.state === 'planned').reduce((n, s) => n + Number(s.n), 0);
    if (left > 0) ladderProblems.push(`${num(left)} reminder rows still planned after the ladder`);
    const [orphans] = await ds.query(
      "SELECT COUNT(*) AS n FROM reminders r LEFT JOIN outbox o ON o.dedupe_key = r.batch_key WHERE r.state = 'sent' AND o.id IS NULL",
    );
    if (Number(orphans.n) > 0) ladderProblems.push(`${num(Number(orphans.n))} sent reminder rows without their outbox row`);
    const [afterMet] = await ds.query(
      'SELECT COUNT(*) AS n FROM reminders r JOIN deadline_targets t ON t.deadline_id = r.deadline_id AND t.unit_id = r.unit_id ' +
        "WHERE t.status = 'met' AND r.state = 'sent' AND r.sent_at > t.met_at",
    );
    if (Number(afterMet.n) > 0) ladderProblems.push(`${num(Number(afterMet.n))} reminders sent after the unit had delivered`);
    // one bundle per person and day, from the reminder rows themselves (not from the dedupe keys)
    const perDay = new Map<string, Set<string>>();
    for (const r of (await ds.query(
      "SELECT user_id, sent_at, batch_key FROM reminders WHERE state = 'sent' AND step <> 'announce'",
    )) as Array<{ user_id: string; sent_at: string | Date; batch_key: string }>) {
      const key = `${r.user_id}:${toShanghaiDate(toDate(r.sent_at))}`;
      const set = perDay.get(key) ?? new Set<string>();
      set.add(r.batch_key);
      perDay.set(key, set);
    }
    const rowsOverOnePerDay = [...perDay.values()].filter((s) => s.size > 1).length;
    if (rowsOverOnePerDay > 0) ladderProblems.push(`${num(rowsOverOnePerDay)} person-days whose reminders went out in more than one bundle`);
    console.log(`[${kind}] reminder rows after the ladder: ${states.map((s) => `${s.state}${s.note ? `/${s.note}` : ''} ${num(Number(s.n))}`).join(', ')}`);

    // 3. dispatch the whole outbox to the fake WeCom: real dispatcher, sender and API client on the real clock
    const users = Array.from({ length: UNITS }, (_, k) => [liaisonId(k + 1), leaderId(k + 1)]).flat();
    fake = await FakeInWorker.start(users);
    // Safety net for a machine whose clock is behind the manual dates: rows not yet due for the real clock are
    // made due now (nothing else about them changes).
    const realNow = new Date();
    const early = await ds
      .createQueryBuilder()
      .update(OutboxEntity)
      .set({ nextAttemptAt: realNow })
      .where('status = :pending AND next_attempt_at > :now', { pending: 'pending', now: realNow })
      .execute();
    if (early.affected) console.log(`[${kind}] note: ${num(early.affected)} outbox rows were not yet due for the real clock and were made due`);
    const outboxRows = await ds.getRepository(OutboxEntity).count();
    const logger = createLogger('silent');
    const api = new WeComApiClient({ apiBase: fake.baseUrl, corpId: CORP_ID, agentId: AGENT_ID, secret: SECRET, timeoutMs: 10_000, clock: systemClock, logger });
    const sender = new WeComSender({ api, webhook: new WebhookClient({ timeoutMs: 10_000 }), timeoutMs: 10_000, logger });
    const dispatcher = new OutboxDispatcher({
      dataSource: ds,
      sender,
      clock: systemClock,
      logger,
      config: { pollIntervalMs: 50, batchSize: DISPATCH_BATCH_SIZE, maxAttempts: OUTBOX_MAX_ATTEMPTS, leaseSeconds: 60, backoffBaseMs: 1000, backoffMaxMs: 60_000 },
      concurrency: DISPATCH_CONCURRENCY,
    });
    await api.getAccessToken(); // the token is not part of the throughput
    const dispatchStart = performance.now();
    let dispatched = 0;
    for (let n = await dispatcher.runOnce(); n > 0; n = await dispatcher.runOnce()) dispatched += n;
    const dispatchMs = performance.now() - dispatchStart;

    // 4. compare what the fake received with the outbox: by recipient and text, independent of ids and keys
    const traffic = await fake.traffic();
    const received = new Map<string, number>();
    for (const [user, contentHash] of traffic.deliveries) {
      const key = `${user}\n${contentHash}`;
      received.set(key, (received.get(key) ?? 0) + 1);
    }
    const expectedByKey = new Map<string, Array<{ origin: string | null; day: string }>>();
    for (let lastId = 0; ; ) {
      const rows = await ds
        .getRepository(OutboxEntity)
        .createQueryBuilder('o')
        .select(['o.id', 'o.payload', 'o.origin', 'o.createdAt'])
        .where('o.id > :lastId', { lastId })
        .orderBy('o.id', 'ASC')
        .limit(5000)
        .getMany();
      if (rows.length === 0) break;
      lastId = rows[rows.length - 1].id;
      for (const row of rows) {
        const message = JSON.parse(row.payload) as OutboundMessage;
        if (message.channel !== 'app' || message.body.msgtype !== 'text') throw new Error(`unexpected outbox message ${row.id}: ${row.payload.slice(0, 80)}`);
        for (const user of message.toUser) {
          const key = `${user.toLowerCase()}\n${contentHash(message.body.text.content)}`;
          const list = expectedByKey.get(key) ?? [];
          list.push({ origin: row.origin, day: toShanghaiDate(row.createdAt) });
          expectedByKey.set(key, list);
        }
      }
    }
    let duplicates = 0;
    let missing = 0;
    const bundlesPerDay = new Map<string, number>();
    for (const [key, list] of expectedByKey) {
      const got = received.get(key) ?? 0;
      if (got > list.length) duplicates += got - list.length;
      if (got < list.length) missing += list.length - got;
      const user = key.slice(0, key.indexOf('\n'));
      for (const item of list.slice(0, got)) {
        if (item.origin !== 'reminder') continue;
        const day = `reminders:${user}:${item.day}`;
        bundlesPerDay.set(day, (bundlesPerDay.get(day) ?? 0) + 1);
      }
    }
    const unexpected = [...received].filter(([key]) => !expectedByKey.has(key)).reduce((n, [, c]) => n + c, 0);
    return {
      kind,
      planMs,
      planned,
      expected,
      stored,
      points,
      dispatched,
      dispatchMs,
      outboxRows,
      duplicates,
      missing,
      unexpected,
      absorbed: traffic.absorbed,
      dropped: traffic.dropped,
      bundlesOverOnePerDay: [...bundlesPerDay.values()].filter((n) => n > 1).length,
      ladderProblems,
    };
  } finally {
    await fake?.close();
    await db.destroy();
  }
}

function toDate(value: string | Date): Date {
  if (value instanceof Date) return value;
  // SQLite returns "YYYY-MM-DD HH:mm:ss.SSS" in UTC, MySQL (timezone Z) a Date or the same text
  return new Date(/[zZ]|[+-]\d\d:\d\d$/.test(value) ? value : `${value.replace(' ', 'T')}Z`);
}

function report(r: Result): boolean {
  const planRate = r.planned / (r.planMs / 1000);
  const planOk = r.planned === r.expected && r.stored === r.expected;
  const planFast = planRate >= PLAN_TARGET_ROWS_PER_S;
  const dispatchRate = r.dispatched / (r.dispatchMs / 1000);
  const dispatchFast = dispatchRate >= DISPATCH_TARGET_PER_S;
  const sendMs = r.points.reduce((n, p) => n + p.ms, 0);
  const carried = r.points.reduce((n, p) => n + p.counts.sent, 0);
  const written = r.points.reduce((n, p) => n + p.counts.messages, 0);

  console.log(`\n=== ${r.kind}: ${num(UNITS)} units × ${DEADLINES.length} deadlines ===`);
  console.log('send job per ladder point (Beijing time; "due" = planned rows due at that moment, by step):');
  table(
    ['point', 'due', 'marked met', 'time', 'rows carried', 'rows/s', 'outbox rows', 'skipped', 'deferred', 'waiting'],
    r.points.map((p) => [
      beijing(p.at),
      p.due,
      p.marked ? num(p.marked) : '',
      secs(p.ms),
      num(p.counts.sent),
      p.counts.sent ? num(p.counts.sent / (p.ms / 1000)) : '-',
      num(p.counts.messages),
      num(p.counts.skipped),
      num(p.counts.deferred),
      num(p.counts.waiting),
    ]),
    [2, 3, 4, 5, 6, 7, 8, 9],
  );
  console.log(`  all points: ${secs(sendMs)}, ${num(carried)} rows carried (${num(carried / (sendMs / 1000))} rows/s), ${num(written)} outbox rows written`);
  const problems = [...r.ladderProblems];
  if (r.unexpected) problems.push(`${num(r.unexpected)} messages received that no outbox row holds`);
  if (r.bundlesOverOnePerDay) problems.push(`${num(r.bundlesOverOnePerDay)} person-days with more than one reminder bundle received`);
  if (r.dispatched !== r.outboxRows) problems.push(`dispatcher handled ${num(r.dispatched)} of ${num(r.outboxRows)} outbox rows`);
  console.log('summary:');
  table(
    ['measure', 'value', 'target', 'result'],
    [
      ['planning (5 × createDeadline)', `${num(r.planned)} rows in ${secs(r.planMs)} = ${num(planRate)} rows/s`, '100,000 rows < 10 s', verdict(planFast)],
      ['planned rows vs expected', `${num(r.planned)} returned, ${num(r.stored)} stored, ${num(r.expected)} expected`, 'equal', verdict(planOk)],
      ['send job, all points', `${secs(sendMs)} for ${num(carried)} rows, ${num(written)} outbox rows`, '-', ''],
      ['dispatch', `${num(r.dispatched)} messages in ${secs(r.dispatchMs)} = ${num(dispatchRate)} msg/s`, '>= 1,000 msg/s', verdict(dispatchFast)],
      ['duplicates', `${num(r.duplicates)} (duplicate check absorbed ${num(r.absorbed)} resends)`, '0', verdict(r.duplicates === 0)],
      ['missing', `${num(r.missing)} of ${num(r.outboxRows)} outbox rows (dropped by member limits: ${num(r.dropped)})`, '0', verdict(r.missing === 0)],
      ['bundles per person-day > 1', num(r.bundlesOverOnePerDay), '0', verdict(r.bundlesOverOnePerDay === 0)],
      ['consistency checks', problems.length ? problems.join('; ') : 'all reminders resolved, none after delivery', 'no problem', verdict(problems.length === 0)],
    ],
  );
  return planOk && planFast && dispatchFast && r.duplicates === 0 && r.missing === 0 && r.bundlesOverOnePerDay === 0 && problems.length === 0;
}

async function main(): Promise<void> {
  const rules = loadRules();
  for (const d of DEADLINES) {
    if (!rules.calendar.isWorkday(d.dueOn)) throw new Error(`bench dates: ${d.dueOn} is not a working day`);
  }
  if (!rules.calendar.isWorkday(toShanghaiDate(new Date(START))) || new Date(START) >= shanghaiInstant(toShanghaiDate(new Date(START)), rules.hours.start)) {
    throw new Error('bench dates: the start must be a working-day morning before office hours');
  }
  console.log(
    `bench:reminders: ${num(UNITS)} units × ${DEADLINES.length} deadlines on ${DATABASES.join(', ')}; ` +
      `dispatch batch ${DISPATCH_BATCH_SIZE}, concurrency ${DISPATCH_CONCURRENCY}; node ${process.version}`,
  );
  const verdicts: string[] = [];
  for (const kind of DATABASES) {
    const ok = report(await benchDatabase(kind, rules));
    verdicts.push(`${kind} ${ok ? 'PASS' : 'MISSED'}`);
  }
  console.log(`\nbench:reminders: ${verdicts.join(', ')}`);
}

// ---- the fake WeCom in a worker thread ---------------------------------------------------------------------------

interface FakeTraffic {
  /** [userid, sha1 of the text] per delivery */
  deliveries: Array<[string, string]>;
  /** resends the duplicate check answered without delivering */
  absorbed: number;
  /** deliveries dropped by the per-member limits */
  dropped: number;
}

function contentHash(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

/**
 * The fake WeCom runs in a worker thread, on its own event loop: WeCom's work is not done by the bot's process, so
 * the fake must not take the dispatcher's CPU (in the same thread it takes about a tenth of it). Same module,
 * loaded through tsx in the worker.
 */
class FakeInWorker {
  private constructor(
    private readonly worker: Worker,
    readonly baseUrl: string,
  ) {}

  static async start(users: string[]): Promise<FakeInWorker> {
    const worker = new Worker(`require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(__filename)});`, {
      eval: true,
      workerData: { role: 'fake-wecom', users },
    });
    const baseUrl = await new Promise<string>((resolveStart, reject) => {
      worker.once('message', (m: { baseUrl: string }) => resolveStart(m.baseUrl));
      worker.once('error', reject);
    });
    return new FakeInWorker(worker, baseUrl);
  }

  traffic(): Promise<FakeTraffic> {
    return new Promise((resolveTraffic, reject) => {
      this.worker.once('message', (m: FakeTraffic) => resolveTraffic(m));
      this.worker.once('error', reject);
      this.worker.postMessage('traffic');
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

async function fakeWorker(users: string[]): Promise<void> {
  const fake = await startFakeWeCom({
    corps: [{ corpId: CORP_ID, agents: [{ agentId: AGENT_ID, secret: SECRET }] }],
    users,
    // WeCom drops more than 30 messages a minute / 1000 an hour from one app to one member; the bench sends a
    // person a handful of messages within seconds, which the real bot spreads over days
    memberPerMinute: 1_000_000_000,
    memberPerHour: 1_000_000_000,
  });
  parentPort?.on('message', (request: string) => {
    if (request !== 'traffic') return;
    const deliveries: Array<[string, string]> = [];
    for (const m of fake.appMessages()) for (const user of m.deliveredTo) deliveries.push([user, contentHash(m.content ?? '')]);
    parentPort?.postMessage({ deliveries, absorbed: fake.duplicates().length, dropped: fake.dropped().length } satisfies FakeTraffic);
  });
  parentPort?.postMessage({ baseUrl: fake.baseUrl });
}

if (isMainThread) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
} else if ((workerData as { role?: string } | null)?.role === 'fake-wecom') {
  fakeWorker((workerData as { users: string[] }).users).catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
