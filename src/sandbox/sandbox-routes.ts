import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type Router from '@koa/router';
import type { Context } from 'koa';
import { BodyTooLargeError, readRawBody } from '../http/raw-body';
import type { Logger } from '../shared/logger';
import { SESSION_COOKIE, type SandboxAuth } from './sandbox-auth';
import { SandboxInputError, type SandboxChannel } from './sandbox-channel';
import type { SandboxStore } from './sandbox-store';

/** What the routes need of the sandbox. */
export interface SandboxRouteDeps {
  auth: SandboxAuth;
  channel: SandboxChannel;
  store: SandboxStore;
  logger: Logger;
  bodyLimitBytes: number;
  /** GET /sandbox/api/state */
  state(): Promise<Record<string, unknown>>;
  /** POST /sandbox/api/clock: null when the jump leads nowhere */
  moveClock(jump: unknown): Promise<Record<string, unknown> | null>;
  /** GET /sandbox/api/files/:id: a file the bot sent, or null */
  file?(id: number): Promise<{ name: string; contentType: string; content: Buffer } | null>;
}

/** The page's files; nothing else under public/ is served. */
const ASSETS: Record<string, string> = {
  'sandbox.css': 'text/css; charset=utf-8',
  'sandbox.js': 'text/javascript; charset=utf-8',
  'render.js': 'text/javascript; charset=utf-8',
};

/** No inline script or style, nothing from elsewhere: the page renders messages the bot and people wrote. */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
const SSE_BATCH = 200;
const SSE_POLL_MS = 2000;
const SSE_HEARTBEAT_MS = 15_000;

/**
 * Where the page's files are: next to this module (the source tree, or dist/ after `npm run build` copied them),
 * else in the source tree beside dist/.
 */
export function publicDir(): string {
  const candidates = [join(__dirname, 'public'), resolve(__dirname, '..', '..', '..', 'src', 'sandbox', 'public')];
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? candidates[0];
}

/**
 * /sandbox/… : the page and its files, the login step, and the JSON API the page and the terminal client use
 * (state, messages, card clicks, the clock, a server-sent event stream of new conversation entries).
 */
export class SandboxRoutes {
  private readonly streams = new Set<() => void>();
  private readonly dir = publicDir();

  constructor(private readonly deps: SandboxRouteDeps) {}

