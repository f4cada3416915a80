import { In, IsNull, LessThan, MoreThan, type EntityManager } from 'typeorm';
import { OutboxEntity } from '../../outbox/outbox-entity';
import type { WebhookMessageBody } from '../../outbox/outbound-message';
import { enqueueOutbox, type OutboxItem } from '../../outbox/outbox-writer';
import { toShanghaiDate } from '../../shared/shanghai-time';
import { AuditEntity } from '../audit/audit-entity';
import { describeAudience, resolveAudienceUnits, unitRecipients, type Audience, type UnitRecipient } from '../roster/audience';
import { UnitEntity, type UnitRow } from '../roster/roster-entities';
import { BulletinEntity, BulletinRecipientEntity, type BulletinRecipientRow, type BulletinRow } from './bulletin-entities';
import {
  bulletinCard,
  cardTaskId,
  groupPostMessages,
  labelledParts,
  normalizeBulletinText,
  reminderCard,
  TEXT_MAX_BYTES,
  WEBHOOK_SPACING_MS,
  type BulletinCardFacts,
} from './bulletin-messages';

/**
 * Bulletins (通报, DOMAIN §2.6 / §3.3 step 4): an admin publishes a notice to the liaisons of some units. Publishing
 * stores the bulletin and the people it addresses and writes every message it causes to the outbox in the same
 * transaction: the post to the work group (group-bot webhook, liaisons @-mentioned) and one card with a 已阅 button
 * per person. Results are codes and records, never chat wording. Every function runs in the caller's transaction.
 */

export const TITLE_MAX_CHARS = 60;
/** The body is one TEXT column (65 535 bytes on MySQL); the rest is headroom. */
export const BODY_MAX_BYTES = 60_000;
/** Webhook rows wait a minute after each 45009; they get more attempts than a chat answer before giving up. */
const WEBHOOK_MIN_ATTEMPTS = 12;
/** message/send takes at most 1000 userids; insert statements stay well within both databases' parameter limits. */
const INSERT_CHUNK = 200;

export interface BulletinDraft {
  title: string;
  body: string;
  audience: Audience;
}

/** What the deployment offers, from the configuration. */
export interface BulletinChannels {
  /** A default work group is configured (WECOM_GROUP_WEBHOOK_URL): the bulletin is posted there. */
  groupWebhook: boolean;
  /** OUTBOX_MAX_ATTEMPTS */
  outboxMaxAttempts: number;
}

export type BulletinRefusal = 'title-empty' | 'title-too-long' | 'body-empty' | 'body-too-long' | 'no-units' | 'no-recipients';

/** Who a draft reaches and with how many messages, before anything is stored (the preview shows it). */
export interface BulletinPlan {
  title: string;
  body: string;
  audience: Audience;
  audienceLabel: string;
  units: UnitRow[];
  /** One per person (a liaison of two addressed units counts once, under the first). */
  recipients: UnitRecipient[];
  /** Addressed units without a liaison reachable through WeCom: nobody there gets the bulletin. */
  unitsWithoutLiaison: UnitRow[];
  /** The work-group post; empty when no group is configured. */
  groupMessages: WebhookMessageBody[];
  /** Without a group, the whole text goes to each person by app message, in this many pieces. */
  appTextParts: string[];
}

export type PlanResult = { ok: true; plan: BulletinPlan } | { ok: false; code: BulletinRefusal; plan?: BulletinPlan };

/** Check a draft and work out whom it reaches and how, without writing anything. */
export async function planBulletin(manager: EntityManager, draft: BulletinDraft, channels: BulletinChannels): Promise<PlanResult> {
  const title = normalizeBulletinText(draft.title).replace(/\s*\n\s*/g, ' ');
  const body = normalizeBulletinText(draft.body);
  if (!title) return { ok: false, code: 'title-empty' };
  if ([...title].length > TITLE_MAX_CHARS) return { ok: false, code: 'title-too-long' };
  if (!body) return { ok: false, code: 'body-empty' };
  if (Buffer.byteLength(body, 'utf8') > BODY_MAX_BYTES) return { ok: false, code: 'body-too-long' };

  const units = await resolveAudienceUnits(manager, draft.audience);
  const seen = new Set<number>();
  const recipients = (await unitRecipients(manager, units.map((u) => u.id), ['liaison'])).filter((r) => {
    if (seen.has(r.contactId)) return false;
    seen.add(r.contactId);
    return true;
  });
  const reached = new Set(recipients.map((r) => r.unitId));
  const plan: BulletinPlan = {
    title,
    body,
    audience: draft.audience,
    audienceLabel: describeAudience(draft.audience, units).slice(0, 191),
    units,
    recipients,
    unitsWithoutLiaison: units.filter((u) => !reached.has(u.id)),
    groupMessages: channels.groupWebhook ? groupPostMessages({ title, body, mentions: recipients.map((r) => r.userId) }) : [],
    appTextParts: channels.groupWebhook ? [] : labelledParts(title, body, TEXT_MAX_BYTES),
  };
  if (units.length === 0) return { ok: false, code: 'no-units', plan };
  if (recipients.length === 0) return { ok: false, code: 'no-recipients', plan };
  return { ok: true, plan };
}

