import type { AppMessageBody, TemplateCard } from '../outbox/outbound-message';
import { encodeMultipart } from './multipart';
import type { Clock } from '../shared/clock';
import type { Logger } from '../shared/logger';
import { AccessTokenCache, type TokenCredentials } from './access-token-cache';
import {
  LOCAL_REFUSAL_ERRCODE,
  TRANSPORT_ERRCODE,
  WeComApiError,
  classifyErrcode,
  requestWeComJson,
  type WeComJsonResponse,
} from './wecom-api-error';

export interface WeComApiClientOptions {
  /** Origin of the REST API (WECOM_API_BASE), e.g. https://qyapi.weixin.qq.com; the client appends /cgi-bin/... */
  apiBase: string;
  corpId: string;
  agentId: number;
  secret: string;
  timeoutMs: number;
  clock: Clock;
  logger: Logger;
  fetch?: typeof fetch;
  /** Share a cache between clients; by default each client has its own. */
  tokenCache?: AccessTokenCache;
}

/** A message body as message/send takes it: a file is named by the media_id of an upload (uploadMedia). */
export type ApiMessageBody = Exclude<AppMessageBody, { msgtype: 'file' }> | { msgtype: 'file'; file: { media_id: string } };

export type MediaType = 'image' | 'voice' | 'video' | 'file';

export interface UploadMediaRequest {
  type: MediaType;
  /** shown to the recipient as the file name */
  filename: string;
  data: Uint8Array;
  contentType?: string;
}

export interface UploadMediaResult {
  mediaId: string;
  /** created_at of WeCom's answer (a string of epoch seconds), or our clock when it is missing */
  createdAt: Date;
  /** media_id is valid 3 days from createdAt */
  expiresAt: Date;
}

/** A media_id is valid 3 days (PROTOCOL §5). */
export const MEDIA_ID_TTL_MS = 3 * 24 * 60 * 60 * 1000;

export interface SendMessageRequest {
  /** userids; '@all' is refused (a reminder must never go to the whole corp by accident). */
  toUser: string[];
  body: ApiMessageBody;
  /**
   * WeCom's duplicate check window (default 1800 s, max 14400): an identical request inside it is not delivered
   * again, so a resend after a crash does not reach the member twice. 0 switches the check off.
   */
  duplicateCheckSeconds?: number;
}

export interface SendMessageResult {
  msgid: string;
  /** Recipients WeCom skipped, lower-cased as WeCom returns them. */
  invalidUsers: string[];
  /** Only for interactive template cards: single-use code for updateTemplateCard. */
  responseCode?: string;
}

export type UpdateTemplateCardRequest = {
  userids: string[];
  responseCode: string;
} & ({ replaceName: string; templateCard?: undefined } | { templateCard: TemplateCard; replaceName?: undefined });

export interface UpdateTemplateCardResult {
  invalidUsers: string[];
}

const DEFAULT_DUPLICATE_CHECK_SECONDS = 1800;
const MAX_DUPLICATE_CHECK_SECONDS = 14400;
const MAX_USERS_PER_MESSAGE = 1000;
const APP_TEXT_MAX_BYTES = 2048;

/** The self-built app's REST API: message/send, message/update_template_card, message/recall. */
export class WeComApiClient {
  private readonly apiBase: string;
  private readonly tokens: AccessTokenCache;
  private readonly credentials: TokenCredentials;
  private readonly doFetch: typeof fetch | undefined;

  constructor(private readonly options: WeComApiClientOptions) {
    this.apiBase = options.apiBase.replace(/\/+$/, '');
    this.doFetch = options.fetch;
    this.credentials = { apiBase: this.apiBase, corpId: options.corpId, secret: options.secret };
    this.tokens =
      options.tokenCache ??
      new AccessTokenCache({ clock: options.clock, fetchToken: (credentials) => this.fetchToken(credentials) });
  }

  get agentId(): number {
    return this.options.agentId;
  }