  mount(router: Router): void {
    const { auth } = this.deps;
    router.get('/sandbox/login', async (ctx) => {
      this.secure(ctx);
      if (!auth.required) return ctx.redirect('/sandbox/');
      await this.sendLoginPage(ctx, false);
    });
    router.post('/sandbox/login', async (ctx) => {
      this.secure(ctx);
      if (!auth.required) return ctx.redirect('/sandbox/');
      const form = new URLSearchParams(await this.readBody(ctx));
      if (!auth.checkToken(form.get('token') ?? '')) {
        this.deps.logger.warn({ ip: ctx.ip }, 'sandbox login refused: wrong token');
        await new Promise((r) => setTimeout(r, 300));
        ctx.status = 401;
        return this.sendLoginPage(ctx, true);
      }
      ctx.cookies.set(SESSION_COOKIE, auth.sessionValue() ?? '', { httpOnly: true, sameSite: 'strict', path: '/sandbox', secure: ctx.secure, overwrite: true });
      ctx.status = 303;
      ctx.redirect('/sandbox/');
    });
    router.post('/sandbox/logout', (ctx) => {
      ctx.cookies.set(SESSION_COOKIE, '', { httpOnly: true, sameSite: 'strict', path: '/sandbox', expires: new Date(0), overwrite: true });
      ctx.status = 303;
      ctx.redirect(auth.required ? '/sandbox/login' : '/sandbox/');
    });

    // this route matches /sandbox and /sandbox/ alike; the page's address is the one with the slash
    router.get('/sandbox', (ctx) => {
      if (!ctx.path.endsWith('/')) return ctx.redirect('/sandbox/');
      return this.guardPage(ctx, false, () => this.sendFile(ctx, 'index.html', 'text/html; charset=utf-8'));
    });
    router.get('/sandbox/assets/:file', (ctx) =>
      // the stylesheet is the login page's too: it holds no data
      this.guardPage(ctx, ctx.params.file === 'sandbox.css', async () => {
        const file = String(ctx.params.file);
        const type = Object.prototype.hasOwnProperty.call(ASSETS, file) ? ASSETS[file] : undefined;
        if (!type) {
          ctx.status = 404;
          ctx.body = '';
          return;
        }
        await this.sendFile(ctx, file, type);
      }),
    );

    router.get('/sandbox/api/state', (ctx) => this.guardApi(ctx, async () => this.json(ctx, 200, await this.deps.state())));
    router.get('/sandbox/api/messages', (ctx) =>
      this.guardApi(ctx, async () => {
        const after = nonNegative(ctx.query.after);
        const limit = nonNegative(ctx.query.limit) || SSE_BATCH;
        const entries = await this.deps.store.after(after, limit);
        this.json(ctx, 200, { entries, lastId: entries.length ? entries[entries.length - 1].id : after });
      }),
    );
    router.post('/sandbox/api/messages', (ctx) =>
      this.guardApi(ctx, async () => {
        const body = await this.readJson(ctx);
        const chat = body.chat === 'group' ? 'group' : 'single';
        const result = await this.deps.channel.say({ userId: body.as as string, chat, text: body.text as string, clientId: body.clientId as string | undefined });
        this.json(ctx, 202, result);
      }),
    );
    router.post('/sandbox/api/cards/:id/click', (ctx) =>
      this.guardApi(ctx, async () => {
        const body = await this.readJson(ctx);
        const result = await this.deps.channel.click({
          userId: body.as as string,
          messageId: Number(ctx.params.id),
          key: String(body.key ?? ''),
          clientId: body.clientId as string | undefined,
        });
        this.json(ctx, 202, result);
      }),
    );
    router.post('/sandbox/api/clock', (ctx) =>
      this.guardApi(ctx, async () => {
        const body = await this.readJson(ctx);
        const moved = await this.deps.moveClock(body.jump);
        if (!moved) return this.json(ctx, 409, { error: '没有可以跳到的时间（没有待发的提醒，或截止时间已过）' });
        this.json(ctx, 200, moved);
      }),
    );
    router.get('/sandbox/api/files/:id', (ctx) =>
      this.guardApi(ctx, async () => {
        const file = this.deps.file ? await this.deps.file(Number(ctx.params.id)) : null;
        if (!file) return this.json(ctx, 404, { error: '文件不存在或已过保存期' });
        ctx.set('Content-Disposition', `attachment; filename*=UTF-8''${encodeURIComponent(file.name)}`);
        ctx.type = file.contentType;
        ctx.body = file.content;
      }),
    );
    router.get('/sandbox/api/events', (ctx) => this.guardApi(ctx, async () => this.events(ctx)));
  }

  /** End every open event stream (shutdown: the server cannot close while they run). */
  stop(): void {
    for (const end of [...this.streams]) end();
  }

  // ---- server-sent events ---------------------------------------------------------------------------------------