export interface PublishInput extends BulletinDraft {
  createdBy: { userId: string; name: string };
  now: Date;
}

export type PublishResult =
  | { ok: true; bulletin: BulletinRow; recipients: BulletinRecipientRow[]; plan: BulletinPlan }
  | { ok: false; code: BulletinRefusal; plan?: BulletinPlan };

/**
 * Publish: the bulletin, its recipients and all its messages in the caller's transaction. Dedupe keys
 * `bulletin:<id>:webhook:<n>` and `bulletin:<id>:card:<userid>` make a retried transaction harmless.
 *
 * The group bot's 20 messages a minute are respected ahead of time rather than discovered by 45009: the webhook rows
 * of a bulletin get `notBefore` times WEBHOOK_SPACING_MS apart, starting after the last group message already
 * scheduled by anyone, so the dispatcher (which only claims due rows) never sends them faster than the limit. A
 * 45009 can still happen (another bot posting with the same key, a clock jump): the WeCom sender then defers the row
 * by a minute, the row keeps its place in the outbox and is sent later — never lost, never doubled — and its
 * numbered heading (2/3) lets readers order the pieces. Spacing with notBefore needs no change to the sender or the
 * dispatcher and keeps every attempt for real failures.
 */
export async function publish(manager: EntityManager, input: PublishInput, channels: BulletinChannels): Promise<PublishResult> {
  const planned = await planBulletin(manager, input, channels);
  if (!planned.ok) return planned;
  const { plan } = planned;
  const { now } = input;
  const inserted = await manager.getRepository(BulletinEntity).insert({
    title: plan.title,
    body: plan.body,
    audienceKind: plan.audience.kind,
    audienceLabel: plan.audienceLabel,
    createdBy: input.createdBy.userId.slice(0, 128),
    createdByName: input.createdBy.name.slice(0, 64),
    createdAt: now,
    sentAt: now,
    groupMessages: plan.groupMessages.length,
    reminderRounds: 0,
    lastRemindedAt: null,
  });
  const bulletinId = Number(inserted.identifiers[0].id);
  const rows = plan.recipients.map((r) => ({
    bulletinId,
    unitId: r.unitId,
    contactId: r.contactId,
    userId: r.userId,
    name: r.name.slice(0, 64),
    acknowledgedAt: null,
    remindedAt: null,
    reminderRound: 0,
    createdAt: now,
  }));
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    await manager.getRepository(BulletinRecipientEntity).insert(rows.slice(i, i + INSERT_CHUNK));
  }
  const bulletin = (await findBulletin(manager, bulletinId)) as BulletinRow;
  const recipients = await manager.getRepository(BulletinRecipientEntity).find({ where: { bulletinId }, order: { id: 'ASC' } });
  const facts = cardFacts(bulletin);

  const items: OutboxItem[] = [];
  if (plan.groupMessages.length) {
    const start = await firstWebhookSlot(manager, now);
    plan.groupMessages.forEach((body, i) =>
      items.push({
        dedupeKey: `bulletin:${bulletinId}:webhook:${i + 1}`,
        origin: 'bulletin',
        message: { channel: 'webhook', body },
        notBefore: new Date(start + i * WEBHOOK_SPACING_MS),
        maxAttempts: Math.max(channels.outboxMaxAttempts, WEBHOOK_MIN_ATTEMPTS),
      }),
    );
  }
  for (const recipient of recipients) {
    // without a group the whole text goes first, to the same conversation as the card, so it arrives before it
    plan.appTextParts.forEach((content, i) =>
      items.push({
        dedupeKey: `bulletin:${bulletinId}:text:${recipient.userId}:${i + 1}`,
        origin: 'bulletin',
        message: { channel: 'app', toUser: [recipient.userId], body: { msgtype: 'text', text: { content } } },
      }),
    );
    items.push({
      dedupeKey: `bulletin:${bulletinId}:card:${recipient.userId}`,
      origin: 'bulletin',
      message: {
        channel: 'app',
        toUser: [recipient.userId],
        body: { msgtype: 'template_card', template_card: bulletinCard(facts, cardTaskId(bulletinId, recipient.id)) },
      },
    });
  }
  await enqueueOutbox(manager, items, now, channels.outboxMaxAttempts);
  await manager.getRepository(AuditEntity).insert({
    actor: input.createdBy.userId.slice(0, 128),
    action: 'bulletin.publish',
    subject: `bulletin:${bulletinId}`,
    detail: JSON.stringify({
      title: plan.title,
      audience: plan.audienceLabel,
      units: plan.units.length,
      recipients: recipients.length,
      groupMessages: plan.groupMessages.length,
    }),
    at: now,
  });
  return { ok: true, bulletin, recipients, plan };
}

