/**
 * The reminder job and the dispatcher in a child process, killed with SIGKILL at random moments — in the middle of a
 * reminder transaction (the worker pauses before each commit) and while it sends — and started again, until a last
 * worker finishes. Every liaison must get exactly one reminder bundle: a killed transaction leaves neither the
 * outbox row nor the marks on the reminders it carried, and a row sent again after a kill carries the same request
 * JSON, which WeCom's duplicate check does not deliver twice.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { WorkingDayCalendar } from '../../../src/domain/calendar/working-day-calendar';
import { ReminderEntity, type DeadlineRow } from '../../../src/domain/deadlines/deadline-entities';
import { createDeadline, type DeadlineRules } from '../../../src/domain/deadlines/deadline-service';
import { DEFAULT_LADDERS } from '../../../src/domain/deadlines/reminder-ladder';
import { ContactEntity, ContactRoleEntity, UnitEntity } from '../../../src/domain/roster/roster-entities';
import { OutboxEntity } from '../../../src/outbox/outbox-entity';
import { startFakeWeCom, type FakeWeCom } from '../../fake-wecom';
import type { ReminderWorkerConfig } from '../../helpers/reminder-worker';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../helpers/test-databases';

const CORP_ID = 'ww7c1d2e3f4a5b6c7d';
const AGENT_ID = 1000002;
const SECRET = 'reminder-kill-secret';
const ROOT = resolve(__dirname, '../../..');
const LIAISONS = 40;
const RULES: DeadlineRules = { calendar: new WorkingDayCalendar(), ladders: DEFAULT_LADDERS, hours: { start: '09:00', end: '17:30' } };
/** The first working day after the National Day holiday, after both deadlines' overdue steps (09-30 and 10-08 09:30). */
const REMINDER_AT = '2026-10-08T09:35:00+08:00';
const ROUNDS = 14;
/** rounds killed while the reminder job runs, before the rounds that aim at the dispatcher */
const REMINDER_ROUNDS = 5;

type Phase = 'starting' | 'ready' | 'reminders-done' | 'done';

interface Worker {
  child: ChildProcess;
  phase: Phase;
  stderr: string;
  /** resolves when the worker prints `phase` (or exits) */
  reached(phase: Phase): Promise<void>;
  exited: Promise<number | null>;
}

