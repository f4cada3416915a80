/**
 * The behaviour of the fake WeCom server, without HTTP: each handler takes the parsed request and returns the
 * answer WeCom would give, recording what was delivered. Times come from the injected clock.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../../src/shared/clock';
import {
  ASSUMED_ERRCODES,
  type AppMessageRecord,
  type CardState,
  type CardUpdateRecord,
  type DeliveryRecord,
  type DroppedRecord,
  type DuplicateRecord,
  type FakeAgent,
  type FakeCorp,
  type FakeReply,
  type FakeWeComOptions,
  type MediaRecord,
  type MintResponseUrlOptions,
  type RobotResponseRecord,
  type WebhookMessageRecord,
} from './fake-wecom-types';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const APP_TEXT_MAX_BYTES = 2048;
const WEBHOOK_TEXT_MAX_BYTES = 2048;
const WEBHOOK_MARKDOWN_MAX_BYTES = 4096;
const ROBOT_MARKDOWN_MAX_BYTES = 20480;
const RESPONSE_CODE_TTL_MS = 72 * HOUR;
const RECALL_WINDOW_MS = 24 * HOUR;
const ROBOT_RESPONSE_URL_TTL_MS = HOUR;
const MAX_DUPLICATE_CHECK_SECONDS = 14400;
/** media/upload (PROTOCOL §5): a media_id lives 3 days; every type needs more than 5 bytes. */
const MEDIA_TTL_MS = 3 * 24 * HOUR;
const MEDIA_MIN_BYTES = 6;
const MEDIA_MAX_BYTES: Record<MediaRecord['type'], number> = {
  image: 10 * 1024 * 1024,
  voice: 2 * 1024 * 1024,
  video: 10 * 1024 * 1024,
  file: 20 * 1024 * 1024,
};
const MEDIA_TYPES = new Set(['image', 'voice', 'video', 'file']);

const APP_MSGTYPES = new Set(['text', 'image', 'voice', 'video', 'file', 'textcard', 'news', 'mpnews', 'markdown', 'miniprogram_notice', 'template_card']);
const APP_CARD_TYPES = new Set(['text_notice', 'news_notice', 'button_interaction', 'vote_interaction', 'multiple_interaction']);
const INTERACTIVE_CARD_TYPES = new Set(['button_interaction', 'vote_interaction', 'multiple_interaction']);
const WEBHOOK_MSGTYPES = new Set(['text', 'markdown', 'markdown_v2', 'image', 'news', 'file', 'voice', 'template_card']);
const TASK_ID_PATTERN = /^[0-9A-Za-z_\-@]{1,128}$/;

interface TokenInfo {
  token: string;
  corpId: string;
  agentId: number;
  expiresAt: number;
  revokedWith?: number;
}

interface CardResponseCode {
  code: string;
  msgid: string;
  agentKey: string;
  expiresAt: number;
  used: boolean;
}

interface RobotResponseCode {
  code: string;
  chatType: 'single' | 'group';
  userId?: string;
  chatId?: string;
  aibotId?: string;
  expiresAt: number;
  used: boolean;
}

interface DuplicateEntry {
  at: number;
  answer: Record<string, unknown>;
  msgid: string;
}

export interface RequestContext {
  method: string;
  query: URLSearchParams;
  body: string;
  /** the body as received (media/upload is binary multipart) */
  rawBody?: Buffer;
  /** the Content-Type header */
  contentType?: string;
  remoteAddress: string;
}

function ok(fields: Record<string, unknown> = {}): FakeReply {
  return { status: 200, json: { errcode: 0, errmsg: 'ok', ...fields } };
}

function err(errcode: number, errmsg: string): FakeReply {
  return { status: 200, json: { errcode, errmsg: `${errmsg}, hint: [fake-${randomBytes(4).toString('hex')}]` } };
}

function bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

