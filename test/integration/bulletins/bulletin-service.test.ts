/** Bulletins (通报): publish, acknowledge, receipts and 催阅 on both databases, stopping at the outbox. */
import type { EntityManager } from 'typeorm';
import { AuditEntity } from '../../../src/domain/audit/audit-entity';
import { BulletinEntity, BulletinRecipientEntity } from '../../../src/domain/bulletins/bulletin-entities';
import { WEBHOOK_SPACING_MS } from '../../../src/domain/bulletins/bulletin-messages';
import {
  acknowledge,
  bulletinReceipts,
  latestBulletins,
  planBulletin,
  publish,
  remindUnacknowledged,
  unacknowledged,
  type BulletinChannels,
  type PublishInput,
} from '../../../src/domain/bulletins/bulletin-service';
import { FindingEntity, InspectionRoundEntity } from '../../../src/domain/inspection/finding-entity';
import type { Audience } from '../../../src/domain/roster/audience';
import { UnitEntity } from '../../../src/domain/roster/roster-entities';
import { OutboxEntity, type OutboxRow } from '../../../src/outbox/outbox-entity';
import type { OutboundMessage } from '../../../src/outbox/outbound-message';
import { seedRoster } from '../../helpers/seed-roster';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../helpers/test-databases';

/** 2026-11-20 09:00 in Beijing */
const NOW = new Date('2026-11-20T01:00:00Z');
const GROUP: BulletinChannels = { groupWebhook: true, outboxMaxAttempts: 8 };
const NO_GROUP: BulletinChannels = { groupWebhook: false, outboxMaxAttempts: 8 };
const ADMIN = { userId: 'songzhiwei', name: '宋知微' };