  async sendMessage(request: SendMessageRequest): Promise<SendMessageResult> {
    const users = request.toUser.map((u) => u.trim()).filter((u) => u.length > 0);
    if (users.length === 0) throw this.localRefusal('message/send', 'no recipient userid');
    if (users.some((u) => u === '@all' || u.includes('|'))) {
      throw this.localRefusal('message/send', "recipient list contains '@all' or '|'; only single userids are sent");
    }
    if (users.length > MAX_USERS_PER_MESSAGE) {
      throw this.localRefusal('message/send', `${users.length} recipients, at most ${MAX_USERS_PER_MESSAGE} per message`);
    }
    const content = request.body.msgtype === 'text' ? request.body.text.content : request.body.msgtype === 'markdown' ? request.body.markdown.content : undefined;
    if (content !== undefined && Buffer.byteLength(content, 'utf8') > APP_TEXT_MAX_BYTES) {
      this.options.logger.warn(
        { method: 'message/send', bytes: Buffer.byteLength(content, 'utf8'), limit: APP_TEXT_MAX_BYTES },
        'App message content exceeds the WeCom limit; WeCom will truncate it',
      );
    }
    const interval = Math.min(request.duplicateCheckSeconds ?? DEFAULT_DUPLICATE_CHECK_SECONDS, MAX_DUPLICATE_CHECK_SECONDS);

    // Fixed key order: the duplicate check compares the request JSON, so a resend must serialise identically.
    const payload: Record<string, unknown> = {
      touser: users.join('|'),
      msgtype: request.body.msgtype,
      agentid: this.options.agentId,
      ...bodyField(request.body),
    };
    if (interval > 0) {
      payload.enable_duplicate_check = 1;
      payload.duplicate_check_interval = Math.floor(interval);
    }

    const answer = await this.call('message/send', payload);
    const msgid = typeof answer.msgid === 'string' ? answer.msgid : String(answer.msgid ?? '');
    const responseCode = typeof answer.response_code === 'string' && answer.response_code !== '' ? answer.response_code : undefined;
    const result: SendMessageResult = { msgid, invalidUsers: splitIds(answer.invaliduser) };
    if (responseCode) result.responseCode = responseCode;
    this.options.logger.debug(
      { method: 'message/send', msgtype: request.body.msgtype, recipients: users.length, invalid: result.invalidUsers.length },
      'WeCom app message accepted',
    );
    return result;
  }

  async updateTemplateCard(request: UpdateTemplateCardRequest): Promise<UpdateTemplateCardResult> {
    const payload: Record<string, unknown> = {
      userids: request.userids,
      agentid: this.options.agentId,
      response_code: request.responseCode,
    };
    if (request.templateCard) payload.template_card = request.templateCard;
    else payload.button = { replace_name: request.replaceName };
    const answer = await this.call('message/update_template_card', payload);
    return { invalidUsers: splitIds(answer.invaliduser) };
  }

  async recall(msgid: string): Promise<void> {
    await this.call('message/recall', { msgid });
  }

