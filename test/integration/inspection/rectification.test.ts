/**
 * Dispatch and rectification on both databases, below the chat: one message per liaison and unit with only their
 * unit's findings, a leader copy for veto and repeat findings only, nothing sent twice when dispatching again, later
 * findings and a unit whose liaison was added later sent by the next dispatch (and added to the deadline), a report
 * meeting the unit's target, a returned report reopening it with its not-yet-due reminders planned again, double
 * decisions refused, and the 整改情况 that counts per finding.
 *
 * Roster (seedRoster plus one unit without a liaison):
 *   DL001 区政府办: liaison 罗嘉禾 luojiahe, leader 白振华 baizhenhua
 *   DL002 区发改局: liaison 钟雨桐 zhongyutong, leader 崔建民 cuijianmin
 *   DL003 区教体局: liaison 邵明哲 shaomingzhe
 *   DL004 区财政局: nobody with a WeCom account, until the test adds 钱书仪 qianshuyi
 */
import { resolve } from 'node:path';
import { WorkingDayCalendar } from '../../../src/domain/calendar/working-day-calendar';
import { DeadlineEntity, DeadlineTargetEntity, ReminderEntity } from '../../../src/domain/deadlines/deadline-entities';
import type { DeadlineRules } from '../../../src/domain/deadlines/deadline-service';
import { loadReminderLadders } from '../../../src/domain/deadlines/reminder-ladder';
import { FindingEntity, InspectionRoundEntity, RectificationEntity, type FindingRow } from '../../../src/domain/inspection/finding-entity';
import { loadProblemVocabulary } from '../../../src/domain/inspection/problem-vocabulary';
import { dispatchRound, DispatchError, type DispatchDeps } from '../../../src/domain/inspection/rectification-dispatch';
import {
  currentRectifications,
  reviewRectification,
  roundProgress,
  submitRectification,
} from '../../../src/domain/inspection/rectification-service';
import { ContactEntity, ContactRoleEntity, UnitEntity } from '../../../src/domain/roster/roster-entities';
import { OutboxEntity, type OutboxRow } from '../../../src/outbox/outbox-entity';
import type { OutboundMessage } from '../../../src/outbox/outbound-message';
import { seedRoster, seedUnitWithoutLiaison } from '../../helpers/seed-roster';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../helpers/test-databases';

const ROOT = resolve(__dirname, '../../..');
const T0 = new Date('2026-11-16T01:00:00Z'); // Monday 09:00 Beijing
const RULES: DeadlineRules = {
  calendar: new WorkingDayCalendar(),
  ladders: loadReminderLadders(resolve(ROOT, 'config/reminder-ladders.json')),
  hours: { start: '09:00', end: '17:30' },
};
const DEPS: DispatchDeps = { rules: RULES, vocabulary: loadProblemVocabulary(resolve(ROOT, 'config/problem-codes.json')), outboxMaxAttempts: 5 };
const minutes = (n: number) => new Date(T0.getTime() + n * 60_000);

function textOf(row: OutboxRow): { to: string[]; text: string } {
  const message = JSON.parse(row.payload) as OutboundMessage;
  if (message.channel !== 'app' || message.body.msgtype !== 'text') throw new Error(`not an app text: ${row.payload}`);
  return { to: message.toUser, text: message.body.text.content };
}

