/**
 * The scheduled reminder work on both databases, with a clock that stands still until told to move: a bot that was
 * down catches up with one bundle per person (older steps superseded, steps before a passed deadline dropped), one
 * reminder message per person and day, two instances never send anything twice (job lock + outbox keys), a leader
 * hears of an overdue item only after the liaison was reminded, the admins' overdue digest goes out once a day, and
 * met or cancelled deadlines stop reminding.
 *
 * Roster (seedRoster plus one unit without a liaison):
 *   DL001 区政府办 (organizer): liaison 罗嘉禾 luojiahe, leader 白振华 baizhenhua — both admins, with 宋知微 songzhiwei
 *   DL002 区发改局: liaison 钟雨桐 zhongyutong, leader 崔建民 cuijianmin
 *   DL003 区教体局: liaison 邵明哲 shaomingzhe, no leader
 *   DL004 区财政局: leader 钱书仪 qianshuyi, no liaison
 */
import type { DataSource } from 'typeorm';
import { WorkingDayCalendar } from '../../../src/domain/calendar/working-day-calendar';
import { DeadlineEntity, ReminderEntity, type DeadlineRow } from '../../../src/domain/deadlines/deadline-entities';
import { cancelDeadline, createDeadline, markTargetMet, planReminders, type DeadlineRules } from '../../../src/domain/deadlines/deadline-service';
import { DEFAULT_LADDERS } from '../../../src/domain/deadlines/reminder-ladder';
import { ContactEntity, ContactRoleEntity, UnitEntity } from '../../../src/domain/roster/roster-entities';
import { createDataSource } from '../../../src/db/data-source';
import { entities } from '../../../src/entities';
import { acquireJobLock, releaseJobLock } from '../../../src/jobs/job-lock';
import { JobLockEntity } from '../../../src/jobs/job-lock-entity';
import { JobScheduler, type JobOutcome } from '../../../src/jobs/job-scheduler';
import { sendOverdueDigest } from '../../../src/jobs/overdue-digest';
import { reminderJobs } from '../../../src/jobs/reminder-jobs';
import { sendDueReminders, type ReminderRunCounts } from '../../../src/jobs/reminder-sender';
import { OutboxEntity, type OutboxRow } from '../../../src/outbox/outbox-entity';
import type { OutboundMessage } from '../../../src/outbox/outbound-message';
import { ManualClock } from '../../../src/shared/clock';
import { seedRoster, seedUnitWithoutLiaison } from '../../helpers/seed-roster';
import { testLogger } from '../../helpers/silent-logger';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../helpers/test-databases';

const T0 = new Date('2026-11-16T01:00:00Z');
const RULES: DeadlineRules = { calendar: new WorkingDayCalendar(), ladders: DEFAULT_LADDERS, hours: { start: '09:00', end: '17:30' } };
const DIGEST_AT = '09:30';
const MAX_ATTEMPTS = 8;
const ADMINS = ['baizhenhua', 'luojiahe', 'songzhiwei'];
const NOTHING: ReminderRunCounts = { sent: 0, messages: 0, skipped: 0, deferred: 0, waiting: 0 };
const TAIL = '发送“截止事项”查看全部待办。';

type UnitKey = 'office' | 'fgj' | 'jtj' | 'czj';

/** A Beijing wall-clock time of 2026 as an instant: bj('11-20 09:05'). */
const bj = (monthDayTime: string): Date => new Date(`2026-${monthDayTime.replace(' ', 'T')}:00+08:00`);

