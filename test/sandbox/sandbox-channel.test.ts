/**
 * The sandbox as a channel beside the WeCom ones, on SQLite and MariaDB/MySQL: the real runtime in sandbox mode (no
 * WeCom credentials) with the demo district, driven through /sandbox/api/… like the page. A message goes through the
 * inbox, the engine, the outbox and the dispatcher into the person's sandbox conversation; a card click is the app's
 * template_card_event; a bulletin reaches the work group as the group bot's text with its @-mentions; the clock
 * moves and the jobs send what fell due.
 */
import { InboxEntity } from '../../src/chat/inbox-entity';
import { DeadlineEntity, ReminderEntity } from '../../src/domain/deadlines/deadline-entities';
import { FilingEntity } from '../../src/domain/registry/filing-entity';
import { UnitEntity } from '../../src/domain/roster/roster-entities';
import { unitRecipients } from '../../src/domain/roster/audience';
import { OutboxEntity } from '../../src/outbox/outbox-entity';
import { SANDBOX_GROUP_ID } from '../../src/sandbox/sandbox';
import type { SandboxEntry } from '../../src/sandbox/sandbox-store';
import { nextWorkdayStart } from '../../src/sandbox/time-travel';
import { loadDeadlineRules } from '../../src/domain/deadlines/deadline-rules';
import { loadConfig } from '../../src/config/load-config';
import { OffsetClock } from '../helpers/offset-clock';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../helpers/test-databases';
import { OPEN_FILING } from './open-filing-script';
import { ROOT, SandboxBot, textOf } from './sandbox-harness';

/** Monday 2026-11-23, 08:00 in Beijing: a working day, before office hours. */
const START = '2026-11-23T08:00:00+08:00';