describe.each(testDatabaseKinds())('dispatch and rectification on %s', (kind) => {
  let db: TestDatabase;
  let unit: Record<'office' | 'fgj' | 'jtj' | 'czj', number>;
  let roundId: number;

  const inspectionRows = async () => (await db.dataSource.getRepository(OutboxEntity).find({ where: { origin: 'inspection' }, order: { id: 'ASC' } })).map(textOf);
  const finding = async (unitId: number, name: string, fields: Partial<FindingRow>): Promise<number> => {
    const row: Partial<FindingRow> = {
      roundId,
      unitId,
      accountId: null,
      qualified: false,
      rowNo: null,
      accountNameRaw: name,
      platformTypeRaw: '微信公众号',
      unitNameRaw: '',
      matchConfidence: 'none',
      problemsRaw: '更新不及时',
      problemCodes: 'UPDATE_LATE',
      severity: 'deduction',
      isRepeat: false,
      sourceKey: `unregistered:${name}`,
      status: 'open',
      dispatchedAt: null,
      createdAt: T0,
      updatedAt: T0,
      ...fields,
    };
    return Number((await db.dataSource.getRepository(FindingEntity).insert(row)).identifiers[0].id);
  };
  const dispatch = (at: Date, dueOn: string | null = '2026-11-27') =>
    db.dataSource.transaction((m) => dispatchRound(m, { roundId, dueOn, actor: 'songzhiwei', now: at }, DEPS));
  const reporter = (userId: string, name: string, unitId: number) => ({ userId, name, liaisonUnitIds: [unitId] });

  beforeEach(async () => {
    db = await createTestDatabase(kind);
    await seedRoster(db.dataSource, T0);
    const czj = await seedUnitWithoutLiaison(db.dataSource, T0);
    const byCode = new Map((await db.dataSource.getRepository(UnitEntity).find()).map((u) => [u.code, u.id]));
    unit = { office: byCode.get('DL001')!, fgj: byCode.get('DL002')!, jtj: byCode.get('DL003')!, czj };
    roundId = Number(
      (
        await db.dataSource.getRepository(InspectionRoundEntity).insert({
          title: '2026年第四季度',
          period: '2026Q4',
          monitoringPointOn: null,
          rectificationDeadlineId: null,
          dispatchedAt: null,
          createdBy: 'test',
          createdAt: T0,
        })
      ).identifiers[0].id,
    );
  });

  afterEach(async () => {
    await db.destroy();
  });

  it('sends each liaison only their unit, copies leaders on veto findings, and never sends a finding twice', async () => {
    const veto = await finding(unit.fgj, '东岚发改', { severity: 'veto', problemsRaw: '监测时间点前2周无更新', problemCodes: 'NO_UPDATE_2W' });
    const plain = await finding(unit.fgj, '发改之声', {});
    const jtj = await finding(unit.jtj, '东岚教体', { severity: 'advisory', problemsRaw: '未补报进报送系统', problemCodes: 'NOT_IN_NATIONAL_SYSTEM' });
    const czj = await finding(unit.czj, '东岚财政', {});
    await finding(unit.office, '东岚发布', { qualified: true, status: 'passed', problemsRaw: null, problemCodes: null, severity: null });

    const first = await dispatch(T0);
    expect(first.deadlineCreated).toBe(true);
    expect(first.findingsSent).toBe(3);
    expect(first.plan.unreachable.map((u) => u.unit.code)).toEqual(['DL004']);
    const sent = await inspectionRows();
    expect(sent.map((m) => m.to[0]).sort()).toEqual(['cuijianmin', 'shaomingzhe', 'zhongyutong']);
    const zhong = sent.find((m) => m.to[0] === 'zhongyutong')!.text;
    expect(zhong).toContain(`东岚发改（微信公众号）〔未备案〕〔编号 ${veto}〕【单项否决】`);
    expect(zhong).toContain(`发改之声（微信公众号）〔未备案〕〔编号 ${plain}〕`);
    expect(zhong).not.toContain('东岚教体');
    const cui = sent.find((m) => m.to[0] === 'cuijianmin')!.text;
    expect(cui).toContain('单项否决问题，按规定抄送单位负责人');
    expect(cui).toContain(`〔编号 ${veto}〕`);
    expect(cui).not.toContain(`〔编号 ${plain}〕`);
    const shao = sent.find((m) => m.to[0] === 'shaomingzhe')!.text;
    expect(shao).toContain(`〔编号 ${jtj}〕`);
    expect(shao).not.toContain('东岚发改');

    const deadline = await db.dataSource.getRepository(DeadlineEntity).findOneByOrFail({ subjectKey: `inspection:${roundId}` });
    expect(deadline.kind).toBe('rectification');
    const targets = await db.dataSource.getRepository(DeadlineTargetEntity).find({ where: { deadlineId: deadline.id }, order: { unitId: 'ASC' } });
    expect(targets.map((t) => t.unitId)).toEqual([unit.fgj, unit.jtj, unit.czj].sort((a, b) => a - b));
    const announce = await db.dataSource.getRepository(ReminderEntity).findOneByOrFail({ deadlineId: deadline.id, userId: 'zhongyutong', step: 'announce' });
    expect(announce.state).toBe('sent');
    expect(announce.batchKey).toMatch(/^rectify-dispatch:/);
    const waiting = await db.dataSource.getRepository(FindingEntity).findOneByOrFail({ id: czj });
    expect(waiting.dispatchedAt).toBeNull();

    // again at once: nothing new to send, the unit without a liaison still waits
    const again = await dispatch(minutes(5), null);
    expect(again.findingsSent).toBe(0);
    expect(again.messages).toBe(0);
    expect(await inspectionRows()).toHaveLength(3);

    // a finding found later, and a liaison for 区财政局 and for the office: the next dispatch sends those only
    const later = await finding(unit.jtj, '教体之声', {});
    const office = await finding(unit.office, 'e东岚', { severity: 'veto', problemCodes: 'APP_UNAVAILABLE', problemsRaw: '无法下载' });
    const qian = Number(
      (await db.dataSource.getRepository(ContactEntity).insert({ name: '钱书仪', wecomUserId: 'qianshuyi', mobile: null, title: null, officePhone: null, createdAt: T0, updatedAt: T0 }))
        .identifiers[0].id,
    );
    await db.dataSource.getRepository(ContactRoleEntity).insert({ contactId: qian, unitId: unit.czj, role: 'liaison', createdAt: T0 });
    const third = await dispatch(minutes(60), '2026-12-31');
    expect(third.deadlineCreated).toBe(false);
    expect(third.deadline.id).toBe(deadline.id);
    expect(third.deadline.dueOn).toBe('2026-11-27');
    expect(third.unitsAdded).toBe(1);
    const all = await inspectionRows();
    const fresh = all.slice(3);
    expect(fresh.map((m) => m.to[0]).sort()).toEqual(['baizhenhua', 'luojiahe', 'qianshuyi', 'shaomingzhe']);
    const shaoAgain = fresh.find((m) => m.to[0] === 'shaomingzhe')!.text;
    expect(shaoAgain).toContain(`〔编号 ${later}〕`);
    expect(shaoAgain).not.toContain(`〔编号 ${jtj}〕`);
    expect(fresh.find((m) => m.to[0] === 'qianshuyi')!.text).toContain(`〔编号 ${czj}〕`);
    expect(fresh.find((m) => m.to[0] === 'baizhenhua')!.text).toContain(`〔编号 ${office}〕`);
    expect(await db.dataSource.getRepository(DeadlineTargetEntity).count({ where: { deadlineId: deadline.id } })).toBe(4);
    const undispatched = await db.dataSource.getRepository(FindingEntity).createQueryBuilder('f').where('f.qualified = :no AND f.dispatchedAt IS NULL', { no: false }).getCount();
    expect(undispatched).toBe(0);
  });

  it('refuses a first dispatch without a due date, or with one that has passed', async () => {
    await finding(unit.fgj, '东岚发改', {});
    await expect(dispatch(T0, null)).rejects.toMatchObject({ code: 'due-required' });
    await expect(dispatch(T0, '2026-11-10')).rejects.toBeInstanceOf(DispatchError);
    expect(await inspectionRows()).toHaveLength(0);
  });

  it('meets the target when everything is reported, reopens it on a return, and plans the future reminders again', async () => {
    const a = await finding(unit.jtj, '东岚教体', {});
    const b = await finding(unit.jtj, '教体之声', {});
    await dispatch(T0);
    const deadline = await db.dataSource.getRepository(DeadlineEntity).findOneByOrFail({ subjectKey: `inspection:${roundId}` });
    const shao = reporter('shaomingzhe', '邵明哲', unit.jtj);

    const refused = await db.dataSource.transaction((m) => submitRectification(m, { findingId: a, description: '好', measure: 'keep', reporter: shao, now: minutes(1) }));
    expect(refused).toMatchObject({ ok: false, code: 'description' });
    const notMine = await db.dataSource.transaction((m) =>
      submitRectification(m, { findingId: a, description: '已恢复更新', measure: 'keep', reporter: reporter('zhongyutong', '钟雨桐', unit.fgj), now: minutes(1) }),
    );
    expect(notMine).toMatchObject({ ok: false, code: 'not-yours' });

    const first = await db.dataSource.transaction((m) => submitRectification(m, { findingId: a, description: '已恢复更新，每周2次', measure: 'keep', reporter: shao, now: minutes(2) }));
    expect(first).toMatchObject({ ok: true, unitComplete: false });
    const second = await db.dataSource.transaction((m) => submitRectification(m, { findingId: b, description: '已补报进报送系统', measure: 'keep', reporter: shao, now: minutes(3) }));
    expect(second).toMatchObject({ ok: true, unitComplete: true });
    const twice = await db.dataSource.transaction((m) => submitRectification(m, { findingId: b, description: '再报一次试试', measure: 'keep', reporter: shao, now: minutes(4) }));
    expect(twice).toMatchObject({ ok: false, code: 'already-submitted' });
    let target = await db.dataSource.getRepository(DeadlineTargetEntity).findOneByOrFail({ deadlineId: deadline.id, unitId: unit.jtj });
    expect(target.status).toBe('met');
    expect((await db.dataSource.getRepository(DeadlineEntity).findOneByOrFail({ id: deadline.id })).state).toBe('met');

    // the sender skipped this unit's reminders as met / closed: one still ahead, one in the past
    const reminders = db.dataSource.getRepository(ReminderEntity);
    const ahead = await reminders.findOneByOrFail({ deadlineId: deadline.id, userId: 'shaomingzhe', step: 'due-day' });
    const past = await reminders.findOneByOrFail({ deadlineId: deadline.id, userId: 'shaomingzhe', step: 'before-3' });
    await reminders.update({ id: ahead.id }, { state: 'skipped', note: 'closed' });
    await reminders.update({ id: past.id }, { state: 'skipped', note: 'met', dueAt: minutes(4) });

    const admin = { userId: 'songzhiwei', name: '宋知微' };
    const noReason = await db.dataSource.transaction((m) => reviewRectification(m, { findingId: b, decision: 'return', note: ' ', reviewer: admin, now: minutes(10) }, RULES));
    expect(noReason).toMatchObject({ ok: false, code: 'reason-required' });
    const returned = await db.dataSource.transaction((m) =>
      reviewRectification(m, { findingId: b, decision: 'return', note: '请附截图', reviewer: admin, now: minutes(10) }, RULES),
    );
    expect(returned).toMatchObject({ ok: true, finding: { status: 'returned' } });
    const late = await db.dataSource.transaction((m) =>
      reviewRectification(m, { findingId: b, decision: 'accept', reviewer: { userId: 'luojiahe', name: '罗嘉禾' }, now: minutes(11) }, RULES),
    );
    expect(late).toMatchObject({ ok: false, code: 'already-reviewed', rectification: { reviewedByName: '宋知微', result: 'returned' } });

    target = await db.dataSource.getRepository(DeadlineTargetEntity).findOneByOrFail({ deadlineId: deadline.id, unitId: unit.jtj });
    expect(target).toMatchObject({ status: 'pending', metAt: null, metBy: null });
    expect((await db.dataSource.getRepository(DeadlineEntity).findOneByOrFail({ id: deadline.id })).state).toBe('open');
    expect(await reminders.findOneByOrFail({ id: ahead.id })).toMatchObject({ state: 'planned', note: null });
    expect(await reminders.findOneByOrFail({ id: past.id })).toMatchObject({ state: 'skipped', note: 'met' });

    const progress = await roundProgress(db.dataSource.manager, roundId, minutes(12));
    expect(progress.units.map((u) => ({ code: u.unit.code, submitted: u.submitted, returned: u.returned, missing: u.missing }))).toEqual([
      { code: 'DL003', submitted: 1, returned: 1, missing: 1 },
    ]);

    // reported again and accepted: the accepted report is the one that counts
    const again = await db.dataSource.transaction((m) =>
      submitRectification(m, { findingId: b, description: '已补报，截图见 https://example.gov.cn/a.png', measure: 'keep', reporter: shao, now: minutes(20) }),
    );
    expect(again).toMatchObject({ ok: true, unitComplete: true });
    await db.dataSource.transaction((m) => reviewRectification(m, { findingId: b, decision: 'accept', reviewer: admin, now: minutes(21) }, RULES));
    const current = await currentRectifications(db.dataSource.manager, [a, b]);
    expect(current.get(b)).toMatchObject({ result: 'accepted', description: '已补报，截图见 https://example.gov.cn/a.png' });
    expect(current.get(a)).toMatchObject({ result: null, description: '已恢复更新，每周2次' });
    expect(await db.dataSource.getRepository(RectificationEntity).count({ where: { findingId: b } })).toBe(2);
  });
});
