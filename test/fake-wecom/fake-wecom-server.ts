/**
 * A fake WeCom REST server for tests (PROTOCOL §10.1): gettoken and the token check, message/send,
 * update_template_card, recall, group-bot webhooks, robot response_urls, error injection and inspection.
 * Listens on 127.0.0.1 with a random port; the behaviour lives in FakeWeComState.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encryptMedia } from './fake-crypto';
import { FakeWeComState, type RequestContext } from './fake-wecom-state';

/** Where the fake serves robot media, and how long a download URL lives (PROTOCOL §8.2: 5 minutes). */
const ROBOT_MEDIA_PATH = '/fake-media/robot/';
const ROBOT_MEDIA_TTL_MS = 5 * 60 * 1000;
import type {
  AppMessageRecord,
  CardState,
  CardUpdateRecord,
  DeliveryRecord,
  DroppedRecord,
  DuplicateRecord,
  FakeCorp,
  FakeReply,
  FakeWeComOptions,
  Injection,
  MediaRecord,
  MintResponseUrlOptions,
  RecordedRequest,
  RobotResponseRecord,
  WebhookMessageRecord,
} from './fake-wecom-types';

export class FakeWeCom {
  /** Origin, e.g. http://127.0.0.1:39817 — use as the API base of the client under test. */
  baseUrl = '';
  readonly state: FakeWeComState;
  private readonly server: Server;
  private readonly injections: Array<Injection & { remaining: number }> = [];
  private readonly callCounts = new Map<string, number>();
  private requestLog: RecordedRequest[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(options: FakeWeComOptions = {}) {
    this.state = new FakeWeComState(options);
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent && !res.destroyed) {
          res.statusCode = 500;
          res.end(`fake WeCom crashed: ${error instanceof Error ? error.message : String(error)}`);
        }
      });
    });
  }

  /** @internal use startFakeWeCom() */
  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const address = this.server.address() as AddressInfo;
    this.baseUrl = `http://127.0.0.1:${address.port}`;
    this.state.baseUrl = this.baseUrl;
  }

  /** Stop listening and drop every open connection (including requests held by `noResponse`). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const done = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await done;
  }

  now(): Date {
    return this.state.now();
  }

  // ---- registries and switches ------------------------------------------------------------------------------

  addCorp(corp: FakeCorp): void {
    this.state.addCorp(corp);
  }

  addUser(...userIds: string[]): void {
    this.state.addUser(...userIds);
  }

  removeUser(userId: string): void {
    this.state.removeUser(userId);
  }

  addWebhookKey(key: string): void {
    this.state.addWebhookKey(key);
  }

  removeWebhookKey(key: string): void {
    this.state.removeWebhookKey(key);
  }

  /** Full webhook URL for `key` on this fake. */
  webhookUrl(key: string): string {
    return `${this.baseUrl}/cgi-bin/webhook/send?key=${encodeURIComponent(key)}`;
  }

  /** null switches the trusted-IP rule off; a list (e.g. ['10.0.0.1']) makes others get 60020. */
  setIpAllowList(list: string[] | null): void {
    this.state.setIpAllowList(list);
  }

  setOption<K extends keyof FakeWeComState['options']>(name: K, value: FakeWeComState['options'][K]): void {
    this.state.setOption(name, value);
  }

  /** Invalidate a token (default: every current one) early; business APIs then answer `errcode`. */
  revokeToken(token?: string, errcode: 40014 | 42001 = 42001): void {
    this.state.revokeToken(token, errcode);
  }

  issuedTokens(): string[] {
    return this.state.issuedTokens();
  }

  mintResponseUrl(opts: MintResponseUrlOptions = {}): string {
    return this.state.mintResponseUrl(opts);
  }

  responseUrlUsed(responseUrl: string): boolean | undefined {
    const code = new URL(responseUrl).searchParams.get('response_code');
    return code ? this.state.responseUrlUsed(code) : undefined;
  }

  /** A response_code as carried by a template_card_event callback for the card sent as `msgid`. */
  mintCardEventResponseCode(msgid: string): string {
    return this.state.mintCardEventResponseCode(msgid);
  }

  // ---- error injection --------------------------------------------------------------------------------------

  /** Queue a fault for `path`; rules for one path are consumed in the order they were added. */
  inject(rule: Injection): void {
    this.injections.push({ ...rule, remaining: rule.times ?? 1 });
  }

  clearInjections(): void {
    this.injections.length = 0;
  }

  pendingInjections(path?: string): number {
    return this.injections.filter((i) => path === undefined || i.path === path).reduce((n, i) => n + i.remaining, 0);
  }

  // ---- inspection -------------------------------------------------------------------------------------------

  deliveredTo(userId: string): DeliveryRecord[] {
    return this.state.deliveredTo(userId);
  }

  appMessages(): AppMessageRecord[] {
    return this.state.getAppMessages();
  }

  webhookMessages(key?: string): WebhookMessageRecord[] {
    return this.state.getWebhookMessages(key);
  }

  dropped(): DroppedRecord[] {
    return this.state.getDropped();
  }

  duplicates(): DuplicateRecord[] {
    return this.state.getDuplicates();
  }

  robotResponses(): RobotResponseRecord[] {
    return this.state.getRobotResponses();
  }

  cardUpdates(): CardUpdateRecord[] {
    return this.state.getCardUpdates();
  }

  cardState(msgid: string, userId: string): CardState | undefined {
    return this.state.cardState(msgid, userId);
  }

  /** Every accepted media/upload, oldest first (bytes as received). */
  uploads(): MediaRecord[] {
    return this.state.getUploads();
  }

  /** The upload a media_id names (expired ones included), or undefined. */
  media(mediaId: string): MediaRecord | undefined {
    return this.state.getMedia(mediaId);
  }

  /** Delivered file messages with the file they carried: name and bytes. */
  fileMessages(): AppMessageRecord[] {
    return this.state.getAppMessages().filter((m) => m.msgtype === 'file');
  }

  // ---- robot media (PROTOCOL §8.7) -------------------------------------------------------------------------

  /**
   * A file a user sends to the robot: stored encrypted with the robot's EncodingAESKey, downloadable at the returned
   * URL (the `file.url` of the callback) for 5 minutes of the fake's clock; after that the download is refused
   * (HTTP 403, as an expired signed storage URL answers).
   */
  putRobotFile(bytes: Buffer, encodingAesKey: string, opts: { ttlMs?: number } = {}): string {
    const id = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;
    this.robotMedia.set(id, { body: encryptMedia(encodingAesKey, bytes), expiresAt: this.now().getTime() + (opts.ttlMs ?? ROBOT_MEDIA_TTL_MS) });
    return `${this.baseUrl}${ROBOT_MEDIA_PATH}${id}?sign=fake`;
  }

  private readonly robotMedia = new Map<string, { body: Buffer; expiresAt: number }>();

  private robotMediaDownload(id: string): FakeReply {
    const media = this.robotMedia.get(id);
    if (!media) return { status: 404, text: '<?xml version="1.0"?><Error><Code>NoSuchKey</Code></Error>' };
    if (this.now().getTime() >= media.expiresAt) {
      return { status: 403, text: '<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>' };
    }
    return { status: 200, body: media.body };
  }

  /** Number of calls to `path` (e.g. '/cgi-bin/gettoken'), failed and injected ones included. */
  calls(path: string): number {
    return this.callCounts.get(path) ?? 0;
  }

  /** The requests received on `path` (all paths when omitted), oldest first. */
  requests(path?: string): RecordedRequest[] {
    return path === undefined ? [...this.requestLog] : this.requestLog.filter((r) => r.path === path);
  }

  /** Forget traffic, counters, injections and windows; registries stay (tokens too unless `tokens`). */
  reset(opts: { tokens?: boolean } = {}): void {
    this.state.reset(opts);
    this.callCounts.clear();
    this.requestLog = [];
    this.injections.length = 0;
  }

  // ---- HTTP -------------------------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    const path = url.pathname;
    const rawBody = await readBody(req);
    const body = rawBody.toString('utf8');
    const contentType = typeof req.headers['content-type'] === 'string' ? req.headers['content-type'] : undefined;

    if (path.startsWith('/__fake/')) {
      writeReply(res, this.inspect(path, url.searchParams));
      return;
    }

    this.callCounts.set(path, (this.callCounts.get(path) ?? 0) + 1);
    this.requestLog.push({
      method: req.method ?? 'GET',
      path,
      query: Object.fromEntries(url.searchParams),
      body,
      contentType,
      at: this.now(),
    });

    const injection = this.takeInjection(path);
    if (injection) {
      if (injection.delayMs) await this.sleep(injection.delayMs);
      if (this.closed) return;
      if (injection.noResponse) return; // held open until the client gives up or close() drops it
      if (injection.invalidJson) {
        writeReply(res, { status: injection.httpStatus ?? 200, text: '{"errcode":0,"errmsg":"ok","msgid":"' });
        return;
      }
      if (injection.errcode !== undefined) {
        writeReply(res, {
          status: injection.httpStatus ?? 200,
          json: { errcode: injection.errcode, errmsg: injection.errmsg ?? `injected error ${injection.errcode}` },
        });
        return;
      }
      if (injection.httpStatus !== undefined) {
        writeReply(res, { status: injection.httpStatus, text: `<html><body><h1>${injection.httpStatus}</h1>injected</body></html>` });
        return;
      }
      // delay only: a slow but otherwise normal answer
    }

    const ctx: RequestContext = {
      method: req.method ?? 'GET',
      query: url.searchParams,
      body,
      rawBody,
      contentType,
      remoteAddress: req.socket.remoteAddress ?? '',
    };
    writeReply(res, this.route(path, ctx));
  }

  private route(path: string, ctx: RequestContext): FakeReply {
    switch (path) {
      case '/cgi-bin/gettoken':
        return this.state.getToken(ctx);
      case '/cgi-bin/webhook/send':
        return this.state.webhookSend(ctx);
      case '/cgi-bin/aibot/response':
        return this.state.aibotResponse(ctx);
    }
    if (path.startsWith(ROBOT_MEDIA_PATH)) return this.robotMediaDownload(path.slice(ROBOT_MEDIA_PATH.length));
    if (!path.startsWith('/cgi-bin/')) return { status: 404, text: 'not found' };
    const app = this.state.checkToken(ctx);
    if ('status' in app) return app;
    switch (path) {
      case '/cgi-bin/message/send':
        return this.state.messageSend(ctx, app);
      case '/cgi-bin/message/update_template_card':
        return this.state.updateTemplateCard(ctx, app);
      case '/cgi-bin/message/recall':
        return this.state.recall(ctx, app);
      case '/cgi-bin/media/upload':
        return this.state.mediaUpload(ctx, app);
      default:
        return { status: 404, text: `fake WeCom does not implement ${path}` };
    }
  }

  private inspect(path: string, query: URLSearchParams): FakeReply {
    switch (path) {
      case '/__fake/app-messages':
        return { status: 200, json: this.appMessages() };
      case '/__fake/delivered':
        return { status: 200, json: this.deliveredTo(query.get('user') ?? '').map(({ message: _m, ...rest }) => rest) };
      case '/__fake/webhook-messages':
        return { status: 200, json: this.webhookMessages(query.get('key') ?? undefined) };
      case '/__fake/dropped':
        return { status: 200, json: this.dropped() };
      case '/__fake/robot-responses':
        return { status: 200, json: this.robotResponses() };
      case '/__fake/calls':
        return { status: 200, json: { path: query.get('path'), calls: this.calls(query.get('path') ?? '') } };
      default:
        return { status: 404, text: 'unknown inspection route' };
    }
  }

  private takeInjection(path: string): Injection | undefined {
    const index = this.injections.findIndex((i) => i.path === path && i.remaining > 0);
    if (index < 0) return undefined;
    const rule = this.injections[index];
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.injections.splice(index, 1);
    return rule;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function writeReply(res: ServerResponse, reply: FakeReply): void {
  if (res.destroyed || res.writableEnded) return;
  res.statusCode = reply.status;
  if (reply.json !== undefined) {
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.end(JSON.stringify(reply.json));
  } else if (reply.body !== undefined) {
    res.setHeader('content-type', 'application/octet-stream');
    res.end(reply.body);
  } else {
    res.setHeader('content-type', 'text/plain; charset=utf-8');
    res.end(reply.text ?? '');
  }
}

/** Start a fake WeCom on 127.0.0.1 with a random port. Always close() it (afterAll/afterEach). */
export async function startFakeWeCom(options: FakeWeComOptions = {}): Promise<FakeWeCom> {
  const fake = new FakeWeCom(options);
  await fake.listen();
  return fake;
}
