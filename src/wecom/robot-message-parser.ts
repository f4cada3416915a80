/**
 * Intelligent robot (智能机器人, API mode, webhook variant): the `{"encrypt":"…"}` POST body and the decrypted
 * message / event JSON.
 */
import type { InboundEvent, InboundMessage } from '../chat/inbound-message';
import { CallbackErrorCode, CallbackRejectedError } from './callback-crypto';

export interface RobotEnvelope {
  /** The ciphertext exactly as received (signed as is). */
  encrypt: string;
}

/** The robot's feedback_event payload (👍/👎 on a reply that carried a feedback id). */
export interface RobotFeedback {
  /** The feedback.id we set on the reply. */
  id: string;
  /** 1 = accurate, 2 = inaccurate, 3 = cancelled */
  type?: number;
  content?: string;
  inaccurateReasons?: number[];
}

/** An InboundMessage plus what only the robot channel carries. */
export interface RobotInboundMessage extends InboundMessage {
  /** msgType 'stream' (refresh callback): the id of our stream reply that WeCom asks to continue. */
  streamId?: string;
  /** event.type 'feedback_event': the feedback details (event.key is the feedback id as well). */
  feedback?: RobotFeedback;
}

export interface RobotParseOptions {
  /** The robot's display name; in groups the leading `@<robotName>` is stripped exactly. */
  robotName?: string;
}

type Json = Record<string, unknown>;

function parseError(reason: string): CallbackRejectedError {
  return new CallbackRejectedError(CallbackErrorCode.ParseMessage, reason);
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJsonObject(json: string, what: string): Json {
  if (typeof json !== 'string' || json.trim() === '') throw parseError(`${what} is empty`);
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw parseError(`${what} is not valid JSON`);
  }
  if (!isObject(value)) throw parseError(`${what} is not a JSON object`);
  return value;
}

/** A string field, or a finite number turned into its decimal string; otherwise undefined. */
function str(obj: Json | undefined, name: string): string | undefined {
  if (!obj) return undefined;
  const value = obj[name];
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

function nonEmpty(obj: Json | undefined, name: string): string | undefined {
  const value = str(obj, name);
  return value === undefined || value === '' ? undefined : value;
}

function child(obj: Json | undefined, name: string): Json | undefined {
  const value = obj?.[name];
  return isObject(value) ? value : undefined;
}

/** Parses the POST body `{"encrypt":"<base64>"}`. */
export function parseRobotEnvelope(body: string): RobotEnvelope {
  const envelope = parseJsonObject(body, 'callback body');
  const encrypt = envelope.encrypt;
  if (typeof encrypt !== 'string' || encrypt === '') throw parseError('encrypt field missing');
  return { encrypt };
}

const LEADING_WHITESPACE = /^[\s\u3000]+/;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Removes the leading mention of the robot from a group message, then trims. With a configured name exactly
 * `@<robotName>` is removed (with any whitespace after it, full-width U+3000 included); without one, the first
 * leading `@token` up to whitespace.
 */
export function stripRobotMention(text: string, robotName?: string): string {
  const trimmed = text.trim();
  const name = robotName?.trim();
  if (name) {
    const mention = new RegExp(`^[@＠]${escapeRegExp(name)}`);
    return trimmed.replace(mention, '').replace(LEADING_WHITESPACE, '').trim();
  }
  return trimmed.replace(/^[@＠][^\s\u3000]+/, '').replace(LEADING_WHITESPACE, '').trim();
}

function mixedText(message: Json): string | undefined {
  const items = child(message, 'mixed')?.msg_item;
  if (!Array.isArray(items)) return undefined;
  const parts: string[] = [];
  for (const item of items) {
    if (!isObject(item) || item.msgtype !== 'text') continue;
    const content = str(child(item, 'text'), 'content');
    if (content !== undefined) parts.push(content);
  }
  return parts.join('\n');
}

function parseSelected(payload: Json): Record<string, string[]> | undefined {
  const items = child(payload, 'selected_items')?.selected_item;
  if (items === undefined) return undefined;
  const list = Array.isArray(items) ? items : [items];
  const selected: Record<string, string[]> = {};
  for (const item of list) {
    if (!isObject(item)) throw parseError('selected_item is malformed');
    const questionKey = nonEmpty(item, 'question_key');
    if (questionKey === undefined) throw parseError('selected_item without question_key');
    const raw = child(item, 'option_ids')?.option_id;
    const options = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).map((o) => {
      if (typeof o !== 'string') throw parseError('option_id is not a string');
      return o;
    });
    selected[questionKey] = [...(selected[questionKey] ?? []), ...options];
  }
  return Object.keys(selected).length > 0 ? selected : undefined;
}