  /**
   * The conversation entries after the last one the client has (Last-Event-ID, or ?after=), then every new one as it
   * is written: at once for rows this process writes, within a few seconds for rows of another instance.
   */
  private events(ctx: Context): void {
    const { store, logger } = this.deps;
    let last = nonNegative(ctx.get('last-event-id') || ctx.query.after);
    // the response is written here, not by Koa: it stays open until the page goes away or the bot stops
    ctx.respond = false;
    const res = ctx.res;
    ctx.req.socket.setTimeout(0);
    ctx.req.socket.setNoDelay(true);
    ctx.req.socket.setKeepAlive(true);
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      'X-Accel-Buffering': 'no',
      // not reused after the stream: when the bot stops and ends it, the socket closes and the server can stop
      Connection: 'close',
    });
    let busy = false;
    let again = false;
    let closed = false;
    const write = (text: string) => {
      if (!closed && !res.writableEnded && !res.destroyed) res.write(text);
    };
    const pump = async (): Promise<void> => {
      if (closed) return;
      if (busy) {
        again = true;
        return;
      }
      busy = true;
      try {
        do {
          again = false;
          for (;;) {
            const entries = await store.after(last, SSE_BATCH);
            for (const entry of entries) {
              if (closed) return;
              write(`id: ${entry.id}\nevent: entry\ndata: ${JSON.stringify(entry)}\n\n`);
              last = entry.id;
            }
            if (entries.length < SSE_BATCH) break;
          }
        } while (again && !closed);
      } catch (error) {
        if (!closed) logger.warn({ err: error }, 'sandbox event stream could not read new entries');
      } finally {
        busy = false;
      }
    };
    const onRows = () => void pump();
    const onClock = (clock: unknown) => write(`event: clock\ndata: ${JSON.stringify(clock)}\n\n`);
    const poll = setInterval(onRows, SSE_POLL_MS);
    const heartbeat = setInterval(() => write(': keep-alive\n\n'), SSE_HEARTBEAT_MS);
    const end = () => {
      if (closed) return;
      closed = true;
      clearInterval(poll);
      clearInterval(heartbeat);
      store.changes.off('rows', onRows);
      store.changes.off('clock', onClock);
      this.streams.delete(end);
      if (!res.writableEnded) res.end();
    };
    store.changes.on('rows', onRows);
    store.changes.on('clock', onClock);
    this.streams.add(end);
    res.on('close', end);
    write('retry: 2000\n\n');
    void pump();
  }

  // ---- helpers --------------------------------------------------------------------------------------------------

  private secure(ctx: Context): void {
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('Content-Security-Policy', CSP);
    ctx.set('Cache-Control', 'no-cache');
  }

  /** The page and its files: without the token, to the login step. */
  private async guardPage(ctx: Context, open: boolean, next: () => Promise<void> | void): Promise<void> {
    this.secure(ctx);
    if (!open && !this.deps.auth.allows(ctx)) {
      ctx.redirect('/sandbox/login');
      return;
    }
    await next();
  }

  /** The API: without the token, 401; a refused input, its 4xx with the reason (in Chinese, for the page). */
  private async guardApi(ctx: Context, next: () => Promise<void> | void): Promise<void> {
    this.secure(ctx);
    if (!this.deps.auth.allows(ctx)) {
      this.deps.logger.warn({ path: ctx.path, ip: ctx.ip }, 'sandbox request refused: no valid token');
      ctx.req.resume();
      return this.json(ctx, 401, { error: '需要沙盒令牌（SANDBOX_ADMIN_TOKEN）：请先登录 /sandbox/login，或在请求头 Authorization: Bearer <令牌> 中提供' });
    }
    try {
      await next();
    } catch (error) {
      if (error instanceof SandboxInputError) return this.json(ctx, error.status, { error: error.message });
      if (error instanceof RequestBodyError) return this.json(ctx, error.status, { error: error.message });
      throw error;
    }
  }

  private json(ctx: Context, status: number, body: unknown): void {
    ctx.status = status;
    ctx.type = 'application/json; charset=utf-8';
    ctx.body = JSON.stringify(body);
  }

  private async sendFile(ctx: Context, name: string, type: string): Promise<void> {
    ctx.type = type;
    ctx.body = await readFile(join(this.dir, name));
  }

  private async sendLoginPage(ctx: Context, failed: boolean): Promise<void> {
    const html = await readFile(join(this.dir, 'login.html'), 'utf8');
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = html.replace('<!--error-->', failed ? '<p class="error">令牌不正确，请重新输入。</p>' : '');
  }

  private async readBody(ctx: Context): Promise<string> {
    try {
      return await readRawBody(ctx, this.deps.bodyLimitBytes);
    } catch (error) {
      if (error instanceof BodyTooLargeError) throw new RequestBodyError(413, '请求太大');
      throw error;
    }
  }

  /** A JSON object body. Only application/json: a form on another site cannot post it without the browser asking first. */
  private async readJson(ctx: Context): Promise<Record<string, unknown>> {
    if (!ctx.is('application/json')) {
      ctx.req.resume();
      throw new RequestBodyError(415, '请求体须为 application/json');
    }
    let value: unknown;
    try {
      value = JSON.parse(await this.readBody(ctx));
    } catch (error) {
      if (error instanceof RequestBodyError) throw error;
      throw new RequestBodyError(400, '请求体不是有效的 JSON');
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new RequestBodyError(400, '请求体须为 JSON 对象');
    return value as Record<string, unknown>;
  }
}

class RequestBodyError extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
    message: string,
  ) {
    super(message);
  }
}

function nonNegative(value: unknown): number {
  const n = Number(Array.isArray(value) ? value[0] : value);
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
}
