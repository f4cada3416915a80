/**
 * The real bot in sandbox mode on a test database, driven through its HTTP API (/sandbox/api/…) the way the page
 * and the terminal client drive it. "Quiet" means what the conversation harness means: the inbox idle, nothing
 * waiting for a retry, no outbox row being sent or due within a few seconds.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { In } from 'typeorm';
import { InboxEntity } from '../../src/chat/inbox-entity';
import { loadConfig } from '../../src/config/load-config';
import { createRuntime, type Runtime } from '../../src/main';
import { OutboxEntity } from '../../src/outbox/outbox-entity';
import type { SandboxEntry } from '../../src/sandbox/sandbox-store';
import type { Clock } from '../../src/shared/clock';
import { eventually } from '../helpers/eventually';
import { testLogger } from '../helpers/silent-logger';

export const ROOT = resolve(__dirname, '..', '..');
const EMPTY_CONFIG_DIR = mkdtempSync(join(tmpdir(), 'sandbox-test-config-'));
const SCHEDULED_AFTER_MS = 5000;

export interface ApiResult<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
}

export class SandboxBot {
  /** Sent with every request of api() (the token, when the sandbox asks for one). */
  headers: Record<string, string> = {};

  private constructor(
    readonly runtime: Runtime,
    readonly baseUrl: string,
    readonly clock: Clock,
  ) {}

  /** Start the real runtime on `databaseUrl` with these settings (the project's files from the repository root). */
  static async start(databaseUrl: string, env: Record<string, string>, clock?: Clock): Promise<SandboxBot> {
    const config = loadConfig(
      {
        DATABASE_URL: databaseUrl,
        LOG_LEVEL: 'silent',
        OUTBOX_POLL_INTERVAL_MS: '50',
        OUTBOX_BACKOFF_BASE_MS: '50',
        OUTBOX_BACKOFF_MAX_MS: '1000',
        FLOWS_DIR: resolve(ROOT, 'bot-flows'),
        HOLIDAY_OVERRIDES_FILE: resolve(ROOT, 'config/holiday-overrides.json'),
        REMINDER_LADDERS_FILE: resolve(ROOT, 'config/reminder-ladders.json'),
        PROBLEM_CODES_FILE: resolve(ROOT, 'config/problem-codes.json'),
        ...env,
      },
      EMPTY_CONFIG_DIR,
    );
    const runtime = createRuntime(config, { clock, logger: testLogger(), baseDir: ROOT });
    try {
      await runtime.start();
      const server = await runtime.listen(0);
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      return new SandboxBot(runtime, `http://127.0.0.1:${port}`, clock ?? { now: () => new Date() });
    } catch (error) {
      await runtime.stop().catch(() => undefined);
      throw error;
    }
  }

  async stop(): Promise<void> {
    await this.runtime.stop();
  }

  async api<T = Record<string, unknown>>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResult<T>> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      redirect: 'manual',
      headers: { ...this.headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      // a page, not JSON
    }
    return { status: response.status, body: parsed as T, headers: response.headers };
  }

  /** Every sandbox entry so far. */
  async entries(): Promise<SandboxEntry[]> {
    const all: SandboxEntry[] = [];
    for (;;) {
      const after = all.length ? all[all.length - 1].id : 0;
      const page = await this.api<{ entries: SandboxEntry[] }>('GET', `/sandbox/api/messages?after=${after}`);
      all.push(...page.body.entries);
      if (page.body.entries.length < 200) return all;
    }
  }

  async lastId(): Promise<number> {
    const all = await this.entries();
    return all.length ? all[all.length - 1].id : 0;
  }

  /** The bot's messages in one conversation, in order. */
  async botMessages(conversation: string): Promise<SandboxEntry[]> {
    return (await this.entries()).filter((e) => e.conversation === conversation && e.direction === 'out' && e.kind !== 'card-update');
  }

  /** Write as a person and wait until the bot is quiet; returns the bot's new messages in that conversation. */
  async say(userId: string, text: string, chat: 'single' | 'group' = 'single', clientId?: string): Promise<{ outcome: string; answers: SandboxEntry[] }> {
    const conversation = chat === 'group' ? 'group:work' : userId;
    const before = await this.lastId();
    const result = await this.api<{ outcome: string }>('POST', '/sandbox/api/messages', { as: userId, chat, text, clientId });
    if (result.status !== 202) throw new Error(`POST /sandbox/api/messages answered ${result.status}: ${JSON.stringify(result.body)}`);
    await this.quiet();
    const answers = (await this.entries()).filter((e) => e.id > before && e.conversation === conversation && e.direction === 'out');
    return { outcome: result.body.outcome, answers };
  }

  async quiet(): Promise<void> {
    const { dataSource, inbox } = this.runtime;
    await eventually(
      async () => {
        await inbox.idle();
        const waiting = await dataSource.getRepository(InboxEntity).count({ where: { status: 'received' } });
        const open = await dataSource.getRepository(OutboxEntity).find({ where: { status: In(['pending', 'sending']) } });
        const horizon = this.clock.now().getTime() + SCHEDULED_AFTER_MS;
        const busy = open.filter((row) => row.status === 'sending' || new Date(row.nextAttemptAt).getTime() <= horizon);
        if (waiting === 0 && busy.length === 0) return true;
        throw new Error(`still busy: ${waiting} inbound waiting, outbox ${busy.map((r) => `#${r.id} ${r.channel} ${r.status} ${r.lastError ?? ''}`).join('; ')}`);
      },
      20_000,
      25,
    );
  }
}

/** The text a person sees of an entry (a card: its titles and fields). */
export function textOf(entry: SandboxEntry): string {
  const body = entry.body as Record<string, { content?: string } & Record<string, unknown>>;
  if (entry.kind === 'card') return JSON.stringify(body.template_card);
  return String(body.text?.content ?? body.markdown?.content ?? JSON.stringify(body));
}