describe.each(testDatabaseKinds())('reminder jobs on %s', (kind) => {
  let db: TestDatabase;
  let clock: ManualClock;
  let unit: Record<UnitKey, number>;

  beforeEach(async () => {
    clock = new ManualClock(T0);
    db = await createTestDatabase(kind);
    await seedRoster(db.dataSource, T0);
    const czj = await seedUnitWithoutLiaison(db.dataSource, T0);
    const qian = Number(
      (
        await db.dataSource
          .getRepository(ContactEntity)
          .insert({ name: '钱书仪', wecomUserId: 'qianshuyi', mobile: null, title: null, officePhone: null, createdAt: T0, updatedAt: T0 })
      ).identifiers[0].id,
    );
    await db.dataSource.getRepository(ContactRoleEntity).insert({ contactId: qian, unitId: czj, role: 'leader', createdAt: T0 });
    const byCode = new Map((await db.dataSource.getRepository(UnitEntity).find()).map((u) => [u.code, u.id]));
    unit = { office: byCode.get('DL001')!, fgj: byCode.get('DL002')!, jtj: byCode.get('DL003')!, czj };
  });

  afterEach(async () => {
    await db.destroy();
  });

  /** Set a deadline at `at` on the listed units (or all). */
  const deadline = async (title: string, dueOn: string, dueTime: string | null, units: UnitKey[] | 'all', at: Date) => {
    clock.set(at);
    return db.dataSource.transaction((m) =>
      createDeadline(
        m,
        {
          kind: 'custom',
          title,
          deliverable: '报送材料（盖章扫描件）',
          dueOn,
          dueTime,
          audience: units === 'all' ? { kind: 'all' } : { kind: 'units', unitIds: units.map((u) => unit[u]) },
          createdBy: 'songzhiwei',
        },
        RULES,
        clock.now(),
      ),
    );
  };
  const send = (at: Date, dataSource: DataSource = db.dataSource) => {
    clock.set(at);
    return sendDueReminders({ dataSource, rules: RULES, outboxMaxAttempts: MAX_ATTEMPTS }, clock.now());
  };
  const digest = (at: Date) => {
    clock.set(at);
    return sendOverdueDigest({ dataSource: db.dataSource, rules: RULES, digestAt: DIGEST_AT, outboxMaxAttempts: MAX_ATTEMPTS }, clock.now());
  };
  /** `userid step: state (note)` of a deadline's reminders, by person and step. */
  const states = async (d: DeadlineRow): Promise<string[]> =>
    (await db.dataSource.getRepository(ReminderEntity).find({ where: { deadlineId: d.id } }))
      .sort((a, b) => a.userId.localeCompare(b.userId) || a.stepIndex - b.stepIndex)
      .map((r) => `${r.userId} ${r.step}: ${r.state}${r.note ? ` (${r.note})` : ''}`);
  const outbox = async (): Promise<OutboxRow[]> => db.dataSource.getRepository(OutboxEntity).find({ order: { dedupeKey: 'ASC' } });
  const keys = async (): Promise<string[]> => (await outbox()).map((r) => r.dedupeKey);
  const textOf = async (key: string): Promise<{ toUser: string[]; content: string }> => {
    const row = await db.dataSource.getRepository(OutboxEntity).findOneOrFail({ where: { dedupeKey: key } });
    const message = JSON.parse(row.payload) as OutboundMessage;
    if (message.channel !== 'app' || message.body.msgtype !== 'text') throw new Error(`${key} is not an app text message`);
    return { toUser: message.toUser, content: message.body.text.content };
  };
  /** How many reminder rows each outbox key carries. */
  const carried = async (): Promise<Record<string, number>> => {
    const result: Record<string, number> = {};
    for (const r of await db.dataSource.getRepository(ReminderEntity).find({ where: { state: 'sent' } })) {
      const key = r.batchKey ?? '(none)';
      result[key] = (result[key] ?? 0) + 1;
    }
    return result;
  };
  const item = (n: number, d: DeadlineRow, unitName: string, due: string, left: string, extra = '') =>
    `${n}. ${left.startsWith('已逾期') ? '【已逾期】' : ''}${d.title}（${unitName}，编号 ${d.id}）\n   截止：${due}，${left}${extra}；完成后回复“已报送 ${d.id}”`;

  describe('a bot that was down', () => {
    it('sends one bundle per liaison on the due-day morning; the steps it missed are superseded', async () => {
      const { deadline: d, planned } = await deadline('第四季度政务新媒体自查报告', '2026-11-20', '15:00', ['fgj', 'jtj', 'czj'], bj('11-16 10:00'));
      // announce, before-1, due-day for two liaisons; overdue for two liaisons and two leaders (区教体局 has none)
      expect(planned).toBe(10);

      expect(await send(bj('11-20 09:05'))).toEqual({ sent: 2, messages: 2, skipped: 4, deferred: 0, waiting: 0 });
      expect(await keys()).toEqual(['reminders:shaomingzhe:2026-11-20', 'reminders:zhongyutong:2026-11-20']);
      expect(await states(d)).toEqual([
        'cuijianmin overdue: planned',
        'qianshuyi overdue: planned',
        'shaomingzhe announce: skipped (superseded)',
        'shaomingzhe before-1: skipped (superseded)',
        'shaomingzhe due-day: sent',
        'shaomingzhe overdue: planned',
        'zhongyutong announce: skipped (superseded)',
        'zhongyutong before-1: skipped (superseded)',
        'zhongyutong due-day: sent',
        'zhongyutong overdue: planned',
      ]);
      expect(await carried()).toEqual({ 'reminders:shaomingzhe:2026-11-20': 1, 'reminders:zhongyutong:2026-11-20': 1 });
      expect(await textOf('reminders:zhongyutong:2026-11-20')).toEqual({
        toUser: ['zhongyutong'],
        content: [
          '【待办提醒】钟雨桐您好，以下事项请按时办理：',
          item(1, d, '区发改局', '2026年11月20日（周五）15:00', '今天截止'),
          TAIL,
        ].join('\n'),
      });
      const sentRow = await db.dataSource.getRepository(ReminderEntity).findOneOrFail({ where: { deadlineId: d.id, userId: 'shaomingzhe', step: 'due-day' } });
      expect([sentRow.batchKey, sentRow.sentAt?.toISOString()]).toEqual(['reminders:shaomingzhe:2026-11-20', bj('11-20 09:05').toISOString()]);

      // the next minute has nothing left to do
      expect(await send(bj('11-20 09:06'))).toEqual(NOTHING);
      expect(await outbox()).toHaveLength(2);
    });

    it('drops the steps before a deadline that has passed and sends nothing until the overdue step', async () => {
      const { deadline: d } = await deadline('第四季度政务新媒体自查报告', '2026-11-20', '15:00', ['fgj', 'jtj', 'czj'], bj('11-16 10:00'));

      expect(await send(bj('11-20 16:00'))).toEqual({ ...NOTHING, skipped: 6 });
      expect(await states(d)).toEqual([
        'cuijianmin overdue: planned',
        'qianshuyi overdue: planned',
        'shaomingzhe announce: skipped (passed)',
        'shaomingzhe before-1: skipped (passed)',
        'shaomingzhe due-day: skipped (passed)',
        'shaomingzhe overdue: planned',
        'zhongyutong announce: skipped (passed)',
        'zhongyutong before-1: skipped (passed)',
        'zhongyutong due-day: skipped (passed)',
        'zhongyutong overdue: planned',
      ]);
      // the weekend, and Monday before the overdue step's 09:30: nothing
      expect(await send(bj('11-21 10:00'))).toEqual(NOTHING);
      expect(await send(bj('11-23 09:00'))).toEqual(NOTHING);
      expect(await outbox()).toEqual([]);

      // the liaisons get the overdue reminder; the leaders wait (nobody of their unit was reminded before)
      expect(await send(bj('11-23 09:30'))).toEqual({ sent: 2, messages: 2, skipped: 0, deferred: 0, waiting: 2 });
      expect(await keys()).toEqual(['reminders:shaomingzhe:2026-11-23', 'reminders:zhongyutong:2026-11-23']);
      expect((await textOf('reminders:shaomingzhe:2026-11-23')).content).toBe(
        ['【待办提醒】邵明哲您好，以下事项请按时办理：', item(1, d, '区教体局', '2026年11月20日（周五）15:00', '已逾期1个工作日'), TAIL].join('\n'),
      );
    });
  });

  it('sends a person one reminder message a day, carrying every deadline due that day; later ones wait for the next day', async () => {
    const { deadline: a } = await deadline('报送第四季度自查报告', '2026-11-20', '15:00', ['fgj', 'jtj'], bj('11-16 10:00'));
    const { deadline: b } = await deadline('报送账号年度统计表', '2026-11-23', '15:00', ['fgj', 'jtj'], bj('11-16 10:00'));
    const { deadline: c } = await deadline('补报区财政局账号信息', '2026-11-23', '15:00', ['czj'], bj('11-16 10:00'));

    // the notices of a new deadline go at once, one per deadline and person
    expect(await send(bj('11-16 10:00'))).toEqual({ ...NOTHING, sent: 4, messages: 4 });
    expect(await keys()).toEqual([
      `deadline-notice:${a.id}:shaomingzhe`,
      `deadline-notice:${a.id}:zhongyutong`,
      `deadline-notice:${b.id}:shaomingzhe`,
      `deadline-notice:${b.id}:zhongyutong`,
    ]);
    expect((await textOf(`deadline-notice:${b.id}:zhongyutong`)).content).toBe(
      [
        `【截止事项】报送账号年度统计表（编号 ${b.id}）`,
        '截止时间：2026年11月23日（周一）15:00',
        '报送内容：报送材料（盖章扫描件）',
        '涉及单位：区发改局',
        `完成后回复“已报送 ${b.id}”；发送“截止事项”查看全部待办。`,
      ].join('\n'),
    );
    expect(await send(bj('11-19 09:00'))).toEqual({ ...NOTHING, sent: 2, messages: 2 });

    // 11-20: the due day of A and the day before B — one message each, with both
    expect(await send(bj('11-20 09:00'))).toEqual({ ...NOTHING, sent: 4, messages: 2 });
    const bundle = (name: string, unitName: string) =>
      [
        `【待办提醒】${name}您好，以下事项请按时办理：`,
        item(1, a, unitName, '2026年11月20日（周五）15:00', '今天截止'),
        item(2, b, unitName, '2026年11月23日（周一）15:00', '下一个工作日截止'),
        TAIL,
      ].join('\n');
    expect((await textOf('reminders:zhongyutong:2026-11-20')).content).toBe(bundle('钟雨桐', '区发改局'));
    expect((await textOf('reminders:shaomingzhe:2026-11-20')).content).toBe(bundle('邵明哲', '区教体局'));
    expect(await carried()).toEqual({
      [`deadline-notice:${a.id}:shaomingzhe`]: 1,
      [`deadline-notice:${a.id}:zhongyutong`]: 1,
      [`deadline-notice:${b.id}:shaomingzhe`]: 1,
      [`deadline-notice:${b.id}:zhongyutong`]: 1,
      'reminders:shaomingzhe:2026-11-19': 1,
      'reminders:zhongyutong:2026-11-19': 1,
      'reminders:shaomingzhe:2026-11-20': 2,
      'reminders:zhongyutong:2026-11-20': 2,
    });

    // 10:00: 邵明哲 becomes the liaison of 区财政局 too; the hourly planning gives him C's steps, one of them due today.
    // He had today's message already: it waits for the next working day.
    const shao = await db.dataSource.getRepository(ContactEntity).findOneOrFail({ where: { wecomUserId: 'shaomingzhe' } });
    await db.dataSource.getRepository(ContactRoleEntity).insert({ contactId: shao.id, unitId: unit.czj, role: 'liaison', createdAt: bj('11-20 10:00') });
    clock.set(bj('11-20 10:00'));
    expect(await db.dataSource.transaction((m) => planReminders(m, c, RULES, clock.now()))).toBe(4);
    expect(await send(bj('11-20 10:00'))).toEqual({ ...NOTHING, skipped: 1, deferred: 1 });
    const deferred = await db.dataSource.getRepository(ReminderEntity).findOneOrFail({ where: { deadlineId: c.id, userId: 'shaomingzhe', step: 'before-1' } });
    expect([deferred.state, deferred.dueAt.toISOString()]).toEqual(['planned', bj('11-23 09:00').toISOString()]);
    expect(await outbox()).toHaveLength(8);

    // 11-23 09:00: B's due day, C's (deferred before-1 superseded by its due-day), and A's overdue step of 09:30 rides along
    expect(await send(bj('11-23 09:00'))).toEqual({ ...NOTHING, sent: 5, messages: 2, skipped: 1 });
    expect((await textOf('reminders:shaomingzhe:2026-11-23')).content).toBe(
      [
        '【待办提醒】邵明哲您好，以下事项请按时办理：',
        item(1, a, '区教体局', '2026年11月20日（周五）15:00', '已逾期1个工作日'),
        item(2, b, '区教体局', '2026年11月23日（周一）15:00', '今天截止'),
        item(3, c, '区财政局', '2026年11月23日（周一）15:00', '今天截止'),
        TAIL,
      ].join('\n'),
    );
    expect(await states(c)).toEqual([
      'qianshuyi overdue: planned',
      'shaomingzhe announce: skipped (superseded)',
      'shaomingzhe before-1: skipped (superseded)',
      'shaomingzhe due-day: sent',
      'shaomingzhe overdue: planned',
    ]);
    expect((await carried())['reminders:shaomingzhe:2026-11-23']).toBe(3);
    expect((await carried())['reminders:zhongyutong:2026-11-23']).toBe(2);
  });

  describe('escalation to the leader', () => {
    it('a deadline set the day before at 17:00: notice at once, due-day reminder, then the leader’s copy with the liaison’s overdue one', async () => {
      const { deadline: d, planned } = await deadline('报送整改情况说明', '2026-11-20', '15:00', ['fgj'], bj('11-19 17:00'));
      // the ladder gives: announce 11-19 17:00 (before-1, 11-19 09:00, predates it), due-day 11-20 09:00, overdue 11-23 09:30
      expect(planned).toBe(4);
      expect(
        (await db.dataSource.getRepository(ReminderEntity).find({ where: { deadlineId: d.id }, order: { id: 'ASC' } })).map((r) => [
          r.userId,
          r.step,
          r.dueAt.toISOString(),
        ]),
      ).toEqual([
        ['zhongyutong', 'announce', bj('11-19 17:00').toISOString()],
        ['zhongyutong', 'due-day', bj('11-20 09:00').toISOString()],
        ['cuijianmin', 'overdue', bj('11-23 09:30').toISOString()],
        ['zhongyutong', 'overdue', bj('11-23 09:30').toISOString()],
      ]);
      expect(await send(bj('11-19 17:00'))).toEqual({ ...NOTHING, sent: 1, messages: 1 });
      expect(await send(bj('11-20 09:00'))).toEqual({ ...NOTHING, sent: 1, messages: 1 });
      // the liaison was reminded in earlier runs: the leader's copy goes out with the liaison's overdue reminder
      expect(await send(bj('11-23 09:30'))).toEqual({ ...NOTHING, sent: 2, messages: 2 });
      expect(await keys()).toEqual([
        `deadline-notice:${d.id}:zhongyutong`,
        'reminders:cuijianmin:2026-11-23',
        'reminders:zhongyutong:2026-11-20',
        'reminders:zhongyutong:2026-11-23',
      ]);
      expect((await textOf('reminders:cuijianmin:2026-11-23')).content).toBe(
        [
          '【逾期督办】崔建民您好，以下事项贵单位尚未完成，请督促联络员办理：',
          item(1, d, '区发改局', '2026年11月20日（周五）15:00', '已逾期1个工作日', '；联络员：钟雨桐'),
          TAIL,
        ].join('\n'),
      );
    });

    it('the same deadline with the bot down until the overdue step: the leader waits one run', async () => {
      const { deadline: d } = await deadline('报送整改情况说明', '2026-11-20', '15:00', ['fgj', 'czj'], bj('11-19 17:00'));
      expect(await send(bj('11-23 09:30'))).toEqual({ sent: 1, messages: 1, skipped: 2, deferred: 0, waiting: 2 });
      expect(await states(d)).toEqual([
        'cuijianmin overdue: planned',
        'qianshuyi overdue: planned',
        'zhongyutong announce: skipped (passed)',
        'zhongyutong due-day: skipped (passed)',
        'zhongyutong overdue: sent',
      ]);
      expect(await keys()).toEqual(['reminders:zhongyutong:2026-11-23']);

      // the run after: 区发改局's leader is told; 区财政局 has no liaison, so its leader keeps waiting
      expect(await send(bj('11-23 09:31'))).toEqual({ ...NOTHING, sent: 1, messages: 1, waiting: 1 });
      expect(await keys()).toEqual(['reminders:cuijianmin:2026-11-23', 'reminders:zhongyutong:2026-11-23']);
      expect(await states(d)).toEqual([
        'cuijianmin overdue: sent',
        'qianshuyi overdue: planned',
        'zhongyutong announce: skipped (passed)',
        'zhongyutong due-day: skipped (passed)',
        'zhongyutong overdue: sent',
      ]);
    });

    it('a leader whose liaison got no reminder at all stays planned, counted as waiting on every run', async () => {
      const { deadline: d } = await deadline('报送整改情况说明', '2026-11-20', '15:00', ['fgj'], bj('11-16 10:00'));
      await db.dataSource.getRepository(ReminderEntity).update({ deadlineId: d.id, role: 'liaison' }, { state: 'skipped', note: 'test' });
      expect(await send(bj('11-23 09:30'))).toEqual({ ...NOTHING, waiting: 1 });
      expect(await send(bj('11-24 10:00'))).toEqual({ ...NOTHING, waiting: 1 });
      expect(await outbox()).toEqual([]);
      expect(await states(d)).toEqual([
        'cuijianmin overdue: planned',
        'zhongyutong announce: skipped (test)',
        'zhongyutong before-1: skipped (test)',
        'zhongyutong due-day: skipped (test)',
        'zhongyutong overdue: skipped (test)',
      ]);
    });
  });

  describe('overdue digest', () => {
    it('sends each admin one message per working day listing the overdue units; a second run writes nothing', async () => {
      const { deadline: d } = await deadline('第四季度政务新媒体自查报告', '2026-11-20', '15:00', ['fgj', 'jtj', 'czj'], bj('11-16 10:00'));
      expect(await send(bj('11-20 09:05'))).toEqual({ sent: 2, messages: 2, skipped: 4, deferred: 0, waiting: 0 });
      // nothing overdue yet
      expect(await digest(bj('11-20 10:00'))).toEqual({ digests: 0, units: 0 });
      clock.set(bj('11-20 14:00'));
      expect(await db.dataSource.transaction((m) => markTargetMet(m, { deadlineId: d.id, unitId: unit.jtj, by: 'shaomingzhe', now: clock.now() }))).toBe(true);
      // passed at 15:00 today: not in today's digest but in the next working day's
      expect(await digest(bj('11-20 16:00'))).toEqual({ digests: 0, units: 0 });

      // weekend, and Monday before digestAt: nothing
      expect(await digest(bj('11-21 10:00'))).toEqual({ digests: 0, units: 0 });
      expect(await digest(bj('11-23 09:29'))).toEqual({ digests: 0, units: 0 });

      expect(await digest(bj('11-23 09:30'))).toEqual({ digests: 3, units: 2 });
      const expected = (at: string, days: number) =>
        [
          `【逾期汇总】截至2026年11月23日 ${at}，2个单位共2项事项逾期未报：`,
          `· 东岚区发展和改革局：第四季度政务新媒体自查报告（编号 ${d.id}，逾期${days}个工作日）`,
          `· 东岚区财政局：第四季度政务新媒体自查报告（编号 ${d.id}，逾期${days}个工作日，无可提醒的联络员）`,
          '发送“截止事项”查看详情；管理员可回复“已报送 编号 单位名”代为标记。',
        ].join('\n');
      const digestKeys = async () => (await keys()).filter((k) => k.startsWith('overdue-digest:'));
      expect(await digestKeys()).toEqual(ADMINS.map((a) => `overdue-digest:2026-11-23:${a}`));
      for (const admin of ADMINS) {
        expect(await textOf(`overdue-digest:2026-11-23:${admin}`)).toEqual({ toUser: [admin], content: expected('09:30', 1) });
      }

      // again the same day: nothing new
      expect(await digest(bj('11-23 09:31'))).toEqual({ digests: 0, units: 0 });
      expect(await digest(bj('11-23 16:00'))).toEqual({ digests: 0, units: 0 });
      expect(await digestKeys()).toHaveLength(3);

      // the next working day: a new one, a day more overdue
      expect(await digest(bj('11-24 09:30'))).toEqual({ digests: 3, units: 2 });
      expect((await textOf('overdue-digest:2026-11-24:songzhiwei')).content).toBe(expected('09:30', 2).replace('2026年11月23日', '2026年11月24日'));

      // everything delivered: nothing overdue, no digest
      clock.set(bj('11-24 11:00'));
      for (const u of [unit.fgj, unit.czj]) {
        await db.dataSource.transaction((m) => markTargetMet(m, { deadlineId: d.id, unitId: u, by: 'songzhiwei', now: clock.now() }));
      }
      expect(await digest(bj('11-25 09:30'))).toEqual({ digests: 0, units: 0 });
      expect(await digestKeys()).toHaveLength(6);
    });
  });

  describe('met and cancelled deadlines', () => {
    it('markTargetMet for every unit turns the deadline met; what was planned is skipped, nothing more is sent', async () => {
      const { deadline: d } = await deadline('第四季度政务新媒体自查报告', '2026-11-20', '15:00', ['fgj', 'jtj', 'czj'], bj('11-16 10:00'));
      const met = (u: UnitKey, at: Date) =>
        db.dataSource.transaction((m) => markTargetMet(m, { deadlineId: d.id, unitId: unit[u], by: 'songzhiwei', now: at }));
      const stateOf = async () => (await db.dataSource.getRepository(DeadlineEntity).findOneOrFail({ where: { id: d.id } })).state;

      expect(await met('fgj', bj('11-18 15:00'))).toBe(true);
      expect(await met('fgj', bj('11-18 15:01'))).toBe(false);
      expect(await stateOf()).toBe('open');
      // 区发改局 delivered: its liaison's reminders are skipped; 区教体局's liaison still gets his
      expect(await send(bj('11-19 09:00'))).toEqual({ sent: 1, messages: 1, skipped: 3, deferred: 0, waiting: 0 });
      expect(await keys()).toEqual(['reminders:shaomingzhe:2026-11-19']);

      expect(await met('jtj', bj('11-19 10:00'))).toBe(true);
      expect(await stateOf()).toBe('open');
      expect(await met('czj', bj('11-19 11:00'))).toBe(true);
      expect(await stateOf()).toBe('met');

      // the deadline is over: everything left is closed, whoever it was for
      expect(await send(bj('11-20 09:00'))).toEqual({ ...NOTHING, skipped: 2 });
      expect(await send(bj('11-23 09:30'))).toEqual({ ...NOTHING, skipped: 4 });
      expect(await states(d)).toEqual([
        'cuijianmin overdue: skipped (closed)',
        'qianshuyi overdue: skipped (closed)',
        'shaomingzhe announce: skipped (superseded)',
        'shaomingzhe before-1: sent',
        'shaomingzhe due-day: skipped (closed)',
        'shaomingzhe overdue: skipped (closed)',
        'zhongyutong announce: skipped (met)',
        'zhongyutong before-1: skipped (met)',
        'zhongyutong due-day: skipped (closed)',
        'zhongyutong overdue: skipped (closed)',
      ]);
      expect(await keys()).toEqual(['reminders:shaomingzhe:2026-11-19']);
      expect(await digest(bj('11-23 10:00'))).toEqual({ digests: 0, units: 0 });
    });

    it('a cancelled deadline sends nothing more and is not in the digest', async () => {
      const { deadline: d } = await deadline('报送账号年度统计表', '2026-11-20', '15:00', ['fgj', 'jtj', 'czj'], bj('11-16 10:00'));
      expect(await send(bj('11-16 10:00'))).toEqual({ ...NOTHING, sent: 2, messages: 2 });
      clock.set(bj('11-17 10:00'));
      expect(await db.dataSource.transaction((m) => cancelDeadline(m, d.id, clock.now()))).toBe(true);
      expect(await db.dataSource.transaction((m) => cancelDeadline(m, d.id, clock.now()))).toBe(false);

      expect(await send(bj('11-19 09:00'))).toEqual({ ...NOTHING, skipped: 2 });
      expect(await send(bj('11-20 09:00'))).toEqual({ ...NOTHING, skipped: 2 });
      expect(await send(bj('11-23 09:30'))).toEqual({ ...NOTHING, skipped: 4 });
      expect(await digest(bj('11-23 10:00'))).toEqual({ digests: 0, units: 0 });
      expect(await keys()).toEqual([`deadline-notice:${d.id}:shaomingzhe`, `deadline-notice:${d.id}:zhongyutong`]);
      expect((await states(d)).filter((s) => s.endsWith(': planned'))).toEqual([]);
      expect((await states(d)).filter((s) => s.endsWith('(closed)'))).toHaveLength(8);
    });
  });

  describe('two instances on one database', () => {
    it('acquireJobLock refuses a second holder until the lease expires, then gives it', async () => {
      const other = createDataSource({ database: db.config, entities });
      await other.initialize();
      try {
        const t = bj('11-20 09:00').getTime();
        const at = (ms: number) => new Date(t + ms);
        expect(await acquireJobLock(db.dataSource, 'job:test', 'instance-a', at(0), 60_000)).toBe(true);
        expect(await acquireJobLock(other, 'job:test', 'instance-b', at(0), 60_000)).toBe(false);
        expect(await acquireJobLock(other, 'job:test', 'instance-b', at(59_999), 60_000)).toBe(false);
        // the holder may renew its own lease
        expect(await acquireJobLock(db.dataSource, 'job:test', 'instance-a', at(30_000), 60_000)).toBe(true);
        expect(await acquireJobLock(other, 'job:test', 'instance-b', at(60_001), 60_000)).toBe(false);
        expect(await acquireJobLock(other, 'job:test', 'instance-b', at(90_000), 60_000)).toBe(false);
        expect(await acquireJobLock(other, 'job:test', 'instance-b', at(90_001), 60_000)).toBe(true);
        expect(await acquireJobLock(db.dataSource, 'job:test', 'instance-a', at(90_002), 60_000)).toBe(false);
        // only the holder can give it back
        await releaseJobLock(db.dataSource, 'job:test', 'instance-a');
        expect(await acquireJobLock(db.dataSource, 'job:test', 'instance-a', at(90_003), 60_000)).toBe(false);
        await releaseJobLock(other, 'job:test', 'instance-b');
        expect(await acquireJobLock(db.dataSource, 'job:test', 'instance-a', at(90_004), 60_000)).toBe(true);
        const lock = await db.dataSource.getRepository(JobLockEntity).findOneOrFail({ where: { name: 'job:test' } });
        expect([lock.holder, lock.lockedUntil.toISOString()]).toEqual(['instance-a', at(150_004).toISOString()]);
      } finally {
        await other.destroy();
      }
    });

    it('run the jobs at once and repeatedly: every message is written once, every reminder carried once', async () => {
      const { deadline: a } = await deadline('第四季度政务新媒体自查报告', '2026-11-20', '15:00', ['fgj', 'jtj', 'czj'], bj('11-16 10:00'));
      await deadline('报送账号年度统计表', '2026-11-23', '15:00', 'all', bj('11-16 10:00'));
      clock.set(bj('11-23 10:00'));
      // MySQL: the second instance has its own connection pool. SQLite: both share the process's one connection
      // (see sqlite-serializer); two connections to one file fail with SQLITE_BUSY when jobs overlap (reported).
      const other = kind === 'mysql' ? createDataSource({ database: db.config, entities }) : db.dataSource;
      if (other !== db.dataSource) await other.initialize();
      try {
        let wakes = 0;
        const scheduler = (dataSource: DataSource, instanceId: string) =>
          new JobScheduler({
            dataSource,
            clock,
            logger: testLogger(),
            instanceId,
            jobs: reminderJobs({ dataSource, rules: RULES, digestAt: DIGEST_AT, outboxMaxAttempts: MAX_ATTEMPTS, onOutboxWritten: () => wakes++ }),
          });
        const instances = [scheduler(db.dataSource, 'instance-a'), scheduler(other, 'instance-b')];
        const outcomes: Array<Record<string, JobOutcome>> = [];
        for (let round = 0; round < 5; round++) outcomes.push(...(await Promise.all(instances.map((s) => s.runOnce()))));

        expect(await keys()).toEqual([
          ...ADMINS.map((u) => `overdue-digest:2026-11-23:${u}`),
          'reminders:luojiahe:2026-11-23',
          'reminders:shaomingzhe:2026-11-23',
          'reminders:zhongyutong:2026-11-23',
        ]);
        // A's overdue step and B's due-day for both liaisons; B alone for 区政府办
        expect(await carried()).toEqual({
          'reminders:luojiahe:2026-11-23': 1,
          'reminders:shaomingzhe:2026-11-23': 2,
          'reminders:zhongyutong:2026-11-23': 2,
        });
        const sentRows = await db.dataSource.getRepository(ReminderEntity).find({ where: { state: 'sent' } });
        expect(new Set(sentRows.map((r) => r.sentAt?.toISOString()))).toEqual(new Set([bj('11-23 10:00').toISOString()]));
        expect(sentRows.map((r) => `${r.deadlineId === a.id ? 'A' : 'B'} ${r.userId} ${r.step}`).sort()).toEqual([
          'A shaomingzhe overdue',
          'A zhongyutong overdue',
          'B luojiahe due-day',
          'B shaomingzhe due-day',
          'B zhongyutong due-day',
        ]);

        // of the ten runs of each job, one did the work; the others found the lock taken or nothing left
        const sendOutcomes = outcomes.map((o) => o['reminders-send']);
        const worked = sendOutcomes.filter((o) => o.ran && o.result && o.result.messages > 0);
        expect(worked).toEqual([{ ran: true, result: { sent: 5, messages: 3, skipped: 12, deferred: 0, waiting: 2 } }]);
        for (const o of sendOutcomes.filter((x) => !worked.includes(x))) {
          expect(o.ran ? o.result : o.reason).toEqual(o.ran ? { sent: 0, messages: 0, skipped: 0, deferred: 0, waiting: 2 } : 'locked');
        }
        const digestOutcomes = outcomes.map((o) => o['overdue-digest']);
        const digested = digestOutcomes.filter((o) => o.ran && o.result && o.result.digests > 0);
        expect(digested).toEqual([{ ran: true, result: { digests: 3, units: 3 } }]);
        for (const o of digestOutcomes.filter((x) => !digested.includes(x))) {
          expect(o.ran ? o.result : o.reason).toEqual(o.ran ? { digests: 0, units: 0 } : 'locked');
        }
        expect(wakes).toBe(2);
        // the instances did overlap: some runs found a job's lock taken
        expect(outcomes.flatMap((o) => Object.values(o)).filter((o) => !o.ran && o.reason === 'locked').length).toBeGreaterThan(0);
        // every lease was given back
        const locks = await db.dataSource.getRepository(JobLockEntity).find({ order: { name: 'ASC' } });
        expect(locks.map((l) => [l.name, l.holder, l.lockedUntil.getTime()])).toEqual(
          ['job:filing-deadlines', 'job:overdue-digest', 'job:reminders-plan', 'job:reminders-send'].map((n) => [n, '', 0]),
        );
      } finally {
        if (other !== db.dataSource) await other.destroy();
      }
    });
  });
});
