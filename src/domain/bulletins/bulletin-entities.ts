import { EntitySchema } from 'typeorm';
import { idColumn, instant, int, key, text } from '../../db/column-types';
import type { Audience } from '../roster/audience';

/** Audience['kind'] as stored. */
export type BulletinAudienceKind = Audience['kind'];

/**
 * 通报 (DOMAIN §2.6): a notice from the office to the liaisons of some units. An official record: written once when
 * published, never edited; only the reminder bookkeeping changes afterwards.
 */
export interface BulletinRow {
  id: number;
  title: string;
  body: string;
  audienceKind: BulletinAudienceKind;
  /** The audience as shown to people when it was published: 全部单位（40个） / 区发改局、区教体局 … */
  audienceLabel: string;
  /** WeCom userid of the admin, or cli:<user> */
  createdBy: string;
  createdByName: string;
  createdAt: Date;
  /** When its messages were written to the outbox (the moment of publication). */
  sentAt: Date | null;
  /** How many messages went to the work group through the group-bot webhook (0: no group configured). */
  groupMessages: number;
  /** How many 催阅 rounds were sent; a round is one Beijing day. */
  reminderRounds: number;
  lastRemindedAt: Date | null;
}

export const BulletinEntity = new EntitySchema<BulletinRow>({
  name: 'BulletinRow',
  tableName: 'bulletins',
  columns: {
    id: idColumn,
    title: key(128),
    body: text(false),
    audienceKind: { ...key(16), name: 'audience_kind' },
    audienceLabel: { ...key(191), name: 'audience_label' },
    createdBy: { ...key(128), name: 'created_by' },
    createdByName: { ...key(64), name: 'created_by_name' },
    createdAt: { ...instant(), name: 'created_at' },
    sentAt: { ...instant(true), name: 'sent_at' },
    groupMessages: { ...int(false, 0), name: 'group_messages' },
    reminderRounds: { ...int(false, 0), name: 'reminder_rounds' },
    lastRemindedAt: { ...instant(true), name: 'last_reminded_at' },
  },
  indices: [{ name: 'ix_bulletins_created', columns: ['createdAt'] }],
});

/**
 * One addressed person of a bulletin: a liaison of an addressed unit, reachable through WeCom when it was published.
 * Name and userid are copied so the record stays true when the roster changes later.
 */
export interface BulletinRecipientRow {
  id: number;
  bulletinId: number;
  /** The addressed unit the person is liaison of (the first one, when several). */
  unitId: number;
  contactId: number;
  /** WeCom userid */
  userId: string;
  name: string;
  acknowledgedAt: Date | null;
  /** The last 催阅 sent to this person, and its round (0: never reminded). */
  remindedAt: Date | null;
  reminderRound: number;
  createdAt: Date;
}

export const BulletinRecipientEntity = new EntitySchema<BulletinRecipientRow>({
  name: 'BulletinRecipientRow',
  tableName: 'bulletin_recipients',
  columns: {
    id: idColumn,
    bulletinId: { type: 'integer', name: 'bulletin_id' },
    unitId: { type: 'integer', name: 'unit_id' },
    contactId: { type: 'integer', name: 'contact_id' },
    userId: { ...key(128), name: 'user_id' },
    name: key(64),
    acknowledgedAt: { ...instant(true), name: 'acknowledged_at' },
    remindedAt: { ...instant(true), name: 'reminded_at' },
    reminderRound: { ...int(false, 0), name: 'reminder_round' },
    createdAt: { ...instant(), name: 'created_at' },
  },
  uniques: [{ name: 'uq_bulletin_recipients', columns: ['bulletinId', 'contactId'] }],
  indices: [
    { name: 'ix_bulletin_recipients_user', columns: ['userId', 'bulletinId'] },
    { name: 'ix_bulletin_recipients_ack', columns: ['bulletinId', 'acknowledgedAt'] },
  ],
});