/**
 * The first moment a new group message may be sent: now, or one spacing after the latest group message already
 * scheduled (by an earlier bulletin, or anything else posting to a group), so two bulletins in a row do not add up
 * to more than the limit either.
 */
async function firstWebhookSlot(manager: EntityManager, now: Date): Promise<number> {
  const latest = await manager.getRepository(OutboxEntity).findOne({
    where: { channel: 'webhook', nextAttemptAt: MoreThan(new Date(now.getTime() - WEBHOOK_SPACING_MS)) },
    order: { nextAttemptAt: 'DESC' },
  });
  return latest ? Math.max(now.getTime(), new Date(latest.nextAttemptAt).getTime() + WEBHOOK_SPACING_MS) : now.getTime();
}

export type AcknowledgeResult =
  | { status: 'acknowledged' | 'already'; bulletin: BulletinRow; recipient: BulletinRecipientRow }
  | { status: 'not-recipient'; bulletin: BulletinRow }
  | { status: 'not-found' };

/** 已阅: record when the person read it. Idempotent: a second click keeps the first time. */
export async function acknowledge(manager: EntityManager, bulletinId: number, userId: string, now: Date): Promise<AcknowledgeResult> {
  const bulletin = await findBulletin(manager, bulletinId);
  if (!bulletin) return { status: 'not-found' };
  const repo = manager.getRepository(BulletinRecipientEntity);
  const recipient = await repo.findOne({ where: { bulletinId, userId } });
  if (!recipient) return { status: 'not-recipient', bulletin };
  if (recipient.acknowledgedAt) return { status: 'already', bulletin, recipient };
  const result = await repo.update({ id: recipient.id, acknowledgedAt: IsNull() }, { acknowledgedAt: now });
  if (!result.affected) {
    const current = (await repo.findOne({ where: { id: recipient.id } })) as BulletinRecipientRow;
    return { status: 'already', bulletin, recipient: current };
  }
  return { status: 'acknowledged', bulletin, recipient: { ...recipient, acknowledgedAt: now } };
}

/** The addressed people who have not acknowledged yet, in the order they were addressed (unit, then person). */
export async function unacknowledged(manager: EntityManager, bulletinId: number): Promise<BulletinRecipientRow[]> {
  return manager.getRepository(BulletinRecipientEntity).find({ where: { bulletinId, acknowledgedAt: IsNull() }, order: { id: 'ASC' } });
}

export function findBulletin(manager: EntityManager, bulletinId: number): Promise<BulletinRow | null> {
  return manager.getRepository(BulletinEntity).findOne({ where: { id: bulletinId } });
}

export interface BulletinReceipts {
  bulletin: BulletinRow;
  total: number;
  acknowledged: number;
  /** Who has not acknowledged, by unit (in the order the units were addressed). */
  pendingByUnit: Array<{ unit: UnitRow | null; unitId: number; people: BulletinRecipientRow[] }>;
}

/** 通报回执: how many read it, and who has not, unit by unit. Null when there is no such bulletin. */
export async function bulletinReceipts(manager: EntityManager, bulletinId: number): Promise<BulletinReceipts | null> {
  const bulletin = await findBulletin(manager, bulletinId);
  if (!bulletin) return null;
  const all = await manager.getRepository(BulletinRecipientEntity).find({ where: { bulletinId }, order: { id: 'ASC' } });
  const pending = all.filter((r) => !r.acknowledgedAt);
  const unitIds = [...new Set(pending.map((r) => r.unitId))];
  const units = unitIds.length ? await manager.getRepository(UnitEntity).find({ where: { id: In(unitIds) } }) : [];
  const byId = new Map(units.map((u) => [u.id, u]));
  return {
    bulletin,
    total: all.length,
    acknowledged: all.length - pending.length,
    pendingByUnit: unitIds.map((unitId) => ({ unitId, unit: byId.get(unitId) ?? null, people: pending.filter((r) => r.unitId === unitId) })),
  };
}