  /** media/upload: multipart/form-data with one part named `media` carrying the file name. */
  async uploadMedia(request: UploadMediaRequest): Promise<UploadMediaResult> {
    const method = 'media/upload';
    const multipart = encodeMultipart({
      field: 'media',
      filename: request.filename,
      contentType: request.contentType ?? 'application/octet-stream',
      data: request.data,
      dispositionParams: { filelength: request.data.length },
    });
    const answer = await this.callWithToken(method, (token) =>
      requestWeComJson({
        method: 'POST',
        url: `${this.apiBase}/cgi-bin/${method}?access_token=${encodeURIComponent(token)}&type=${encodeURIComponent(request.type)}`,
        apiMethod: method,
        rawBody: { contentType: multipart.contentType, data: multipart.body },
        timeoutMs: this.options.timeoutMs,
        fetch: this.doFetch,
        secrets: [token, this.options.secret],
      }),
    );
    if (typeof answer.media_id !== 'string' || answer.media_id === '') {
      throw new WeComApiError({ errcode: TRANSPORT_ERRCODE, errmsg: 'media/upload answered without media_id', method });
    }
    const seconds = Number(answer.created_at);
    const createdAt = Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000) : this.options.clock.now();
    this.options.logger.debug({ method, type: request.type, bytes: request.data.length }, 'WeCom media uploaded');
    return { mediaId: answer.media_id, createdAt, expiresAt: new Date(createdAt.getTime() + MEDIA_ID_TTL_MS) };
  }

  /** A valid access token (cached). Exposed for other APIs of the same app. */
  getAccessToken(): Promise<string> {
    return this.tokens.get(this.credentials);
  }

  /** POST a business API with the token; on a token error invalidate it, fetch a new one and retry once. */
  private call(method: string, payload: unknown): Promise<WeComJsonResponse> {
    return this.callWithToken(method, (token) => this.post(method, token, payload));
  }

  private async callWithToken(method: string, request: (token: string) => Promise<WeComJsonResponse>): Promise<WeComJsonResponse> {
    let token = await this.getAccessToken();
    let answer = await request(token);
    if (answer.errcode !== 0 && classifyErrcode(answer.errcode, method) === 'token') {
      this.options.logger.warn({ method, errcode: answer.errcode }, 'WeCom refused the access token; refreshing and retrying once');
      this.tokens.invalidate(token);
      token = await this.getAccessToken();
      answer = await request(token);
    }
    if (answer.errcode !== 0) {
      throw new WeComApiError({ errcode: answer.errcode, errmsg: answer.errmsg, method });
    }
    return answer;
  }

  private post(method: string, token: string, payload: unknown): Promise<WeComJsonResponse> {
    return requestWeComJson({
      method: 'POST',
      url: `${this.apiBase}/cgi-bin/${method}?access_token=${encodeURIComponent(token)}`,
      apiMethod: method,
      body: payload,
      timeoutMs: this.options.timeoutMs,
      fetch: this.doFetch,
      secrets: [token, this.options.secret],
    });
  }

  private async fetchToken(credentials: TokenCredentials): Promise<{ accessToken: string; expiresInSeconds: number }> {
    const url = `${credentials.apiBase}/cgi-bin/gettoken?corpid=${encodeURIComponent(credentials.corpId)}&corpsecret=${encodeURIComponent(credentials.secret)}`;
    const answer = await requestWeComJson({
      method: 'GET',
      url,
      apiMethod: 'gettoken',
      timeoutMs: this.options.timeoutMs,
      fetch: this.doFetch,
      secrets: [credentials.secret],
    });
    if (answer.errcode !== 0) {
      throw new WeComApiError({ errcode: answer.errcode, errmsg: answer.errmsg, method: 'gettoken' });
    }
    if (typeof answer.access_token !== 'string' || answer.access_token === '') {
      throw new WeComApiError({ errcode: TRANSPORT_ERRCODE, errmsg: 'gettoken answered without access_token', method: 'gettoken' });
    }
    const expiresIn = Number(answer.expires_in);
    this.options.logger.info({ method: 'gettoken', expiresIn }, 'WeCom access token fetched');
    return { accessToken: answer.access_token, expiresInSeconds: Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : 7200 };
  }

  private localRefusal(method: string, errmsg: string): WeComApiError {
    return new WeComApiError({ errcode: LOCAL_REFUSAL_ERRCODE, errmsg, method, local: true });
  }
}

function bodyField(body: ApiMessageBody): Record<string, unknown> {
  switch (body.msgtype) {
    case 'file':
      return { file: { media_id: body.file.media_id } };
    case 'text':
      return { text: { content: body.text.content } };
    case 'markdown':
      return { markdown: { content: body.markdown.content } };
    case 'template_card':
      return { template_card: body.template_card };
  }
}

/** invaliduser is a '|'-joined string in message/send and an array in update_template_card. */
function splitIds(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String).filter((v) => v !== '');
  if (typeof value === 'string') return value.split('|').filter((v) => v !== '');
  return [];
}
