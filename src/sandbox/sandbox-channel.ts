import { randomUUID } from 'node:crypto';
import type { InboundMessage } from '../chat/inbound-message';
import type { Clock } from '../shared/clock';
import { hashUserId, type Logger } from '../shared/logger';
import type { SandboxMessageRow } from './sandbox-entities';
import { SANDBOX_RESPONSE_CODE_PREFIX } from './sandbox-sender';
import type { SandboxEntry, SandboxStore } from './sandbox-store';

/** What a page (or the terminal) may send; the HTTP layer turns a refusal into a 4xx with the message. */
export class SandboxInputError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
  ) {
    super(message);
    this.name = 'SandboxInputError';
  }
}

export interface SandboxChannelDeps {
  store: SandboxStore;
  clock: Clock;
  logger: Logger;
  /** The inbox: the same one the WeCom callbacks feed (dedupe key, per-user order). */
  accept(message: InboundMessage): Promise<'accepted' | 'duplicate'>;
  /** The bot's display name: a group message reaches the bot only when it @-mentions it. */
  botName: string;
}

export interface SaidResult {
  outcome: 'accepted' | 'duplicate' | 'not-addressed';
  entry: SandboxEntry;
}

/** WeCom userids: letters, digits and _ - . @ (the sandbox also takes people who are not in the roster). */
const USER_ID = /^[A-Za-z0-9_.@-]{1,64}$/;
const CLIENT_ID = /^[A-Za-z0-9_-]{6,64}$/;
export const MAX_TEXT_LENGTH = 2000;

/**
 * The sandbox as a channel beside the WeCom ones: a message typed in the page becomes an InboundMessage of channel
 * 'sandbox' and goes into the same inbox as a WeCom callback (stored once by its key, processed per person in
 * order, answered through the outbox); a click on a card button becomes the same template_card_event the WeCom app
 * callback produces, with a response code the sandbox applies card updates by. What people write is also kept in
 * the sandbox conversation, so the page shows both sides.
 */
export class SandboxChannel {
  constructor(private readonly deps: SandboxChannelDeps) {}

  /** A person writes in their single chat with the bot, or in the work group (where only an @-mention reaches it). */
  async say(input: { userId: string; chat: 'single' | 'group'; text: string; clientId?: string }): Promise<SaidResult> {
    const userId = checkUserId(input.userId);
    const text = typeof input.text === 'string' ? input.text.replace(/\r\n?/g, '\n').trim() : '';
    if (text === '') throw new SandboxInputError(400, '消息不能为空');
    if (text.length > MAX_TEXT_LENGTH) throw new SandboxInputError(400, `消息太长：最多 ${MAX_TEXT_LENGTH} 个字`);
    const group = input.chat === 'group';
    const msgKey = `msg:${clientIdOf(input.clientId)}`;
    const addressed = group ? stripMention(text, this.deps.botName) : text;
    const now = this.deps.clock.now();
    const { entry } = await this.record({
      dedupeKey: `in:${msgKey}`,
      conversation: group ? this.deps.store.groupId : userId,
      userId,
      kind: 'text',
      body: { msgtype: 'text', text: { content: text }, toBot: addressed !== null },
      now,
    });
    if (addressed === null) return { outcome: 'not-addressed', entry };
    const message: InboundMessage = {
      channel: 'sandbox',
      msgKey,
      userId,
      chatType: group ? 'group' : 'single',
      msgType: 'text',
      text: addressed,
      createdAt: now,
    };
    if (group) message.chatId = this.deps.store.groupId;
    const outcome = await this.deps.accept(message);
    this.deps.logger.info({ msgKey, chat: message.chatType, userHash: hashUserId(userId), outcome }, 'sandbox message accepted');
    return { outcome, entry };
  }

