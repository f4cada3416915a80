/**
 * Self-built app (自建应用) callbacks: the XML envelope of the POST body and the decrypted message / event XML.
 * Values are kept as strings (MsgId exceeds 2^53); DOCTYPE declarations are refused so no entity can expand.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { InboundEvent, InboundMessage } from '../chat/inbound-message';
import { CallbackErrorCode, CallbackRejectedError } from './callback-crypto';

export interface AppEnvelope {
  /** CorpID */
  toUserName?: string;
  agentId?: string;
  /** The ciphertext exactly as received (signed as is). */
  encrypt: string;
}

type XmlNode = Record<string, unknown>;

const DOCTYPE = /<!\s*(DOCTYPE|ENTITY)/i;
const CDATA_SECTION = /<!\[CDATA\[[\s\S]*?\]\]>/g;

const baseOptions = {
  ignoreAttributes: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  htmlEntities: false,
  removeNSPrefix: false,
} as const;

/** The envelope carries only base64 and ids: no entity is ever processed. */
const envelopeParser = new XMLParser({ ...baseOptions, processEntities: false });
/** The message may carry the five predefined XML entities in plain-text elements (DOCTYPE is refused first). */
const messageParser = new XMLParser({ ...baseOptions, processEntities: true });

function parseError(reason: string): CallbackRejectedError {
  return new CallbackRejectedError(CallbackErrorCode.ParseMessage, reason);
}

function parseXmlRoot(xml: string, parser: XMLParser, what: string): XmlNode {
  if (typeof xml !== 'string' || xml.trim() === '') throw parseError(`${what} is empty`);
  // A member may well type "<!DOCTYPE" in a chat message: only declarations outside CDATA count.
  if (DOCTYPE.test(xml.replace(CDATA_SECTION, ''))) throw parseError(`${what} contains a DOCTYPE or ENTITY declaration`);
  if (XMLValidator.validate(xml) !== true) throw parseError(`${what} is not well-formed XML`);
  let doc: unknown;
  try {
    doc = parser.parse(xml);
  } catch {
    throw parseError(`${what} is not parseable XML`);
  }
  const root = isNode(doc) ? doc.xml : undefined;
  if (!isNode(root)) throw parseError(`${what} has no <xml> root element`);
  return root;
}

function isNode(value: unknown): value is XmlNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A leaf element as a string; undefined when absent; rejected when repeated or not a leaf. */
function text(node: XmlNode, name: string): string | undefined {
  if (!Object.prototype.hasOwnProperty.call(node, name)) return undefined;
  const value = node[name];
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) throw parseError(`element ${name} is repeated`);
  throw parseError(`element ${name} is not a text element`);
}

/** Same as text() but an empty value counts as absent. */
function nonEmpty(node: XmlNode, name: string): string | undefined {
  const value = text(node, name);
  return value === undefined || value === '' ? undefined : value;
}

function asArray(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Parses the POST body `<xml><ToUserName/><AgentID/><Encrypt/></xml>` (CDATA or plain text). */
export function parseAppEnvelope(xml: string): AppEnvelope {
  const root = parseXmlRoot(xml, envelopeParser, 'callback body');
  const encrypt = nonEmpty(root, 'Encrypt');
  if (encrypt === undefined) throw parseError('Encrypt element missing');
  const envelope: AppEnvelope = { encrypt };
  const toUserName = nonEmpty(root, 'ToUserName');
  if (toUserName !== undefined) envelope.toUserName = toUserName;
  const agentId = nonEmpty(root, 'AgentID');
  if (agentId !== undefined) envelope.agentId = agentId;
  return envelope;
}

function parseCreateTime(value: string | undefined, receivedAt: Date): Date {
  if (value === undefined || !/^[0-9]{1,12}$/.test(value)) return receivedAt;
  return new Date(Number(value) * 1000);
}

function parseSelectedItems(node: XmlNode): Record<string, string[]> | undefined {
  const container = node.SelectedItems;
  if (container === undefined || container === '') return undefined;
  if (!isNode(container)) throw parseError('SelectedItems is malformed');
  const selected: Record<string, string[]> = {};
  for (const item of asArray(container.SelectedItem)) {
    if (!isNode(item)) throw parseError('SelectedItem is malformed');
    const questionKey = nonEmpty(item, 'QuestionKey');
    if (questionKey === undefined) throw parseError('SelectedItem without QuestionKey');
    const optionIds = item.OptionIds;
    const options: string[] = [];
    if (optionIds !== undefined && optionIds !== '') {
      if (!isNode(optionIds)) throw parseError('OptionIds is malformed');
      for (const option of asArray(optionIds.OptionId)) {
        if (typeof option !== 'string') throw parseError('OptionId is malformed');
        options.push(option);
      }
    }
    selected[questionKey] = [...(selected[questionKey] ?? []), ...options];
  }
  return Object.keys(selected).length > 0 ? selected : undefined;
}

function parseEvent(root: XmlNode): InboundEvent {
  const type = nonEmpty(root, 'Event');
  if (type === undefined) throw parseError('event without Event element');
  const event: InboundEvent = { type };
  const key = nonEmpty(root, 'EventKey');
  if (key !== undefined) event.key = key;
  const taskId = nonEmpty(root, 'TaskId');
  if (taskId !== undefined) event.taskId = taskId;
  const responseCode = nonEmpty(root, 'ResponseCode');
  if (responseCode !== undefined) event.responseCode = responseCode;
  const cardType = nonEmpty(root, 'CardType');
  if (cardType !== undefined) event.cardType = cardType;
  const selected = parseSelectedItems(root);
  if (selected !== undefined) event.selected = selected;
  return event;
}

/**
 * Parses the decrypted message / event XML of the self-built app. Messages are keyed by MsgId (kept as the exact
 * digit string); events, which have no MsgId, by `evt:FromUserName:CreateTime:Event:EventKey:TaskId`.
 * Unknown message types are kept (msgType as received, no text). Throws CallbackRejectedError(-40002) when the
 * plaintext is not the expected XML.
 */
export function parseAppMessage(xml: string, receivedAt: Date): InboundMessage {
  const root = parseXmlRoot(xml, messageParser, 'decrypted message');
  const userId = nonEmpty(root, 'FromUserName');
  if (userId === undefined) throw parseError('FromUserName missing');
  const msgType = nonEmpty(root, 'MsgType');
  if (msgType === undefined) throw parseError('MsgType missing');
  const createTime = text(root, 'CreateTime');
  const msgId = nonEmpty(root, 'MsgId');

  const message: InboundMessage = {
    channel: 'app',
    msgKey: '',
    userId,
    chatType: 'single',
    msgType,
    createdAt: parseCreateTime(createTime, receivedAt),
  };
  const agentId = nonEmpty(root, 'AgentID');
  if (agentId !== undefined) message.botId = agentId;

  if (msgType === 'text') {
    message.text = (text(root, 'Content') ?? '').trim();
  } else if (msgType === 'event') {
    message.event = parseEvent(root);
  }

  if (msgId !== undefined) {
    message.msgKey = msgId;
  } else if (message.event) {
    const e = message.event;
    message.msgKey = `evt:${userId}:${createTime ?? ''}:${e.type}:${e.key ?? ''}:${e.taskId ?? ''}`;
  } else {
    // Not documented (every message type has a MsgId); keep such a message deduplicable anyway.
    message.msgKey = `msg:${userId}:${createTime ?? ''}:${msgType}`;
  }
  return message;
}