function startWorker(config: ReminderWorkerConfig): Worker {
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(__dirname, '../../helpers/reminder-worker.ts')], {
    cwd: ROOT,
    env: { ...process.env, WORKER_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const waiting = new Map<Phase, Array<() => void>>();
  const worker: Worker = {
    child,
    phase: 'starting',
    stderr: '',
    reached: (phase) =>
      new Promise((done) => {
        if (worker.phase === phase || child.exitCode !== null || child.signalCode !== null) done();
        else waiting.set(phase, [...(waiting.get(phase) ?? []), done]);
      }),
    exited: new Promise((done) => child.once('exit', (code) => done(code))),
  };
  let buffered = '';
  child.stdout?.on('data', (data) => {
    buffered += String(data);
    for (let i = buffered.indexOf('\n'); i >= 0; i = buffered.indexOf('\n')) {
      const phase = buffered.slice(0, i).trim() as Phase;
      buffered = buffered.slice(i + 1);
      worker.phase = phase;
      for (const done of waiting.get(phase) ?? []) done();
      waiting.delete(phase);
    }
  });
  child.stderr?.on('data', (data) => (worker.stderr += String(data)));
  void worker.exited.then(() => {
    for (const list of waiting.values()) for (const done of list) done();
    waiting.clear();
  });
  return worker;
}

const userId = (i: number) => `liaison${String(i).padStart(2, '0')}`;
const personName = (i: number) => `联络员${String(i).padStart(2, '0')}`;
const unitName = (i: number) => `东岚区第${String(i).padStart(2, '0')}单位`;

describe.each(testDatabaseKinds())('reminders survive kill -9 on %s', (kind) => {
  let db: TestDatabase;
  let fake: FakeWeCom;

  beforeEach(async () => {
    db = await createTestDatabase(kind);
    fake = await startFakeWeCom({
      corps: [{ corpId: CORP_ID, agents: [{ agentId: AGENT_ID, secret: SECRET }] }],
      users: Array.from({ length: LIAISONS }, (_, i) => userId(i + 1)),
    });
  });
  afterEach(async () => {
    await fake.close();
    await db.destroy();
  });

  it('gives every liaison exactly one bundle across repeated kills of the reminder job and the dispatcher', async () => {
    const seededAt = new Date('2026-09-20T01:00:00Z');
    for (let i = 1; i <= LIAISONS; i++) {
      const unit = await db.dataSource.getRepository(UnitEntity).insert({
        code: `KL${String(i).padStart(3, '0')}`,
        name: unitName(i),
        shortName: null,
        unitType: '部门',
        parentName: '东岚区人民政府',
        systemRolesRaw: '填报单位',
        isOrganizer: false,
        isFiler: true,
        createdAt: seededAt,
        updatedAt: seededAt,
      });
      const contact = await db.dataSource
        .getRepository(ContactEntity)
        .insert({ name: personName(i), wecomUserId: userId(i), mobile: null, title: null, officePhone: null, createdAt: seededAt, updatedAt: seededAt });
      const unitId = Number(unit.identifiers[0].id);
      await db.dataSource.getRepository(ContactRoleEntity).insert({ contactId: Number(contact.identifiers[0].id), unitId, role: 'liaison', createdAt: seededAt });
    }
    // two deadlines set on Friday 09-25, both overdue on 10-08: each liaison's bundle carries both
    const deadlines: DeadlineRow[] = [];
    for (const [title, dueOn] of [
      ['报送第三季度政务新媒体自查报告', '2026-09-29'],
      ['报送政务新媒体账号年度核查表', '2026-09-30'],
    ]) {
      const { deadline, planned } = await db.dataSource.transaction((m) =>
        createDeadline(
          m,
          { kind: 'custom', title, dueOn, dueTime: '15:00', audience: { kind: 'all' }, createdBy: 'songzhiwei' },
          RULES,
          new Date('2026-09-25T10:00:00+08:00'),
        ),
      );
      expect(planned).toBe(LIAISONS * 4);
      deadlines.push(deadline);
    }
    const [first, second] = deadlines;

    // every send is slow, so kills land in the middle of sending; spare delays for the re-sends after kills
    for (let i = 0; i < LIAISONS * 10; i++) fake.inject({ path: '/cgi-bin/message/send', delayMs: 60 });
    const config: ReminderWorkerConfig = {
      database: db.config,
      apiBase: fake.baseUrl,
      corpId: CORP_ID,
      agentId: AGENT_ID,
      secret: SECRET,
      reminderAt: REMINDER_AT,
      chunkSize: 3,
      stallMs: 30,
    };

    /** The bundles written so far and the reminder rows by state. */
    const snapshot = async () => {
      const rows = await db.dataSource.getRepository(ReminderEntity).find({ select: { id: true, state: true } });
      return {
        bundles: await db.dataSource.getRepository(OutboxEntity).count(),
        sent: rows.filter((r) => r.state === 'sent').length,
        skipped: rows.filter((r) => r.state === 'skipped').length,
        planned: rows.filter((r) => r.state === 'planned').length,
      };
    };
    const bundlesAfterKills: number[] = [];
    const kills = { reminders: 0, dispatch: 0 };
    let finished = false;
    for (let round = 0; round < ROUNDS && !finished; round++) {
      const worker = startWorker(config);
      // the first rounds aim at the reminder transactions (14 chunks of 3 people, each held open 30 ms before its
      // commit), the later ones at the sending
      const aim: Phase = round < REMINDER_ROUNDS ? 'ready' : 'reminders-done';
      await worker.reached(aim);
      const window = aim === 'ready' ? 200 : 500;
      const outcome = await Promise.race([
        worker.exited.then((code) => ({ code })),
        new Promise<'kill'>((r) => setTimeout(() => r('kill'), Math.floor(Math.random() * window))),
      ]);
      if (outcome === 'kill') {
        const phase = worker.phase;
        worker.child.kill('SIGKILL');
        await worker.exited;
        if (phase === 'ready') kills.reminders++;
        else if (phase === 'reminders-done') kills.dispatch++;
        // a chunk is all or nothing: its three bundles with the six reminders they carry and the 18 passed steps
        const now = await snapshot();
        expect(now).toEqual({ bundles: now.bundles, sent: 2 * now.bundles, skipped: 6 * now.bundles, planned: 8 * (LIAISONS - now.bundles) });
        expect([now.bundles, now.bundles % 3 === 0 || now.bundles === LIAISONS]).toEqual([now.bundles, true]);
        bundlesAfterKills.push(now.bundles);
        continue;
      }
      if (outcome.code !== 0) throw new Error(`worker failed (${outcome.code}): ${worker.stderr}`);
      finished = true;
    }
    // one last worker runs to the end (when a round finished, it has nothing left to do)
    const last = startWorker(config);
    const code = await last.exited;
    if (code !== 0) throw new Error(`final worker failed (${code}): ${last.stderr}`);
    expect(last.phase).toBe('done');

    // the outbox: one bundle per liaison, each sent
    const outbox = await db.dataSource.getRepository(OutboxEntity).find({ order: { dedupeKey: 'ASC' } });
    const expectedKeys = Array.from({ length: LIAISONS }, (_, i) => `reminders:${userId(i + 1)}:2026-10-08`);
    expect(outbox.map((r) => r.dedupeKey)).toEqual(expectedKeys);
    expect(outbox.filter((r) => r.status !== 'sent').map((r) => r.dedupeKey)).toEqual([]);

    // the reminders: both overdue steps sent in the liaison's bundle, the six missed steps passed; none left planned
    const reminders = await db.dataSource.getRepository(ReminderEntity).find();
    expect(reminders).toHaveLength(LIAISONS * 8);
    const tally = new Map<string, number>();
    for (const r of reminders) {
      const what = r.state === 'sent' ? `sent ${r.step} in ${r.batchKey === `reminders:${r.userId}:2026-10-08` ? 'own bundle' : r.batchKey}` : `${r.state} ${r.step} (${r.note})`;
      tally.set(what, (tally.get(what) ?? 0) + 1);
    }
    expect(Object.fromEntries([...tally].sort())).toEqual({
      'sent overdue in own bundle': LIAISONS * 2,
      'skipped announce (passed)': LIAISONS * 2,
      'skipped before-1 (passed)': LIAISONS * 2,
      'skipped due-day (passed)': LIAISONS * 2,
    });
    expect(new Set(reminders.filter((r) => r.state === 'sent').map((r) => r.sentAt?.toISOString()))).toEqual(
      new Set([new Date(REMINDER_AT).toISOString()]),
    );

    // what the liaisons received: one 【待办提醒】 each, with both deadlines
    for (let i = 1; i <= LIAISONS; i++) {
      const received = fake.deliveredTo(userId(i)).filter((d) => d.content?.startsWith('【待办提醒】'));
      expect([userId(i), received.map((d) => d.content)]).toEqual([
        userId(i),
        [
          [
            `【待办提醒】${personName(i)}您好，以下事项请按时办理：`,
            `1. 【已逾期】${first.title}（${unitName(i)}，编号 ${first.id}）`,
            `   截止：2026年9月29日（周二）15:00，已逾期2个工作日；完成后回复“已报送 ${first.id}”`,
            `2. 【已逾期】${second.title}（${unitName(i)}，编号 ${second.id}）`,
            `   截止：2026年9月30日（周三）15:00，已逾期1个工作日；完成后回复“已报送 ${second.id}”`,
            '发送“截止事项”查看全部待办。',
          ].join('\n'),
        ],
      ]);
    }
    expect(fake.appMessages().filter((m) => m.deliveredTo.length > 0)).toHaveLength(LIAISONS);

    // kills landed in both phases
    expect(kills.reminders).toBeGreaterThan(0);
    expect(kills.dispatch).toBeGreaterThan(0);
    if (process.env.TEST_LOG_LEVEL) {
      console.error(`${kind}: kills ${JSON.stringify(kills)}, bundles after each kill ${bundlesAfterKills.join(' ')}, finished before the last worker: ${finished}, re-sends absorbed: ${fake.duplicates().length}`);
    }
  }, 180_000);
});