  /** A person clicks a button of a card in their single chat: the app's template_card_event. */
  async click(input: { userId: string; messageId: number; key: string; clientId?: string }): Promise<SaidResult> {
    const userId = checkUserId(input.userId);
    const card = Number.isSafeInteger(input.messageId) ? await this.deps.store.byId(input.messageId) : null;
    if (!card || card.kind !== 'card' || card.direction !== 'out' || card.conversation !== userId) {
      throw new SandboxInputError(404, '没有找到这张卡片（只能点击自己收到的卡片）');
    }
    const template = (JSON.parse(card.body) as { template_card?: Record<string, unknown> }).template_card ?? {};
    const button = cardButtons(template).find((b) => b.key === input.key);
    if (!button) throw new SandboxInputError(404, '卡片上没有这个按钮');
    if (card.taskId && (await this.deps.store.cardUpdated(userId, card.taskId))) {
      throw new SandboxInputError(409, '这张卡片已经处理过了');
    }
    const clickId = clientIdOf(input.clientId);
    const msgKey = `click:${clickId}`;
    const responseCode = `${SANDBOX_RESPONSE_CODE_PREFIX}${randomUUID().replace(/-/g, '')}`;
    const now = this.deps.clock.now();
    const { entry, row } = await this.record({
      dedupeKey: `in:${msgKey}`,
      conversation: userId,
      userId,
      kind: 'event',
      body: { type: 'template_card_event', key: button.key, button: button.text, messageId: Number(card.id) },
      taskId: card.taskId,
      responseCode,
      now,
    });
    const cardType = typeof template.card_type === 'string' ? template.card_type : undefined;
    const message: InboundMessage = {
      channel: 'sandbox',
      msgKey,
      userId,
      chatType: 'single',
      msgType: 'event',
      // a repeated request (same client id) carries the response code of the first one
      event: { type: 'template_card_event', key: button.key, responseCode: row.responseCode ?? responseCode },
      createdAt: now,
    };
    if (card.taskId && message.event) message.event.taskId = card.taskId;
    if (cardType && message.event) message.event.cardType = cardType;
    const outcome = await this.deps.accept(message);
    this.deps.logger.info({ msgKey, userHash: hashUserId(userId), outcome }, 'sandbox card click accepted');
    return { outcome, entry };
  }

  private async record(input: {
    dedupeKey: string;
    conversation: string;
    userId: string;
    kind: 'text' | 'event';
    body: Record<string, unknown>;
    taskId?: string | null;
    responseCode?: string;
    now: Date;
  }): Promise<{ entry: SandboxEntry; row: SandboxMessageRow }> {
    const { store } = this.deps;
    await store.append([
      {
        dedupeKey: input.dedupeKey,
        conversation: input.conversation,
        direction: 'in',
        kind: input.kind,
        userId: input.userId,
        body: JSON.stringify(input.body),
        taskId: input.taskId ?? null,
        responseCode: input.responseCode ?? null,
        channel: 'page',
        outboxId: null,
        createdAt: input.now,
      },
    ]);
    const row = await store.byDedupeKey(input.dedupeKey);
    if (!row) throw new Error(`sandbox row ${input.dedupeKey} not found after insert`);
    return { entry: store.entry(row), row };
  }
}

/** The buttons of a card that can be clicked (they have a key), submit button included. */
export function cardButtons(card: Record<string, unknown>): Array<{ text: string; key: string }> {
  const list = Array.isArray(card.button_list) ? (card.button_list as unknown[]) : [];
  const buttons = list
    .map((b) => (b ?? {}) as { text?: unknown; key?: unknown })
    .filter((b) => typeof b.key === 'string' && b.key !== '')
    .map((b) => ({ text: String(b.text ?? ''), key: b.key as string }));
  const submit = card.submit_button as { text?: unknown; key?: unknown } | undefined;
  if (submit && typeof submit.key === 'string' && submit.key !== '') buttons.push({ text: String(submit.text ?? ''), key: submit.key });
  return buttons;
}

/**
 * The text of a group message without the @-mention of the bot; null when it does not mention the bot (then, as
 * in WeCom, the robot never sees it). Full-width ＠ counts; the mention may stand anywhere in the message.
 */
export function stripMention(text: string, botName: string): string | null {
  const escaped = botName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const mention = new RegExp(`[@＠]${escaped}(?=$|[\\s\\u3000,，:：])[ \\t\\u3000]*`);
  if (!mention.test(text)) return null;
  return text.replace(mention, '').trim();
}

function checkUserId(userId: unknown): string {
  if (typeof userId !== 'string' || !USER_ID.test(userId)) {
    throw new SandboxInputError(400, '请指定以谁的身份发言（as：企业微信账号，字母、数字和 _ - . @）');
  }
  return userId;
}

function clientIdOf(clientId: unknown): string {
  if (clientId === undefined || clientId === null || clientId === '') return randomUUID();
  if (typeof clientId !== 'string' || !CLIENT_ID.test(clientId)) throw new SandboxInputError(400, 'clientId 应为 6 到 64 个字母、数字、_ 或 -');
  return clientId;
}