function truncateUtf8(text: string, maxBytes: number): string {
  let out = '';
  let used = 0;
  for (const char of text) {
    const b = bytes(char);
    if (used + b > maxBytes) break;
    out += char;
    used += b;
  }
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function parseBody(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function splitList(value: unknown): string[] {
  if (typeof value !== 'string') return [];
  return value
    .split('|')
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

function normaliseIp(ip: string): string {
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}

export class FakeWeComState {
  baseUrl = '';
  private readonly clockSource: Clock | (() => Date) | undefined;
  private readonly corps = new Map<string, FakeCorp>();
  private readonly users = new Map<string, string>();
  private readonly webhookKeys = new Set<string>();
  private ipAllowList: string[] | null;
  readonly options: Required<Omit<FakeWeComOptions, 'clock' | 'corps' | 'users' | 'webhookKeys' | 'ipAllowList'>>;

  private tokens = new Map<string, TokenInfo>();
  private currentToken = new Map<string, string>();
  private appMessages: AppMessageRecord[] = [];
  private deliveries: DeliveryRecord[] = [];
  private droppedList: DroppedRecord[] = [];
  private duplicateList: DuplicateRecord[] = [];
  private duplicateCache = new Map<string, DuplicateEntry>();
  private memberWindows = new Map<string, number[]>();
  private taskIds = new Map<string, Set<string>>();
  private cardCodes = new Map<string, CardResponseCode>();
  private cardUpdates: CardUpdateRecord[] = [];
  private cardStates = new Map<string, CardState>();
  private webhookList: WebhookMessageRecord[] = [];
  private webhookWindows = new Map<string, number[]>();
  private robotCodes = new Map<string, RobotResponseCode>();
  private robotResponseList: RobotResponseRecord[] = [];
  private media = new Map<string, MediaRecord>();
  private uploadList: MediaRecord[] = [];
  private msgCounter = 0;

  constructor(options: FakeWeComOptions = {}) {
    this.clockSource = options.clock;
    for (const corp of options.corps ?? []) this.addCorp(corp);
    for (const user of options.users ?? []) this.addUser(user);
    for (const key of options.webhookKeys ?? []) this.addWebhookKey(key);
    this.ipAllowList = options.ipAllowList ?? null;
    this.options = {
      tokenTtlSeconds: options.tokenTtlSeconds ?? 7200,
      tokenExpiresIn: options.tokenExpiresIn ?? 'remaining',
      webhookPerMinute: options.webhookPerMinute ?? 20,
      webhookCountRefused: options.webhookCountRefused ?? false,
      memberPerMinute: options.memberPerMinute ?? 30,
      memberPerHour: options.memberPerHour ?? 1000,
      appTextOverflow: options.appTextOverflow ?? 'truncate',
    };
  }

  now(): Date {
    if (!this.clockSource) return new Date();
    return typeof this.clockSource === 'function' ? this.clockSource() : this.clockSource.now();
  }

  private nowMs(): number {
    return this.now().getTime();
  }

  // ---- registries -------------------------------------------------------------------------------------------

  addCorp(corp: FakeCorp): void {
    const existing = this.corps.get(corp.corpId);
    if (existing) existing.agents.push(...corp.agents.map((a) => ({ ...a })));
    else this.corps.set(corp.corpId, { corpId: corp.corpId, agents: corp.agents.map((a) => ({ ...a })) });
  }

  addUser(...userIds: string[]): void {
    for (const id of userIds) this.users.set(id.toLowerCase(), id);
  }

  removeUser(userId: string): void {
    this.users.delete(userId.toLowerCase());
  }

  addWebhookKey(key: string): void {
    this.webhookKeys.add(key);
  }

  removeWebhookKey(key: string): void {
    this.webhookKeys.delete(key);
  }

  setIpAllowList(list: string[] | null): void {
    this.ipAllowList = list ? list.map(normaliseIp) : null;
  }

  setOption<K extends keyof FakeWeComState['options']>(name: K, value: FakeWeComState['options'][K]): void {
    this.options[name] = value;
  }

  // ---- tokens -----------------------------------------------------------------------------------------------

  /** Invalidate a token before its expiry; APIs then answer `errcode` (default 42001), gettoken issues a new one. */
  revokeToken(token?: string, errcode: 40014 | 42001 = 42001): void {
    const targets = token ? [token] : [...this.currentToken.values()];
    for (const t of targets) {
      const info = this.tokens.get(t);
      if (!info) continue;
      info.revokedWith = errcode;
      const key = `${info.corpId}/${info.agentId}`;
      if (this.currentToken.get(key) === t) this.currentToken.delete(key);
    }
  }

  /** Tokens issued so far, in order. */
  issuedTokens(): string[] {
    return [...this.tokens.keys()];
  }

  getToken(ctx: RequestContext): FakeReply {
    const corpId = ctx.query.get('corpid');
    const secret = ctx.query.get('corpsecret');
    if (!corpId) return err(41002, 'corpid missing');
    if (!secret) return err(41004, 'corpsecret missing');
    const corp = this.corps.get(corpId);
    if (!corp) return err(40013, 'invalid corpid');
    const agent = corp.agents.find((a) => a.secret === secret);
    if (!agent) {
      const elsewhere = [...this.corps.values()].some((c) => c.agents.some((a) => a.secret === secret));
      return elsewhere ? err(40091, 'secret is not belong to the corp') : err(40001, 'invalid credential');
    }
    const ipError = this.checkIp(ctx);
    if (ipError) return ipError;
    const key = `${corp.corpId}/${agent.agentId}`;
    const now = this.nowMs();
    const current = this.currentToken.get(key);
    const info = current ? this.tokens.get(current) : undefined;
    if (info && !info.revokedWith && now < info.expiresAt) {
      const expiresIn = this.options.tokenExpiresIn === 'full' ? this.options.tokenTtlSeconds : Math.ceil((info.expiresAt - now) / 1000);
      return ok({ access_token: info.token, expires_in: expiresIn });
    }
    const token = `fake-at-${randomBytes(24).toString('base64url')}`;
    this.tokens.set(token, { token, corpId: corp.corpId, agentId: agent.agentId, expiresAt: now + this.options.tokenTtlSeconds * 1000 });
    this.currentToken.set(key, token);
    return ok({ access_token: token, expires_in: this.options.tokenTtlSeconds });
  }

  /** Token check of every API but gettoken; returns the app the token belongs to, or the error answer. */
  checkToken(ctx: RequestContext): { agent: FakeAgent; corpId: string } | FakeReply {
    const token = ctx.query.get('access_token');
    if (!token) return err(41001, 'access_token missing');
    const info = this.tokens.get(token);
    if (!info) return err(40014, 'invalid access_token');
    if (info.revokedWith) return err(info.revokedWith, info.revokedWith === 42001 ? 'access_token expired' : 'invalid access_token');
    if (this.nowMs() >= info.expiresAt) return err(42001, 'access_token expired');
    const ipError = this.checkIp(ctx);
    if (ipError) return ipError;
    const agent = this.corps.get(info.corpId)?.agents.find((a) => a.agentId === info.agentId);
    if (!agent) return err(40014, 'invalid access_token');
    return { agent, corpId: info.corpId };
  }

  private checkIp(ctx: RequestContext): FakeReply | undefined {
    if (!this.ipAllowList) return undefined;
    const ip = normaliseIp(ctx.remoteAddress);
    if (this.ipAllowList.includes(ip)) return undefined;
    return err(60020, `not allow to access from your ip, from ip: ${ip}`);
  }

  // ---- message/send -----------------------------------------------------------------------------------------

  messageSend(ctx: RequestContext, app: { agent: FakeAgent; corpId: string }): FakeReply {
    if (ctx.method !== 'POST') return err(43002, 'require POST method');
    const req = parseBody(ctx.body);
    if (!req) return err(47001, 'data format error');
    const agentKey = `${app.corpId}/${app.agent.agentId}`;

    if (req.agentid === undefined || req.agentid === '') return err(41011, 'missing agentid');
    if (Number(req.agentid) !== app.agent.agentId) return err(40056, 'invalid agentid');
    const msgtype = req.msgtype;
    if (typeof msgtype !== 'string' || !APP_MSGTYPES.has(msgtype)) return err(40008, 'invalid message type');

    const touser = typeof req.touser === 'string' ? req.touser : '';
    const users = splitList(touser);
    const parties = splitList(req.toparty);
    const tags = splitList(req.totag);
    if (users.length === 0 && parties.length === 0 && tags.length === 0) return err(82001, 'all touser toparty totag are empty');
    if (users.length > 1000) return err(40032, 'invalid user list size');
    if (parties.length > 100) return err(82002, 'invalid party list size');
    if (tags.length > 100) return err(82003, 'invalid tag list size');

    let content: string | undefined;
    let truncated = false;
    let card: Record<string, unknown> | undefined;
    let media: MediaRecord | undefined;
    const part = req[msgtype];
    if (!isObject(part)) return err(msgtype === 'text' || msgtype === 'markdown' ? 44004 : 40058, `missing ${msgtype}`);
    if (msgtype === 'text' || msgtype === 'markdown') {
      if (typeof part.content !== 'string' || part.content === '') return err(44004, 'empty content');
      content = part.content;
      if (bytes(content) > APP_TEXT_MAX_BYTES) {
        if (this.options.appTextOverflow === 'reject') return err(45002, 'content size out of limit');
        content = truncateUtf8(content, APP_TEXT_MAX_BYTES);
        truncated = true;
      }
    } else if (msgtype === 'template_card') {
      const problem = validateAppCard(part);
      if (problem) return err(ASSUMED_ERRCODES.invalidTemplateCard, `invalid template_card: ${problem}`);
      card = part;
    } else if (msgtype === 'textcard') {
      if (typeof part.title !== 'string' || typeof part.description !== 'string' || typeof part.url !== 'string') {
        return err(40058, 'textcard requires title, description and url');
      }
    } else if (msgtype === 'news') {
      if (!Array.isArray(part.articles) || part.articles.length < 1 || part.articles.length > 8) return err(40058, 'news needs 1-8 articles');
    } else if (MEDIA_TYPES.has(msgtype)) {
      if (typeof part.media_id !== 'string' || part.media_id === '') return err(40007, 'invalid media_id');
      media = this.media.get(part.media_id);
      if (!media || media.corpId !== app.corpId) return err(40007, 'invalid media_id');
      if (this.nowMs() >= media.expiresAt.getTime()) return err(40007, 'invalid media_id, media expired');
      if (media.type !== msgtype) return err(ASSUMED_ERRCODES.mediaTypeMismatch, `media_id is a ${media.type}, not a ${msgtype}`);
    }

    const now = this.nowMs();
    // duplicate check: an identical request JSON inside the interval is not delivered again
    const dupKey = `${agentKey}\n${JSON.stringify(req)}`;
    if (Number(req.enable_duplicate_check) === 1) {
      const interval = Math.min(Number(req.duplicate_check_interval ?? 1800) || 1800, MAX_DUPLICATE_CHECK_SECONDS) * 1000;
      const previous = this.duplicateCache.get(dupKey);
      if (previous && now - previous.at < interval) {
        this.duplicateList.push({ msgid: previous.msgid, at: new Date(now) });
        return ok(previous.answer);
      }
    }

    const taskId = card && typeof card.task_id === 'string' ? card.task_id : undefined;
    const agentTasks = this.taskIds.get(agentKey) ?? new Set<string>();
    if (taskId && agentTasks.has(taskId)) return err(ASSUMED_ERRCODES.taskIdReused, `task_id ${taskId} already exists`);

    // recipients
    let targets: string[];
    const invalid: string[] = [];
    if (users.includes('@all')) {
      targets = [...this.users.keys()];
    } else {
      targets = [];
      for (const u of users) {
        const lower = u.toLowerCase();
        if (this.users.has(lower)) {
          if (!targets.includes(lower)) targets.push(lower);
        } else if (!invalid.includes(lower)) {
          invalid.push(lower);
        }
      }
    }
    // the fake has no departments or tags: every party/tag is invalid
    if (targets.length === 0) return err(81013, 'user & party & tag all invalid');

    if (taskId) {
      agentTasks.add(taskId);
      this.taskIds.set(agentKey, agentTasks);
    }
    this.msgCounter += 1;
    const msgid = `fakemsg_${this.msgCounter}_${randomBytes(6).toString('hex')}`;
    const interactive = card !== undefined && (INTERACTIVE_CARD_TYPES.has(String(card.card_type)) || isObject(card.action_menu));
    const responseCode = interactive ? this.mintCardCode(msgid, agentKey) : undefined;

    const record: AppMessageRecord = {
      msgid,
      corpId: app.corpId,
      agentId: app.agent.agentId,
      at: new Date(now),
      msgtype,
      request: req,
      content,
      truncated,
      templateCard: card,
      taskId,
      responseCode,
      media,
      deliveredTo: [],
      droppedFor: [],
      invalidUsers: invalid,
      recalled: false,
    };
    for (const user of targets) {
      const reason = this.memberLimitHit(agentKey, user, now);
      if (reason) {
        record.droppedFor.push(user);
        this.droppedList.push({ userId: user, msgid, reason, at: new Date(now) });
        continue;
      }
      record.deliveredTo.push(user);
      this.deliveries.push({ userId: user, msgid, msgtype, content, templateCard: card, media, at: new Date(now), message: record });
      if (card) this.cardStates.set(`${msgid}\n${user}`, { templateCard: card });
    }
    this.appMessages.push(record);

    const answer: Record<string, unknown> = {
      invaliduser: invalid.join('|'),
      invalidparty: parties.join('|'),
      invalidtag: tags.join('|'),
      unlicenseduser: '',
      msgid,
    };
    if (responseCode) answer.response_code = responseCode;
    if (Number(req.enable_duplicate_check) === 1) this.duplicateCache.set(dupKey, { at: now, answer, msgid });
    return ok(answer);
  }

  private memberLimitHit(agentKey: string, user: string, now: number): DroppedRecord['reason'] | undefined {
    const key = `${agentKey}\n${user}`;
    const window = (this.memberWindows.get(key) ?? []).filter((t) => now - t < HOUR);
    this.memberWindows.set(key, window);
    if (window.filter((t) => now - t < MINUTE).length >= this.options.memberPerMinute) return 'per-minute';
    if (window.length >= this.options.memberPerHour) return 'per-hour';
    window.push(now);
    return undefined;
  }

  private mintCardCode(msgid: string, agentKey: string): string {
    const code = `RC_fake_${randomBytes(9).toString('hex')}`;
    this.cardCodes.set(code, { code, msgid, agentKey, expiresAt: this.nowMs() + RESPONSE_CODE_TTL_MS, used: false });
    return code;
  }

  /** A response_code as WeCom puts it into a template_card_event callback when a member clicks the card of `msgid`. */
  mintCardEventResponseCode(msgid: string): string {
    const message = this.appMessages.find((m) => m.msgid === msgid);
    if (!message) throw new Error(`fake: unknown msgid ${msgid}`);
    return this.mintCardCode(msgid, `${message.corpId}/${message.agentId}`);
  }

  // ---- message/update_template_card -------------------------------------------------------------------------

  updateTemplateCard(ctx: RequestContext, app: { agent: FakeAgent; corpId: string }): FakeReply {
    if (ctx.method !== 'POST') return err(43002, 'require POST method');
    const req = parseBody(ctx.body);
    if (!req) return err(47001, 'data format error');
    if (Number(req.agentid) !== app.agent.agentId) return err(40056, 'invalid agentid');
    const codeValue = req.response_code;
    if (typeof codeValue !== 'string' || codeValue === '') return err(ASSUMED_ERRCODES.responseCodeInvalid, 'response_code missing');
    const code = this.cardCodes.get(codeValue);
    const agentKey = `${app.corpId}/${app.agent.agentId}`;
    if (!code || code.agentKey !== agentKey) return err(ASSUMED_ERRCODES.responseCodeInvalid, 'invalid response_code');
    if (code.used) return err(ASSUMED_ERRCODES.responseCodeInvalid, 'response_code has been used');
    if (this.nowMs() >= code.expiresAt) return err(ASSUMED_ERRCODES.responseCodeInvalid, 'response_code expired');
    const message = this.appMessages.find((m) => m.msgid === code.msgid);
    if (!message) return err(ASSUMED_ERRCODES.responseCodeInvalid, 'invalid response_code');

    const button = isObject(req.button) ? req.button : undefined;
    const replaceName = button && typeof button.replace_name === 'string' ? button.replace_name : undefined;
    const newCard = isObject(req.template_card) ? req.template_card : undefined;
    if ((replaceName === undefined) === (newCard === undefined)) {
      return err(40058, 'exactly one of button.replace_name and template_card is required');
    }
    const originalType = String(message.templateCard?.card_type ?? '');
    if (replaceName !== undefined) {
      if (replaceName === '') return err(40058, 'replace_name is empty');
      if (!INTERACTIVE_CARD_TYPES.has(originalType)) return err(40058, 'replace_name is only for interactive cards');
    }
    if (newCard) {
      const problem = validateAppCard(newCard);
      if (problem) return err(ASSUMED_ERRCODES.invalidTemplateCard, `invalid template_card: ${problem}`);
      if (newCard.task_id !== message.taskId) return err(40058, 'template_card.task_id must be the task_id of the original card');
    }

    let userids: string[];
    if (Number(req.atall) === 1) userids = [...message.deliveredTo];
    else if (Array.isArray(req.userids)) userids = req.userids.map((u) => String(u).toLowerCase());
    else userids = [];
    if (userids.length === 0 && !Array.isArray(req.partyids) && !Array.isArray(req.tagids)) {
      return err(40058, 'no userids, partyids, tagids or atall');
    }
    if (userids.length > 1000) return err(40032, 'invalid user list size');
    const invalid = userids.filter((u) => !message.deliveredTo.includes(u));
    const updated = userids.filter((u) => message.deliveredTo.includes(u));
    code.used = true;
    for (const u of updated) {
      const key = `${message.msgid}\n${u}`;
      const state = this.cardStates.get(key) ?? { templateCard: message.templateCard ?? {} };
      this.cardStates.set(key, newCard ? { templateCard: newCard } : { ...state, replaceName });
    }
    this.cardUpdates.push({
      msgid: message.msgid,
      responseCode: code.code,
      userids: updated,
      replaceName,
      templateCard: newCard,
      invalidUsers: invalid,
      at: this.now(),
    });
    return ok({ invaliduser: invalid });
  }

  // ---- message/recall ---------------------------------------------------------------------------------------

  recall(ctx: RequestContext, app: { agent: FakeAgent; corpId: string }): FakeReply {
    if (ctx.method !== 'POST') return err(43002, 'require POST method');
    const req = parseBody(ctx.body);
    if (!req) return err(47001, 'data format error');
    const message = this.appMessages.find((m) => m.msgid === req.msgid && m.corpId === app.corpId && m.agentId === app.agent.agentId);
    if (!message) return err(ASSUMED_ERRCODES.recallInvalid, 'invalid msgid');
    if (message.recalled) return err(ASSUMED_ERRCODES.recallInvalid, 'message already recalled');
    if (this.nowMs() - message.at.getTime() > RECALL_WINDOW_MS) return err(ASSUMED_ERRCODES.recallInvalid, 'message older than 24 hours cannot be recalled');
    message.recalled = true;
    return ok();
  }

  // ---- media/upload -----------------------------------------------------------------------------------------

  /**
   * media/upload?type=image|voice|video|file: multipart/form-data, one part named `media` with a filename. 40005 for
   * another type, 44001 for an empty file, 40006 for 1-5 bytes, 45001 above the type's maximum, 40004 for an image,
   * voice or video whose bytes are not of its format. The media_id is valid 3 days for every app of the corp.
   */
  mediaUpload(ctx: RequestContext, app: { agent: FakeAgent; corpId: string }): FakeReply {
    if (ctx.method !== 'POST') return err(43002, 'require POST method');
    const type = ctx.query.get('type') ?? '';
    if (!MEDIA_TYPES.has(type)) return err(40005, `invalid file type ${JSON.stringify(type)}`);
    const mediaType = type as MediaRecord['type'];
    const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(ctx.contentType ?? '');
    if (!/^multipart\/form-data/i.test(ctx.contentType ?? '') || !boundary) {
      return err(ASSUMED_ERRCODES.mediaPartMissing, 'media data missing: the body must be multipart/form-data');
    }
    const parts = parseMultipart(ctx.rawBody ?? Buffer.from(ctx.body, 'utf8'), boundary[1] ?? boundary[2]);
    if (!parts) return err(ASSUMED_ERRCODES.mediaPartMissing, 'media data missing: malformed multipart body');
    const part = parts.find((p) => p.name === 'media' && p.filename !== undefined);
    if (!part) return err(ASSUMED_ERRCODES.mediaPartMissing, 'media data missing: no part named media with a filename');
    const size = part.data.length;
    if (size === 0) return err(44001, 'empty media data');
    if (size < MEDIA_MIN_BYTES) return err(40006, 'invalid file size');
    if (size > MEDIA_MAX_BYTES[mediaType]) return err(45001, 'file size out of limit');
    if (!mediaFormatOk(mediaType, part.data)) return err(40004, `invalid media type: the file is not a valid ${mediaType}`);
    const now = this.nowMs();
    // media_ids are opaque and long in WeCom; created_at is epoch seconds as a string
    const created = Math.floor(now / 1000);
    const record: MediaRecord = {
      mediaId: `3${randomBytes(30).toString('base64url')}`,
      corpId: app.corpId,
      agentId: app.agent.agentId,
      type: mediaType,
      filename: part.filename ?? '',
      contentType: part.contentType ?? 'application/octet-stream',
      filelength: part.filelength,
      bytes: part.data,
      createdAt: new Date(created * 1000),
      expiresAt: new Date(created * 1000 + MEDIA_TTL_MS),
    };
    this.media.set(record.mediaId, record);
    this.uploadList.push(record);
    return ok({ type: mediaType, media_id: record.mediaId, created_at: String(created) });
  }

  getUploads(): MediaRecord[] {
    return [...this.uploadList];
  }

  getMedia(mediaId: string): MediaRecord | undefined {
    return this.media.get(mediaId);
  }

  // ---- webhook/send -----------------------------------------------------------------------------------------

  webhookSend(ctx: RequestContext): FakeReply {
    const key = ctx.query.get('key');
    if (!key || !this.webhookKeys.has(key)) return err(93000, 'invalid webhook url');
    if (ctx.method !== 'POST') return err(43002, 'require POST method');
    const now = this.nowMs();
    const window = (this.webhookWindows.get(key) ?? []).filter((t) => now - t < MINUTE);
    this.webhookWindows.set(key, window);
    const refuse = (reply: FakeReply): FakeReply => {
      if (this.options.webhookCountRefused) window.push(now);
      return reply;
    };
    if (window.length >= this.options.webhookPerMinute) return refuse(err(45009, 'api freq out of limit'));

    const req = parseBody(ctx.body);
    if (!req) return refuse(err(47001, 'data format error, Warning: wrong json format.'));
    const msgtype = req.msgtype;
    if (typeof msgtype !== 'string' || !WEBHOOK_MSGTYPES.has(msgtype)) return refuse(err(40008, 'invalid message type'));
    const part = req[msgtype];
    if (!isObject(part)) return refuse(err(40008, `missing ${msgtype}, Warning: wrong json format.`));

    let content: string | undefined;
    let mentionedList: string[] = [];
    let mentionedMobileList: string[] = [];
    let markdownMentions: string[] = [];
    if (msgtype === 'text' || msgtype === 'markdown' || msgtype === 'markdown_v2') {
      if (typeof part.content !== 'string' || part.content.trim() === '') return refuse(err(44004, 'empty content'));
      content = part.content;
      const limit = msgtype === 'text' ? WEBHOOK_TEXT_MAX_BYTES : WEBHOOK_MARKDOWN_MAX_BYTES;
      if (bytes(content) > limit) return refuse(err(45002, `content exceed max length ${limit}`));
      if (msgtype === 'text') {
        for (const [field, target] of [
          ['mentioned_list', 'users'],
          ['mentioned_mobile_list', 'mobiles'],
        ] as const) {
          const value = part[field];
          if (value === undefined) continue;
          if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
            return refuse(err(40058, `${field} must be a string array, Warning: wrong json format.`));
          }
          if (target === 'users') mentionedList = value as string[];
          else mentionedMobileList = value as string[];
        }
      }
      if (msgtype === 'markdown') markdownMentions = [...content.matchAll(/<@([^<>\s]+)>/g)].map((m) => m[1]);
    } else if (msgtype === 'image') {
      if (typeof part.base64 !== 'string' || typeof part.md5 !== 'string') return refuse(err(40058, 'image needs base64 and md5'));
      const raw = Buffer.from(part.base64, 'base64');
      if (createHash('md5').update(raw).digest('hex') !== part.md5.toLowerCase()) return refuse(err(40009, 'invalid image md5'));
      if (raw.length > 2 * 1024 * 1024) return refuse(err(40009, 'image too large'));
    } else if (msgtype === 'news') {
      if (!Array.isArray(part.articles) || part.articles.length < 1 || part.articles.length > 8) {
        return refuse(err(40058, 'news needs 1-8 articles'));
      }
    } else if (msgtype === 'file' || msgtype === 'voice') {
      if (typeof part.media_id !== 'string' || part.media_id === '') return refuse(err(40007, 'invalid media_id'));
    } else if (msgtype === 'template_card') {
      if (part.card_type !== 'text_notice' && part.card_type !== 'news_notice') {
        return refuse(err(ASSUMED_ERRCODES.invalidTemplateCard, 'webhook template_card must be text_notice or news_notice'));
      }
    }

    window.push(now);
    this.webhookList.push({ key, msgtype, content, mentionedList, mentionedMobileList, markdownMentions, body: req, at: new Date(now) });
    return ok();
  }

  // ---- aibot/response ---------------------------------------------------------------------------------------

  /** A response_url as a robot callback carries it: single use, valid 1 h from now. */
  mintResponseUrl(opts: MintResponseUrlOptions = {}): string {
    const code = `RC_fake_${randomBytes(12).toString('hex')}`;
    this.robotCodes.set(code, {
      code,
      chatType: opts.chatType ?? (opts.chatId ? 'group' : 'single'),
      userId: opts.userId,
      chatId: opts.chatId,
      aibotId: opts.aibotId,
      expiresAt: this.nowMs() + ROBOT_RESPONSE_URL_TTL_MS,
      used: false,
    });
    return `${this.baseUrl}/cgi-bin/aibot/response?response_code=${code}`;
  }

  /** Whether the response_url of `code` has been used (undefined for an unknown code). */
  responseUrlUsed(code: string): boolean | undefined {
    return this.robotCodes.get(code)?.used;
  }

  aibotResponse(ctx: RequestContext): FakeReply {
    if (ctx.method !== 'POST') return err(43002, 'require POST method');
    const codeValue = ctx.query.get('response_code');
    const code = codeValue ? this.robotCodes.get(codeValue) : undefined;
    if (!code) return err(ASSUMED_ERRCODES.robotResponseUrlInvalid, 'invalid response_code');
    if (code.used) return err(ASSUMED_ERRCODES.robotResponseUrlInvalid, 'response_code has been used');
    if (this.nowMs() >= code.expiresAt) return err(ASSUMED_ERRCODES.robotResponseUrlInvalid, 'response_code expired');
    const req = parseBody(ctx.body);
    if (!req) return err(47001, 'data format error');
    const msgtype = req.msgtype;
    let content: string | undefined;
    if (msgtype === 'markdown') {
      const part = req.markdown;
      if (!isObject(part) || typeof part.content !== 'string' || part.content.trim() === '') return err(44004, 'empty content');
      if (bytes(part.content) > ROBOT_MARKDOWN_MAX_BYTES) return err(45002, `content exceed max length ${ROBOT_MARKDOWN_MAX_BYTES}`);
      content = part.content;
    } else if (msgtype === 'template_card') {
      if (code.chatType === 'group') return err(ASSUMED_ERRCODES.robotCardInGroup, 'template_card is not allowed in group chat');
      if (!isObject(req.template_card)) return err(40058, 'template_card missing');
    } else {
      return err(40008, 'invalid message type');
    }
    // only an accepted answer uses the code up (a refused body may be corrected and sent again)
    code.used = true;
    this.robotResponseList.push({
      responseCode: code.code,
      chatType: code.chatType,
      userId: code.userId,
      chatId: code.chatId,
      msgtype,
      content,
      body: req,
      at: this.now(),
    });
    return ok();
  }

  // ---- inspection -------------------------------------------------------------------------------------------

  deliveredTo(userId: string): DeliveryRecord[] {
    const lower = userId.toLowerCase();
    return this.deliveries.filter((d) => d.userId === lower);
  }

  getAppMessages(): AppMessageRecord[] {
    return [...this.appMessages];
  }

  getWebhookMessages(key?: string): WebhookMessageRecord[] {
    return key === undefined ? [...this.webhookList] : this.webhookList.filter((m) => m.key === key);
  }

  getDropped(): DroppedRecord[] {
    return [...this.droppedList];
  }

  getDuplicates(): DuplicateRecord[] {
    return [...this.duplicateList];
  }

  getRobotResponses(): RobotResponseRecord[] {
    return [...this.robotResponseList];
  }

  getCardUpdates(): CardUpdateRecord[] {
    return [...this.cardUpdates];
  }

  cardState(msgid: string, userId: string): CardState | undefined {
    return this.cardStates.get(`${msgid}\n${userId.toLowerCase()}`);
  }

  /** Forget recorded traffic and windows; registries stay. Tokens are kept unless `tokens` is true. */
  reset(opts: { tokens?: boolean } = {}): void {
    if (opts.tokens) {
      this.tokens = new Map();
      this.currentToken = new Map();
    }
    this.appMessages = [];
    this.deliveries = [];
    this.droppedList = [];
    this.duplicateList = [];
    this.duplicateCache = new Map();
    this.memberWindows = new Map();
    this.taskIds = new Map();
    this.cardCodes = new Map();
    this.cardUpdates = [];
    this.cardStates = new Map();
    this.webhookList = [];
    this.webhookWindows = new Map();
    this.robotCodes = new Map();
    this.robotResponseList = [];
    this.uploadList = [];
  }
}

interface MultipartPart {
  name: string;
  filename?: string;
  filelength?: number;
  contentType?: string;
  data: Buffer;
}

/** RFC 7578 parts of a body; undefined when it is not a well-formed multipart body with this boundary. */
export function parseMultipart(body: Buffer, boundary: string): MultipartPart[] | undefined {
  const delimiter = Buffer.from(`--${boundary}`, 'utf8');
  let start = body.indexOf(delimiter);
  if (start < 0) return undefined;
  const parts: MultipartPart[] = [];
  for (;;) {
    const after = start + delimiter.length;
    if (body.subarray(after, after + 2).toString('latin1') === '--') return parts;
    if (body.subarray(after, after + 2).toString('latin1') !== '\r\n') return undefined;
    const headerEnd = body.indexOf('\r\n\r\n', after + 2, 'latin1');
    if (headerEnd < 0) return undefined;
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n', 'latin1'), delimiter]), headerEnd + 4);
    if (next < 0) return undefined;
    const headers = body.subarray(after + 2, headerEnd).toString('utf8').split('\r\n');
    const part: MultipartPart = { name: '', data: Buffer.from(body.subarray(headerEnd + 4, next)) };
    for (const line of headers) {
      const colon = line.indexOf(':');
      if (colon < 0) continue;
      const field = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (field === 'content-type') part.contentType = value;
      if (field !== 'content-disposition') continue;
      for (const m of value.matchAll(/;\s*([A-Za-z*]+)=(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g)) {
        const param = m[1].toLowerCase();
        const raw = m[2] ?? m[3]?.trim() ?? '';
        const text = raw.replace(/%22/g, '"').replace(/%0D/gi, '\r').replace(/%0A/gi, '\n');
        if (param === 'name') part.name = text;
        else if (param === 'filename') part.filename = text;
        else if (param === 'filelength' && /^\d+$/.test(raw)) part.filelength = Number(raw);
      }
    }
    parts.push(part);
    start = next + 2;
  }
}

/** Whether the bytes look like the format WeCom requires for the type (JPG/PNG, AMR, MP4; a file may be anything). */
function mediaFormatOk(type: MediaRecord['type'], data: Buffer): boolean {
  switch (type) {
    case 'image':
      return (data[0] === 0xff && data[1] === 0xd8) || data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    case 'voice':
      return data.subarray(0, 5).toString('latin1') === '#!AMR';
    case 'video':
      return data.subarray(4, 8).toString('latin1') === 'ftyp';
    case 'file':
      return true;
  }
}

/** Returns a problem description, or undefined when the card is acceptable for message/send. */
export function validateAppCard(card: Record<string, unknown>): string | undefined {
  const type = card.card_type;
  if (typeof type !== 'string' || !APP_CARD_TYPES.has(type)) return `unknown card_type ${JSON.stringify(type)}`;
  const taskId = card.task_id;
  if (taskId !== undefined && (typeof taskId !== 'string' || !TASK_ID_PATTERN.test(taskId))) {
    return 'task_id must be 1-128 characters of [0-9A-Za-z_-@]';
  }
  const hasMenu = card.action_menu !== undefined;
  if (hasMenu) {
    const menu = card.action_menu;
    if (!isObject(menu) || !Array.isArray(menu.action_list) || menu.action_list.length < 1 || menu.action_list.length > 3) {
      return 'action_menu.action_list needs 1-3 items';
    }
  }
  if ((INTERACTIVE_CARD_TYPES.has(type) || hasMenu) && taskId === undefined) return `task_id is required for ${type}${hasMenu ? ' with action_menu' : ''}`;
  if (Array.isArray(card.horizontal_content_list) && card.horizontal_content_list.length > 6) return 'horizontal_content_list has more than 6 items';
  if (Array.isArray(card.jump_list) && card.jump_list.length > 3) return 'jump_list has more than 3 items';
  const mainTitle = isObject(card.main_title) ? card.main_title : undefined;

  switch (type) {
    case 'text_notice':
    case 'news_notice': {
      const action = card.card_action;
      if (!isObject(action) || (action.type !== 1 && action.type !== 2)) return 'card_action with type 1 or 2 is required';
      if (action.type === 1 && typeof action.url !== 'string') return 'card_action.url is required for type 1';
      if (type === 'text_notice' && !mainTitle?.title && !card.sub_title_text) return 'main_title.title or sub_title_text is required';
      if (type === 'news_notice' && !mainTitle?.title) return 'main_title.title is required';
      return undefined;
    }
    case 'button_interaction': {
      if (!mainTitle || typeof mainTitle.title !== 'string') return 'main_title.title is required';
      const buttons = card.button_list;
      if (!Array.isArray(buttons) || buttons.length < 1 || buttons.length > 6) return 'button_list needs 1-6 buttons';
      const keys = new Set<string>();
      for (const button of buttons) {
        if (!isObject(button) || typeof button.text !== 'string' || button.text === '') return 'every button needs a text';
        const buttonType = button.type ?? 0;
        if (buttonType === 1) {
          if (typeof button.url !== 'string' || button.url === '') return 'a type 1 button needs a url';
        } else if (buttonType === 0) {
          if (typeof button.key !== 'string' || button.key === '' || bytes(button.key) > 1024) return 'a type 0 button needs a key of 1-1024 bytes';
          if (keys.has(button.key)) return `duplicate button key ${button.key}`;
          keys.add(button.key);
        } else {
          return `invalid button type ${JSON.stringify(buttonType)}`;
        }
        if (button.style !== undefined && (typeof button.style !== 'number' || button.style < 1 || button.style > 4)) return 'button style must be 1-4';
      }
      return undefined;
    }
    case 'vote_interaction': {
      const checkbox = card.checkbox;
      if (!isObject(checkbox) || !Array.isArray(checkbox.option_list) || checkbox.option_list.length < 1 || checkbox.option_list.length > 20) {
        return 'checkbox.option_list needs 1-20 options';
      }
      return checkSubmit(card);
    }
    case 'multiple_interaction': {
      const list = card.select_list;
      if (!Array.isArray(list) || list.length < 1 || list.length > 3) return 'select_list needs 1-3 items';
      return checkSubmit(card);
    }
  }
  return undefined;
}

function checkSubmit(card: Record<string, unknown>): string | undefined {
  const submit = card.submit_button;
  if (!isObject(submit) || typeof submit.text !== 'string' || typeof submit.key !== 'string') return 'submit_button {text, key} is required';
  return undefined;
}