export interface BulletinSummary {
  bulletin: BulletinRow;
  total: number;
  acknowledged: number;
}

/** The most recent bulletins with their acknowledgement counts, newest first. */
export async function latestBulletins(manager: EntityManager, limit = 5): Promise<BulletinSummary[]> {
  const bulletins = await manager.getRepository(BulletinEntity).find({ order: { id: 'DESC' }, take: limit });
  if (bulletins.length === 0) return [];
  const recipients = await manager.getRepository(BulletinRecipientEntity).find({ where: { bulletinId: In(bulletins.map((b) => b.id)) } });
  return bulletins.map((bulletin) => {
    const mine = recipients.filter((r) => r.bulletinId === bulletin.id);
    return { bulletin, total: mine.length, acknowledged: mine.filter((r) => r.acknowledgedAt).length };
  });
}

export type RemindResult =
  | { status: 'not-found' }
  | { status: 'all-acknowledged'; bulletin: BulletinRow }
  /** Everyone still pending was already reminded today: nothing sent again. */
  | { status: 'already-reminded'; bulletin: BulletinRow; round: number; at: Date | null; pending: BulletinRecipientRow[] }
  | { status: 'reminded'; bulletin: BulletinRow; round: number; reminded: BulletinRecipientRow[] };

/**
 * 催阅: one reminder card to each person who has not acknowledged. A round is one Beijing day: a second 催阅 the same
 * day (a double click, two admins) sends nothing new, a 催阅 on another day starts the next round. The round is part
 * of the dedupe key (`bulletin:<id>:remind:<round>:<userid>`) and of the recipient row, so neither a repeated command
 * nor a retried transaction sends a reminder twice.
 */
export async function remindUnacknowledged(
  manager: EntityManager,
  input: { bulletinId: number; now: Date; remindedBy: string },
  channels: Pick<BulletinChannels, 'outboxMaxAttempts'>,
): Promise<RemindResult> {
  const { bulletinId, now } = input;
  const bulletin = await findBulletin(manager, bulletinId);
  if (!bulletin) return { status: 'not-found' };
  const pending = await unacknowledged(manager, bulletinId);
  if (pending.length === 0) return { status: 'all-acknowledged', bulletin };
  const sameDay = bulletin.lastRemindedAt !== null && toShanghaiDate(new Date(bulletin.lastRemindedAt)) === toShanghaiDate(now);
  const round = sameDay ? bulletin.reminderRounds : bulletin.reminderRounds + 1;
  const due = pending.filter((r) => r.reminderRound < round);
  if (due.length === 0) return { status: 'already-reminded', bulletin, round, at: bulletin.lastRemindedAt, pending };

  const recipients = manager.getRepository(BulletinRecipientEntity);
  for (let i = 0; i < due.length; i += INSERT_CHUNK) {
    await recipients.update(
      { id: In(due.slice(i, i + INSERT_CHUNK).map((r) => r.id)), reminderRound: LessThan(round) },
      { reminderRound: round, remindedAt: now },
    );
  }
  await manager.getRepository(BulletinEntity).update({ id: bulletinId }, { reminderRounds: round, lastRemindedAt: now });
  const facts = cardFacts(bulletin);
  const items: OutboxItem[] = due.map((r) => ({
    dedupeKey: `bulletin:${bulletinId}:remind:${round}:${r.userId}`,
    origin: 'bulletin-reminder',
    message: {
      channel: 'app',
      toUser: [r.userId],
      body: { msgtype: 'template_card', template_card: reminderCard(facts, cardTaskId(bulletinId, r.id, round), round) },
    },
  }));
  await enqueueOutbox(manager, items, now, channels.outboxMaxAttempts);
  await manager.getRepository(AuditEntity).insert({
    actor: input.remindedBy.slice(0, 128),
    action: 'bulletin.remind',
    subject: `bulletin:${bulletinId}`,
    detail: JSON.stringify({ round, reminded: due.map((r) => r.userId) }),
    at: now,
  });
  const updated = { ...bulletin, reminderRounds: round, lastRemindedAt: now };
  return { status: 'reminded', bulletin: updated, round, reminded: due.map((r) => ({ ...r, reminderRound: round, remindedAt: now })) };
}

function cardFacts(bulletin: BulletinRow): BulletinCardFacts {
  return {
    id: bulletin.id,
    title: bulletin.title,
    body: bulletin.body,
    publishedAt: new Date(bulletin.sentAt ?? bulletin.createdAt),
    fullText: bulletin.groupMessages > 0 ? 'group' : 'app',
  };
}