describe.each(testDatabaseKinds())('the sandbox channel on %s', (kind) => {
  let db: TestDatabase;
  let bot: SandboxBot;
  let clock: OffsetClock;

  beforeEach(async () => {
    db = await createTestDatabase(kind);
    clock = new OffsetClock(START);
    bot = await SandboxBot.start(db.url, {}, clock);
  });

  afterEach(async () => {
    await bot.stop();
    await db.destroy();
  });

  it('takes a message into the inbox and delivers the answer through the outbox and the dispatcher', async () => {
    const { outcome, answers } = await bot.say('zhongyutong', '我是谁', 'single', 'client-0001');
    expect(outcome).toBe('accepted');
    expect(answers).toHaveLength(1);
    expect(answers[0]).toMatchObject({ conversation: 'zhongyutong', chat: 'single', kind: 'text', channel: 'sandbox' });
    expect(textOf(answers[0])).toContain('钟雨桐');
    expect(textOf(answers[0])).toContain('东岚区发展和改革局');

    const inbound = await bot.runtime.dataSource.getRepository(InboxEntity).find();
    expect(inbound.map((m) => [m.channel, m.userId, m.chatType, m.text, m.status])).toEqual([['sandbox', 'zhongyutong', 'single', '我是谁', 'done']]);
    const sent = await bot.runtime.dataSource.getRepository(OutboxEntity).find({ where: { channel: 'sandbox' } });
    expect(sent.map((r) => r.status)).toEqual(['sent']);

    // the page retries with the same client id: stored once, answered once
    const again = await bot.say('zhongyutong', '我是谁', 'single', 'client-0001');
    expect(again.outcome).toBe('duplicate');
    expect(again.answers).toHaveLength(0);
    expect(await bot.runtime.dataSource.getRepository(InboxEntity).count()).toBe(1);
    const mine = (await bot.entries()).filter((e) => e.conversation === 'zhongyutong');
    expect(mine.map((e) => e.direction)).toEqual(['in', 'out']);
  });

  it('in the work group, answers only a message that @-mentions the bot, and answers in the group', async () => {
    const chatter = await bot.say('shaomingzhe', '各位好，本周检查结果出来了吗？', 'group');
    expect(chatter.outcome).toBe('not-addressed');
    expect(await bot.runtime.dataSource.getRepository(InboxEntity).count()).toBe(0);

    const asked = await bot.say('shaomingzhe', '@联络助手 我是谁', 'group');
    expect(asked.outcome).toBe('accepted');
    expect(asked.answers).toHaveLength(1);
    expect(asked.answers[0]).toMatchObject({ conversation: SANDBOX_GROUP_ID, chat: 'group' });
    expect(textOf(asked.answers[0])).toContain('邵明哲');
    const [inbound] = await bot.runtime.dataSource.getRepository(InboxEntity).find();
    expect(inbound).toMatchObject({ channel: 'sandbox', chatType: 'group', chatId: SANDBOX_GROUP_ID, text: '我是谁' });
    const group = (await bot.entries()).filter((e) => e.conversation === SANDBOX_GROUP_ID);
    expect(group.map((e) => `${e.direction}:${e.userId ?? 'bot'}`)).toEqual(['in:shaomingzhe', 'in:shaomingzhe', 'out:bot']);
  });

  it('turns a click on the review card into the card event: approved, every admin card greyed, the liaison told', async () => {
    for (const [text, expected] of OPEN_FILING) {
      const { answers } = await bot.say('zhongyutong', text);
      expect(answers.map(textOf).join('\n')).toContain(expected);
    }
    const filing = await bot.runtime.dataSource.getRepository(FilingEntity).findOneOrFail({ where: { filerUserId: 'zhongyutong' } });
    const cardOf = async (admin: string) => (await bot.botMessages(admin)).find((e) => e.kind === 'card' && textOf(e).includes(filing.filingNo));
    const card = await cardOf('songzhiwei');
    const otherCard = await cardOf('dujiayan');
    expect(card).toBeDefined();
    expect(otherCard?.taskId).toBe(card?.taskId);
    const approve = buttons(card as SandboxEntry).find((b) => b.text === '通过');
    expect(approve).toBeDefined();

    // only the card's own recipient can click it
    const foreign = await bot.api('POST', `/sandbox/api/cards/${(card as SandboxEntry).id}/click`, { as: 'zhongyutong', key: approve?.key });
    expect(foreign.status).toBe(404);

    const before = await bot.lastId();
    const click = await bot.api<{ outcome: string }>('POST', `/sandbox/api/cards/${(card as SandboxEntry).id}/click`, { as: 'songzhiwei', key: approve?.key });
    expect(click.status).toBe(202);
    expect(click.body.outcome).toBe('accepted');
    await bot.quiet();

    const [event] = await bot.runtime.dataSource.getRepository(InboxEntity).find({ where: { msgType: 'event' } });
    const payload = JSON.parse(event.payload) as { event: { type: string; key: string; taskId: string; responseCode: string } };
    expect(payload.event).toMatchObject({ type: 'template_card_event', key: approve?.key, taskId: card?.taskId });
    expect(payload.event.responseCode).toMatch(/^sandbox-/);

    const after = (await bot.entries()).filter((e) => e.id > before);
    const updates = after.filter((e) => e.kind === 'card-update');
    expect(updates.map((u) => [u.conversation, u.taskId, u.body.replaceName]).sort()).toEqual(
      [
        ['dujiayan', card?.taskId, '已通过（宋知微）'],
        ['songzhiwei', card?.taskId, '已通过（宋知微）'],
      ].sort(),
    );
    const adminAnswer = after.find((e) => e.conversation === 'songzhiwei' && e.direction === 'out' && e.kind === 'text');
    expect(textOf(adminAnswer as SandboxEntry)).toContain(`已通过开设备案 ${filing.filingNo}`);
    const notice = after.find((e) => e.conversation === 'zhongyutong' && e.direction === 'out');
    expect(notice?.channel).toBe('app');
    expect(textOf(notice as SandboxEntry)).toContain('已通过审核（审核人：宋知微）');
    expect((await bot.runtime.dataSource.getRepository(FilingEntity).findOneByOrFail({ id: filing.id })).reviewStatus).toBe('approved');

    // the buttons are gone: a second click is refused
    const second = await bot.api('POST', `/sandbox/api/cards/${(card as SandboxEntry).id}/click`, { as: 'songzhiwei', key: approve?.key });
    expect(second.status).toBe(409);
  });

  it('shows an admin’s bulletin in the work group with its @-mentions, and greys 已阅 on the card of the liaison who clicks it', async () => {
    const { dataSource } = bot.runtime;
    // alone, the sandbox provides the work group: the bulletin goes there as it would through WECOM_GROUP_WEBHOOK_URL
    await bot.say('songzhiwei', '发布通报');
    await bot.say('songzhiwei', '关于第三季度政务新媒体检查情况的通报');
    await bot.say('songzhiwei', '各单位：请对照检查结果逐项整改，按期报送整改情况。');
    const preview = await bot.say('songzhiwei', '全部单位');
    expect(preview.answers.map(textOf).join('\n')).toMatch(/工作群：分1条消息发送.*并@以上\d+名联络员/);
    const confirmed = await bot.say('songzhiwei', '确认');
    expect(confirmed.answers.map(textOf).join('\n')).toContain('已发布通报《关于第三季度政务新媒体检查情况的通报》');

    const units = await dataSource.getRepository(UnitEntity).find({ where: { isFiler: true } });
    const liaisons = (await unitRecipients(dataSource.manager, units.map((u) => u.id), ['liaison'])).map((r) => r.userId).sort();
    const group = await bot.botMessages(SANDBOX_GROUP_ID);
    expect(group.length).toBeGreaterThan(0);
    expect(group.every((e) => e.channel === 'webhook')).toBe(true);
    expect(group.map(textOf).join('\n')).toContain('关于第三季度政务新媒体检查情况的通报');
    const mentioned = group.flatMap((e) => ((e.body.text as { mentioned_list?: string[] }).mentioned_list ?? []));
    expect([...mentioned].sort()).toEqual(liaisons);

    const card = (await bot.botMessages('gongjiayi')).find((e) => e.kind === 'card');
    const ack = buttons(card as SandboxEntry).find((b) => b.text === '已阅');
    expect(ack).toBeDefined();
    const click = await bot.api('POST', `/sandbox/api/cards/${(card as SandboxEntry).id}/click`, { as: 'gongjiayi', key: ack?.key });
    expect(click.status).toBe(202);
    await bot.quiet();
    const updates = (await bot.entries()).filter((e) => e.kind === 'card-update');
    expect(updates.map((u) => [u.conversation, u.taskId, u.body.replaceName])).toEqual([['gongjiayi', card?.taskId, '已阅']]);
  });

  it('moves the clock to the next working day and lets the jobs send the deadline notice to the units that owe it', async () => {
    const { dataSource } = bot.runtime;
    const deadline = await dataSource.getRepository(DeadlineEntity).findOneOrFail({ where: { state: 'open' } });
    const planned = await dataSource.getRepository(ReminderEntity).find({ where: { deadlineId: deadline.id, step: 'announce' } });
    const owing = [...new Set(planned.map((r) => r.userId))].sort();
    expect(owing.length).toBeGreaterThan(0);
    const rules = loadDeadlineRules(loadConfig({}, `${ROOT}/config`), ROOT);
    const expected = nextWorkdayStart(clock.now(), rules);

    const state = await bot.api<{ jumps: Array<{ id: string; at: string }> }>('GET', '/sandbox/api/state');
    expect(state.body.jumps.find((j) => j.id === 'next-workday')?.at).toBe(expected.toISOString());
    const moved = await bot.api<{ now: string }>('POST', '/sandbox/api/clock', { jump: 'next-workday' });
    expect(moved.status).toBe(200);
    expect(new Date(moved.body.now).getTime()).toBeGreaterThanOrEqual(expected.getTime());
    await bot.quiet();

    const told = (await bot.entries()).filter((e) => e.direction === 'out' && textOf(e).includes(deadline.title)).map((e) => e.conversation);
    expect([...told].sort()).toEqual(owing);
    expect(told).not.toContain('gongjiayi'); // 区文旅局 passed the inspection

    expect((await bot.api('POST', '/sandbox/api/clock', { jump: 'back-to-monday' })).status).toBe(409);
    expect((await bot.api('POST', '/sandbox/api/clock', { jump: 'deadline:999999' })).status).toBe(409);
  });
});

function buttons(entry: SandboxEntry): Array<{ text: string; key: string }> {
  const card = (entry.body.template_card ?? {}) as { button_list?: Array<{ text: string; key: string }> };
  return card.button_list ?? [];
}