describe.each(testDatabaseKinds())('bulletins on %s', (kind) => {
  let db: TestDatabase;
  let unitId: (code: string) => number;

  beforeEach(async () => {
    db = await createTestDatabase(kind);
    await seedRoster(db.dataSource, NOW);
    const units = await db.dataSource.getRepository(UnitEntity).find();
    unitId = (code) => units.find((u) => u.code === code)!.id;
  });
  afterEach(async () => db.destroy());

  const tx = <T>(work: (manager: EntityManager) => Promise<T>): Promise<T> => db.dataSource.transaction(work);
  const outbox = () => db.dataSource.getRepository(OutboxEntity).find({ order: { id: 'ASC' } });
  const messageOf = (row: OutboxRow) => JSON.parse(row.payload) as OutboundMessage;
  const input = (audience: Audience, extra: Partial<PublishInput> = {}): PublishInput => ({
    title: '关于第四季度政务新媒体自查的通报',
    body: '各单位：\n请于12月5日前完成本单位政务新媒体自查，并报送检查结果信息表。',
    audience,
    createdBy: ADMIN,
    now: NOW,
    ...extra,
  });
  const published = async (audience: Audience, channels = GROUP, extra: Partial<PublishInput> = {}) => {
    const result = await tx((m) => publish(m, input(audience, extra), channels));
    if (!result.ok) throw new Error(`refused: ${result.code}`);
    return result;
  };

  it('publishes to every filing unit: the bulletin, one row per liaison, the group post and one card each, in one transaction', async () => {
    const { bulletin, recipients, plan } = await published({ kind: 'all' });
    expect(bulletin).toMatchObject({ audienceKind: 'all', audienceLabel: '全部单位（3个）', createdBy: 'songzhiwei', createdByName: '宋知微', groupMessages: 1 });
    expect(recipients.map((r) => [r.userId, r.name, r.unitId])).toEqual([
      ['luojiahe', '罗嘉禾', unitId('DL001')],
      ['zhongyutong', '钟雨桐', unitId('DL002')],
      ['shaomingzhe', '邵明哲', unitId('DL003')],
    ]);
    expect(plan.unitsWithoutLiaison).toEqual([]);

    const rows = await outbox();
    expect(rows.map((r) => r.dedupeKey)).toEqual([
      `bulletin:${bulletin.id}:webhook:1`,
      `bulletin:${bulletin.id}:card:luojiahe`,
      `bulletin:${bulletin.id}:card:zhongyutong`,
      `bulletin:${bulletin.id}:card:shaomingzhe`,
    ]);
    const hook = messageOf(rows[0]);
    expect(hook).toMatchObject({ channel: 'webhook', body: { msgtype: 'text', text: { mentioned_list: ['luojiahe', 'zhongyutong', 'shaomingzhe'] } } });
    expect(hook.channel === 'webhook' && hook.body.msgtype === 'text' && hook.body.text.content).toContain('【通报】关于第四季度政务新媒体自查的通报\n各单位：');
    expect(rows[0].maxAttempts).toBeGreaterThanOrEqual(12);
    const card = messageOf(rows[2]);
    expect(card).toMatchObject({
      channel: 'app',
      toUser: ['zhongyutong'],
      body: { msgtype: 'template_card', template_card: { task_id: `bulletin-${bulletin.id}-${recipients[1].id}`, button_list: [{ text: '已阅', key: `bulletin:ack:${bulletin.id}` }] } },
    });
    const audit = await db.dataSource.getRepository(AuditEntity).find();
    expect(audit).toMatchObject([{ actor: 'songzhiwei', action: 'bulletin.publish', subject: `bulletin:${bulletin.id}` }]);
    expect(JSON.parse(audit[0].detail ?? '{}')).toMatchObject({ recipients: 3, groupMessages: 1 });
  });

  it('writes nothing when the transaction that published rolls back', async () => {
    await expect(
      tx(async (m) => {
        await publish(m, input({ kind: 'all' }), GROUP);
        throw new Error('later step failed');
      }),
    ).rejects.toThrow('later step failed');
    expect(await db.dataSource.getRepository(BulletinEntity).count()).toBe(0);
    expect(await db.dataSource.getRepository(BulletinRecipientEntity).count()).toBe(0);
    expect(await outbox()).toEqual([]);
  });

  it('addresses listed units, or the units with open findings', async () => {
    const listed = await published({ kind: 'units', unitIds: [unitId('DL003'), unitId('DL002')] });
    expect(listed.recipients.map((r) => r.userId)).toEqual(['zhongyutong', 'shaomingzhe']);
    expect(listed.bulletin.audienceLabel).toBe('东岚区发展和改革局、东岚区教育和体育局');

    const round = await db.dataSource.getRepository(InspectionRoundEntity).insert({ title: '2026年第三季度检查', period: '2026Q3', createdAt: NOW });
    const roundId = Number(round.identifiers[0].id);
    const finding = (code: string, qualified: boolean, status: 'open' | 'accepted') => ({
      roundId,
      unitId: unitId(code),
      accountId: null,
      qualified,
      problemsRaw: qualified ? null : '更新不及时',
      status,
      createdAt: NOW,
      updatedAt: NOW,
    });
    await db.dataSource.getRepository(FindingEntity).insert([finding('DL003', false, 'open'), finding('DL002', false, 'accepted'), finding('DL001', true, 'open')]);
    const open = await published({ kind: 'openFindings' });
    expect(open.recipients.map((r) => r.userId)).toEqual(['shaomingzhe']);
    expect(open.bulletin.audienceLabel).toBe('有待整改问题的单位（1个）');
  });

  it('refuses, writing nothing, an audience nobody can be reached in', async () => {
    const none = await tx((m) => publish(m, input({ kind: 'openFindings' }), GROUP));
    expect(none).toMatchObject({ ok: false, code: 'no-units' });
    const empty = await db.dataSource
      .getRepository(UnitEntity)
      .insert({ code: 'DL009', name: '东岚区档案馆', shortName: '区档案馆', unitType: '部门', parentName: null, systemRolesRaw: '填报单位', isOrganizer: false, isFiler: true, remarks: null, createdAt: NOW, updatedAt: NOW });
    const nobody = await tx((m) => publish(m, input({ kind: 'units', unitIds: [Number(empty.identifiers[0].id)] }), GROUP));
    expect(nobody).toMatchObject({ ok: false, code: 'no-recipients', plan: { audienceLabel: '东岚区档案馆' } });
    expect(await tx((m) => publish(m, input({ kind: 'all' }, { title: '  ' }), GROUP))).toMatchObject({ ok: false, code: 'title-empty' });
    expect(await tx((m) => publish(m, input({ kind: 'all' }, { body: '通'.repeat(20_001) }), GROUP))).toMatchObject({ ok: false, code: 'body-too-long' });
    expect(await db.dataSource.getRepository(BulletinEntity).count()).toBe(0);
    expect(await outbox()).toEqual([]);
  });

  it('names the addressed units that have no reachable liaison in the plan', async () => {
    const empty = await db.dataSource
      .getRepository(UnitEntity)
      .insert({ code: 'DL009', name: '东岚区档案馆', shortName: '区档案馆', unitType: '部门', parentName: null, systemRolesRaw: '填报单位', isOrganizer: false, isFiler: true, remarks: null, createdAt: NOW, updatedAt: NOW });
    const planned = await planBulletin(db.dataSource.manager, input({ kind: 'units', unitIds: [unitId('DL002'), Number(empty.identifiers[0].id)] }), GROUP);
    expect(planned.ok).toBe(true);
    if (!planned.ok) return;
    expect(planned.plan.unitsWithoutLiaison.map((u) => u.code)).toEqual(['DL009']);
    expect(planned.plan.recipients.map((r) => r.userId)).toEqual(['zhongyutong']);
  });

  it('without a work group sends the whole text by app message before each card, and says so in the record', async () => {
    const { bulletin } = await published({ kind: 'units', unitIds: [unitId('DL002')] }, NO_GROUP);
    expect(bulletin.groupMessages).toBe(0);
    const rows = await outbox();
    expect(rows.map((r) => r.dedupeKey)).toEqual([`bulletin:${bulletin.id}:text:zhongyutong:1`, `bulletin:${bulletin.id}:card:zhongyutong`]);
    expect(messageOf(rows[0])).toEqual({
      channel: 'app',
      toUser: ['zhongyutong'],
      body: { msgtype: 'text', text: { content: '【通报】关于第四季度政务新媒体自查的通报\n各单位：\n请于12月5日前完成本单位政务新媒体自查，并报送检查结果信息表。' } },
    });
    expect(rows.some((r) => r.channel === 'webhook')).toBe(false);
  });

  it('spaces group messages 3.1 s apart, and a second bulletin starts after the first one’s last message', async () => {
    const longBody = Array.from({ length: 90 }, (_, i) => `${i + 1}、请各单位对照检查指标逐项自查，发现问题立即整改，并做好记录备查。`).join('\n');
    const first = await published({ kind: 'all' }, GROUP, { body: longBody });
    const second = await published({ kind: 'all' }, GROUP, { now: new Date(NOW.getTime() + 1000) });
    const hooks = (await outbox()).filter((r) => r.channel === 'webhook');
    expect(first.plan.groupMessages.length).toBeGreaterThan(2);
    expect(hooks).toHaveLength(first.plan.groupMessages.length + 1);
    const times = hooks.map((r) => new Date(r.nextAttemptAt).getTime());
    expect(times[0]).toBe(NOW.getTime());
    for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBe(WEBHOOK_SPACING_MS);
    expect(hooks[hooks.length - 1].dedupeKey).toBe(`bulletin:${second.bulletin.id}:webhook:1`);
  });

  it('records 已阅 once: a second click keeps the first time; strangers and unknown bulletins are told apart', async () => {
    const { bulletin } = await published({ kind: 'all' });
    const first = await tx((m) => acknowledge(m, bulletin.id, 'zhongyutong', NOW));
    expect(first.status).toBe('acknowledged');
    const later = new Date(NOW.getTime() + 3_600_000);
    const again = await tx((m) => acknowledge(m, bulletin.id, 'zhongyutong', later));
    expect(again.status).toBe('already');
    expect(again.status === 'already' && new Date(again.recipient.acknowledgedAt as Date).getTime()).toBe(NOW.getTime());
    expect((await tx((m) => acknowledge(m, bulletin.id, 'cuijianmin', NOW))).status).toBe('not-recipient');
    expect((await tx((m) => acknowledge(m, bulletin.id + 99, 'zhongyutong', NOW))).status).toBe('not-found');

    expect((await unacknowledged(db.dataSource.manager, bulletin.id)).map((r) => r.userId)).toEqual(['luojiahe', 'shaomingzhe']);
    const receipts = await bulletinReceipts(db.dataSource.manager, bulletin.id);
    expect(receipts).toMatchObject({ total: 3, acknowledged: 1 });
    expect(receipts?.pendingByUnit.map((u) => [u.unit?.code, u.people.map((p) => p.name)])).toEqual([
      ['DL001', ['罗嘉禾']],
      ['DL003', ['邵明哲']],
    ]);
    expect(await latestBulletins(db.dataSource.manager)).toMatchObject([{ bulletin: { id: bulletin.id }, total: 3, acknowledged: 1 }]);
  });

  it('催阅 reminds only those who have not read it, once a day; another day is the next round', async () => {
    const { bulletin } = await published({ kind: 'all' });
    await tx((m) => acknowledge(m, bulletin.id, 'luojiahe', NOW));
    const before = (await outbox()).length;

    const day1 = new Date(NOW.getTime() + 2 * 3_600_000);
    const first = await tx((m) => remindUnacknowledged(m, { bulletinId: bulletin.id, now: day1, remindedBy: 'songzhiwei' }, GROUP));
    expect(first).toMatchObject({ status: 'reminded', round: 1 });
    expect(first.status === 'reminded' && first.reminded.map((r) => r.userId)).toEqual(['zhongyutong', 'shaomingzhe']);
    const reminders = (await outbox()).slice(before);
    expect(reminders.map((r) => r.dedupeKey)).toEqual([`bulletin:${bulletin.id}:remind:1:zhongyutong`, `bulletin:${bulletin.id}:remind:1:shaomingzhe`]);
    expect(messageOf(reminders[0])).toMatchObject({ toUser: ['zhongyutong'], body: { template_card: { button_list: [{ text: '已阅' }] } } });

    // a double click, or a second admin, the same day: nothing new
    const twice = await tx((m) => remindUnacknowledged(m, { bulletinId: bulletin.id, now: new Date(day1.getTime() + 60_000), remindedBy: 'luojiahe' }, GROUP));
    expect(twice).toMatchObject({ status: 'already-reminded', round: 1 });
    expect(await outbox()).toHaveLength(before + 2);

    await tx((m) => acknowledge(m, bulletin.id, 'zhongyutong', day1));
    const day2 = new Date(NOW.getTime() + 24 * 3_600_000);
    const next = await tx((m) => remindUnacknowledged(m, { bulletinId: bulletin.id, now: day2, remindedBy: 'songzhiwei' }, GROUP));
    expect(next.status === 'reminded' && [next.round, next.reminded.map((r) => r.userId)]).toEqual([2, ['shaomingzhe']]);
    expect((await outbox()).slice(before + 2).map((r) => r.dedupeKey)).toEqual([`bulletin:${bulletin.id}:remind:2:shaomingzhe`]);
    const stored = await db.dataSource.getRepository(BulletinRecipientEntity).find({ where: { bulletinId: bulletin.id }, order: { id: 'ASC' } });
    expect(stored.map((r) => [r.userId, r.reminderRound])).toEqual([
      ['luojiahe', 0],
      ['zhongyutong', 1],
      ['shaomingzhe', 2],
    ]);
    expect(await db.dataSource.getRepository(BulletinEntity).findOneBy({ id: bulletin.id })).toMatchObject({ reminderRounds: 2 });

    await tx((m) => acknowledge(m, bulletin.id, 'shaomingzhe', day2));
    expect(await tx((m) => remindUnacknowledged(m, { bulletinId: bulletin.id, now: day2, remindedBy: 'songzhiwei' }, GROUP))).toMatchObject({ status: 'all-acknowledged' });
    expect(await tx((m) => remindUnacknowledged(m, { bulletinId: 999, now: day2, remindedBy: 'songzhiwei' }, GROUP))).toEqual({ status: 'not-found' });
  });
});
