/** Options, records and assumed error codes of the fake WeCom server (PROTOCOL §10.1). */
import type { Clock } from '../../src/shared/clock';

export interface FakeAgent {
  agentId: number;
  secret: string;
}

export interface FakeCorp {
  corpId: string;
  agents: FakeAgent[];
}

export interface FakeWeComOptions {
  /** "now" of the fake: a Clock (e.g. ManualClock) or a function; default real time. */
  clock?: Clock | (() => Date);
  corps?: FakeCorp[];
  /** Lifetime of access tokens (default 7200). */
  tokenTtlSeconds?: number;
  /**
   * What gettoken answers as expires_in while it hands out a still-valid token again: the remaining lifetime
   * (default) or always the full TTL (then clients learn about the expiry from 42001).
   */
  tokenExpiresIn?: 'remaining' | 'full';
  /** Registered userids (matched case-insensitively; WeCom answers them lower-cased). */
  users?: string[];
  /** Registered group-bot webhook keys. */
  webhookKeys?: string[];
  /** When set, gettoken and token APIs answer 60020 to callers whose IP is not listed. */
  ipAllowList?: string[] | null;
  /** Group-bot rate limit per key and minute (default 20). */
  webhookPerMinute?: number;
  /** Whether refused webhook sends (errcode ≠ 0) count against the rate window (default false; UNCONFIRMED in WeCom). */
  webhookCountRefused?: boolean;
  /** Per app → same member limits (default 30/min and 1000/h); excess is silently dropped. */
  memberPerMinute?: number;
  memberPerHour?: number;
  /** message/send text/markdown over 2048 bytes: WeCom truncates (default) — or refuse with 45002. */
  appTextOverflow?: 'truncate' | 'reject';
}

/**
 * errcodes the fake uses where WeCom's exact code is undocumented (PROTOCOL marks them UNCONFIRMED). All are the
 * generic "invalid parameter" 40058 — tests should only rely on "errcode ≠ 0" for these cases.
 */
export const ASSUMED_ERRCODES = {
  taskIdReused: 40058,
  invalidTemplateCard: 40058,
  responseCodeInvalid: 40058,
  recallInvalid: 40058,
  robotResponseUrlInvalid: 40058,
  robotCardInGroup: 40058,
  /** media/upload without a part named `media` (WeCom's "缺少多媒体文件数据"; not listed in PROTOCOL §5) */
  mediaPartMissing: 41005,
  /** message/send naming a media_id uploaded as another type (e.g. an image sent as msgtype file) */
  mediaTypeMismatch: 40058,
} as const;

/** A file received by media/upload (PROTOCOL §5), kept per corp: every app of the corp may send it for 3 days. */
export interface MediaRecord {
  mediaId: string;
  corpId: string;
  agentId: number;
  type: 'image' | 'voice' | 'video' | 'file';
  /** the filename of the part's Content-Disposition, decoded as UTF-8 */
  filename: string;
  /** Content-Type of the part */
  contentType: string;
  /** the optional filelength parameter, when the client sent it */
  filelength?: number;
  bytes: Buffer;
  createdAt: Date;
  expiresAt: Date;
}

export interface AppMessageRecord {
  msgid: string;
  corpId: string;
  agentId: number;
  at: Date;
  msgtype: string;
  /** The request body as received (parsed). */
  request: Record<string, unknown>;
  /** text/markdown content as delivered (after truncation). */
  content?: string;
  truncated: boolean;
  templateCard?: Record<string, unknown>;
  taskId?: string;
  responseCode?: string;
  /** image / voice / video / file messages: the upload their media_id names */
  media?: MediaRecord;
  /** lower-cased userids */
  deliveredTo: string[];
  droppedFor: string[];
  invalidUsers: string[];
  recalled: boolean;
}

export interface DeliveryRecord {
  userId: string;
  msgid: string;
  msgtype: string;
  content?: string;
  templateCard?: Record<string, unknown>;
  /** image / voice / video / file messages: the upload their media_id names */
  media?: MediaRecord;
  at: Date;
  message: AppMessageRecord;
}

export interface DroppedRecord {
  userId: string;
  msgid: string;
  reason: 'per-minute' | 'per-hour';
  at: Date;
}

export interface DuplicateRecord {
  /** msgid of the original delivery */
  msgid: string;
  at: Date;
}

export interface CardUpdateRecord {
  msgid: string;
  responseCode: string;
  userids: string[];
  replaceName?: string;
  templateCard?: Record<string, unknown>;
  invalidUsers: string[];
  at: Date;
}

export interface CardState {
  replaceName?: string;
  templateCard: Record<string, unknown>;
}

export interface WebhookMessageRecord {
  key: string;
  msgtype: string;
  content?: string;
  mentionedList: string[];
  mentionedMobileList: string[];
  /** `<@userid>` found in markdown content */
  markdownMentions: string[];
  body: Record<string, unknown>;
  at: Date;
}

export interface RobotResponseRecord {
  responseCode: string;
  chatType: 'single' | 'group';
  userId?: string;
  chatId?: string;
  msgtype: string;
  content?: string;
  body: Record<string, unknown>;
  at: Date;
}

export interface MintResponseUrlOptions {
  chatType?: 'single' | 'group';
  userId?: string;
  chatId?: string;
  aibotId?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** the body as UTF-8 text (binary parts of a media upload are not readable here: see FakeWeCom.uploads()) */
  body: string;
  /** the Content-Type header */
  contentType?: string;
  at: Date;
}

/** Error injection for one path; rules are consumed in the order they were added. */
export interface Injection {
  path: string;
  /** answer {errcode, errmsg} instead of processing */
  errcode?: number;
  errmsg?: string;
  /** HTTP status of the answer (default 200; alone → a non-JSON error page) */
  httpStatus?: number;
  /** wait this long before answering (alone: then process normally — a slow answer) */
  delayMs?: number;
  /** never answer (the client must time out) */
  noResponse?: boolean;
  /** answer a truncated JSON body */
  invalidJson?: boolean;
  /** how many calls this rule applies to (default 1) */
  times?: number;
}

export interface FakeReply {
  status: number;
  json?: unknown;
  text?: string;
  /** a binary body (robot media downloads) */
  body?: Buffer;
}