function parseFeedback(payload: Json | undefined): RobotFeedback | undefined {
  const id = nonEmpty(payload, 'id');
  if (!payload || id === undefined) return undefined;
  const feedback: RobotFeedback = { id };
  if (typeof payload.type === 'number') feedback.type = payload.type;
  const content = str(payload, 'content');
  if (content !== undefined && content !== '') feedback.content = content;
  const reasons = payload.inaccurate_reason_list;
  if (Array.isArray(reasons)) feedback.inaccurateReasons = reasons.filter((r): r is number => typeof r === 'number');
  return feedback;
}

function parseEvent(message: Json, result: RobotInboundMessage): InboundEvent {
  const eventObject = child(message, 'event');
  const type = nonEmpty(eventObject, 'eventtype');
  if (!eventObject || type === undefined) throw parseError('event without eventtype');
  const event: InboundEvent = { type };
  const payload = child(eventObject, type);
  if (type === 'template_card_event' && payload) {
    const key = nonEmpty(payload, 'event_key');
    if (key !== undefined) event.key = key;
    const taskId = nonEmpty(payload, 'task_id');
    if (taskId !== undefined) event.taskId = taskId;
    const cardType = nonEmpty(payload, 'card_type');
    if (cardType !== undefined) event.cardType = cardType;
    const selected = parseSelected(payload);
    if (selected !== undefined) event.selected = selected;
  } else if (type === 'feedback_event') {
    const feedback = parseFeedback(payload);
    if (feedback) {
      event.key = feedback.id;
      result.feedback = feedback;
    }
  }
  return event;
}

function parseCreateTime(value: unknown, receivedAt: Date): Date {
  const seconds = typeof value === 'number' ? value : typeof value === 'string' && /^[0-9]{1,12}$/.test(value) ? Number(value) : NaN;
  return Number.isSafeInteger(seconds) && seconds > 0 ? new Date(seconds * 1000) : receivedAt;
}

/**
 * Parses the decrypted robot JSON (§8.2–8.4): text, mixed (text items joined by a newline), voice (the
 * transcription), file (its download URL in `file`), image (no text), stream refreshes and events (enter_chat, template_card_event,
 * feedback_event). A quoted message is ignored, only the user's own text is kept. In group chats the leading
 * `@<robot name>` is stripped. Throws CallbackRejectedError(-40002) when msgid or from.userid is missing.
 */
export function parseRobotMessage(json: string, receivedAt: Date, options: RobotParseOptions = {}): RobotInboundMessage {
  const message = parseJsonObject(json, 'decrypted message');
  const msgKey = nonEmpty(message, 'msgid');
  if (msgKey === undefined) throw parseError('msgid missing');
  const userId = nonEmpty(child(message, 'from'), 'userid');
  if (userId === undefined) throw parseError('from.userid missing');
  const msgType = nonEmpty(message, 'msgtype');
  if (msgType === undefined) throw parseError('msgtype missing');
  const chatType = message.chattype === 'group' ? 'group' : 'single';

  const result: RobotInboundMessage = {
    channel: 'robot',
    msgKey,
    userId,
    chatType,
    msgType,
    createdAt: parseCreateTime(message.create_time, receivedAt),
  };
  const chatId = nonEmpty(message, 'chatid');
  if (chatId !== undefined) result.chatId = chatId;
  const responseUrl = nonEmpty(message, 'response_url');
  if (responseUrl !== undefined) result.responseUrl = responseUrl;
  const botId = nonEmpty(message, 'aibotid');
  if (botId !== undefined) result.botId = botId;

  let text: string | undefined;
  switch (msgType) {
    case 'text':
      text = str(child(message, 'text'), 'content') ?? '';
      break;
    case 'mixed':
      text = mixedText(message) ?? '';
      break;
    case 'voice':
      text = str(child(message, 'voice'), 'content') ?? '';
      break;
    case 'stream': {
      const streamId = nonEmpty(child(message, 'stream'), 'id');
      if (streamId !== undefined) result.streamId = streamId;
      break;
    }
    case 'event':
      result.event = parseEvent(message, result);
      break;
    case 'file': {
      // §8.2: file.url, valid 5 minutes, content encrypted (§8.7); a name is not documented but kept when present
      const file = child(message, 'file');
      const url = nonEmpty(file, 'url');
      if (url !== undefined) {
        result.file = { url };
        const fileName = nonEmpty(file, 'filename') ?? nonEmpty(file, 'file_name') ?? nonEmpty(file, 'name');
        if (fileName !== undefined) result.file.fileName = fileName;
      }
      break;
    }
    default:
      // image, video and unknown types: no text.
      break;
  }
  if (text !== undefined) {
    result.text = chatType === 'group' ? stripRobotMention(text, options.robotName) : text.trim();
  }
  return result;
}
