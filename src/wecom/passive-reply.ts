/**
 * Passive replies: the plaintext bodies and the encrypted envelopes returned in the HTTP response of a callback.
 * App: XML envelope of §2.5 (receiveid = CorpID). Robot: JSON envelope of §8.5.1 (receiveid "", nonce = the
 * callback's nonce). Timestamps, nonces and the random prefix are parameters so tests are deterministic.
 */
import type { TemplateCard } from '../outbox/outbound-message';
import { sealReply } from './callback-crypto';

/** Robot stream content limit (UTF-8 bytes). */
export const ROBOT_STREAM_CONTENT_MAX_BYTES = 20480;

const DECIMAL = /^(0|[1-9][0-9]*)$/;

/** Normalises a timestamp in seconds to the decimal string that is both signed and sent. */
function timestampString(timestamp: string | number): string {
  const value = typeof timestamp === 'number' ? String(timestamp) : timestamp;
  if (typeof timestamp === 'number' && !Number.isSafeInteger(timestamp)) {
    throw new Error('timestamp must be an integer number of seconds');
  }
  if (!DECIMAL.test(value)) throw new Error('timestamp must be a decimal number of seconds without leading zeros');
  return value;
}

/** Drops what XML 1.0 cannot carry: C0 controls except TAB/LF/CR, lone surrogates, U+FFFE and U+FFFF. */
function withoutInvalidXmlChars(value: string): string {
  let out = '';
  for (const ch of value) {
    const cp = ch.codePointAt(0) ?? 0;
    const allowed =
      cp === 0x9 ||
      cp === 0xa ||
      cp === 0xd ||
      (cp >= 0x20 && cp <= 0xd7ff) ||
      (cp >= 0xe000 && cp <= 0xfffd) ||
      (cp >= 0x10000 && cp <= 0x10ffff);
    if (allowed) out += ch;
  }
  return out;
}

/**
 * A CDATA section holding `value` verbatim: a `]]>` inside is split across two sections, characters that XML 1.0
 * cannot carry at all are dropped.
 */
export function cdata(value: string): string {
  const clean = withoutInvalidXmlChars(value);
  return `<![CDATA[${clean.split(']]>').join(']]]]><![CDATA[>')}]]>`;
}

export interface AppReplyPlaintextBase {
  /** The member's userid (FromUserName of the callback). */
  toUser: string;
  corpId: string;
  /** Seconds. */
  createTime: string | number;
}

function appReplyHead(params: AppReplyPlaintextBase, msgType: string): string {
  return (
    `<xml><ToUserName>${cdata(params.toUser)}</ToUserName><FromUserName>${cdata(params.corpId)}</FromUserName>` +
    `<CreateTime>${timestampString(params.createTime)}</CreateTime><MsgType>${cdata(msgType)}</MsgType>`
  );
}

/** Plaintext of an app passive text reply. */
export function appTextReplyPlaintext(params: AppReplyPlaintextBase & { content: string }): string {
  return `${appReplyHead(params, 'text')}<Content>${cdata(params.content)}</Content></xml>`;
}

/** Plaintext of an app update_button reply (answer to a template_card_event: the buttons become a grey label). */
export function appUpdateButtonReplyPlaintext(params: AppReplyPlaintextBase & { replaceName: string }): string {
  return `${appReplyHead(params, 'update_button')}<Button><ReplaceName>${cdata(params.replaceName)}</ReplaceName></Button></xml>`;
}

export interface AppReplyParams {
  token: string;
  aesKey: Buffer;
  /** receiveid of the app = CorpID. */
  corpId: string;
  /** From appTextReplyPlaintext / appUpdateButtonReplyPlaintext. */
  plaintext: string;
  timestamp: string | number;
  nonce: string;
  /** 16 bytes; tests only. */
  random?: Buffer;
}

/** The encrypted XML body of an app passive reply (Encrypt, MsgSignature, TimeStamp, Nonce). */
export function buildAppReplyXml(params: AppReplyParams): string {
  const timestamp = timestampString(params.timestamp);
  if (!params.nonce) throw new Error('nonce must not be empty');
  const { encrypt, signature } = sealReply({
    token: params.token,
    aesKey: params.aesKey,
    receiveId: params.corpId,
    plaintext: params.plaintext,
    timestamp,
    nonce: params.nonce,
    random: params.random,
  });
  return (
    `<xml><Encrypt>${cdata(encrypt)}</Encrypt><MsgSignature>${cdata(signature)}</MsgSignature>` +
    `<TimeStamp>${timestamp}</TimeStamp><Nonce>${cdata(params.nonce)}</Nonce></xml>`
  );
}

export interface RobotReplyParams {
  token: string;
  aesKey: Buffer;
  /** From robotTextReply / robotStreamReply / robotUpdateCardReply. */
  plaintext: string;
  timestamp: string | number;
  /** Must be the nonce of the callback being answered. */
  nonce: string;
  /** 16 bytes; tests only. */
  random?: Buffer;
}

/** The encrypted JSON body of a robot passive reply: {"encrypt","msgsignature","timestamp":<number>,"nonce"}. */
export function buildRobotReplyJson(params: RobotReplyParams): string {
  const timestamp = timestampString(params.timestamp);
  if (!params.nonce) throw new Error('nonce must not be empty (use the nonce of the callback)');
  const { encrypt, signature } = sealReply({
    token: params.token,
    aesKey: params.aesKey,
    receiveId: '',
    plaintext: params.plaintext,
    timestamp,
    nonce: params.nonce,
    random: params.random,
  });
  return JSON.stringify({ encrypt, msgsignature: signature, timestamp: Number(timestamp), nonce: params.nonce });
}

/** Robot text reply: allowed only as the answer to an enter_chat event. */
export function robotTextReply(content: string): string {
  return JSON.stringify({ msgtype: 'text', text: { content } });
}

export interface RobotStreamReplyParams {
  /** Our stream id: mandatory, the same on every refresh of the stream. */
  id: string;
  finish: boolean;
  /** Cumulative markdown (each reply replaces the bubble), ≤ 20480 UTF-8 bytes. */
  content: string;
  /** feedback.id (first reply only): enables the 👍/👎 buttons and feedback_event. */
  feedbackId?: string;
}

/** Robot stream reply (answer to a message or to a stream refresh). Throws when content is too long. */
export function robotStreamReply(params: RobotStreamReplyParams): string {
  if (!params.id) throw new Error('stream id must not be empty');
  const bytes = Buffer.byteLength(params.content, 'utf8');
  if (bytes > ROBOT_STREAM_CONTENT_MAX_BYTES) {
    throw new RangeError(`stream content is ${bytes} bytes; WeCom accepts at most ${ROBOT_STREAM_CONTENT_MAX_BYTES}`);
  }
  const stream: Record<string, unknown> = { id: params.id, finish: params.finish, content: params.content };
  if (params.feedbackId) stream.feedback = { id: params.feedbackId };
  return JSON.stringify({ msgtype: 'stream', stream });
}

/** Robot card update (the only reply to a template_card_event); the card must keep the clicked card's task_id. */
export function robotUpdateCardReply(params: { userids?: string[]; templateCard: TemplateCard }): string {
  if (typeof params.templateCard.task_id !== 'string' || params.templateCard.task_id === '') {
    throw new Error('template card of an update must carry the task_id of the clicked card');
  }
  const body: Record<string, unknown> = { response_type: 'update_template_card' };
  if (params.userids && params.userids.length > 0) body.userids = params.userids;
  body.template_card = params.templateCard;
  return JSON.stringify(body);
}
