import { resolve } from 'node:path';
import type Router from '@koa/router';
import type { DataSource } from 'typeorm';
import type { InboundMessage } from '../chat/inbound-message';
import type { AppConfig } from '../config/app-config';
import type { DeadlineRules } from '../domain/deadlines/deadline-service';
import { loadProblemVocabulary } from '../domain/inspection/problem-vocabulary';
import { OutboundFileStore } from '../outbox/outbound-files';
import type { Sender } from '../outbox/sender';
import type { Clock } from '../shared/clock';
import type { Logger } from '../shared/logger';
import { formatInstantCn } from '../shared/shanghai-time';
import { loadDemoDistrict, tablesInUse } from './demo-district';
import { SandboxAuth } from './sandbox-auth';
import { SandboxChannel, SandboxInputError } from './sandbox-channel';
import { isMovable, SandboxClock } from './sandbox-clock';
import { listPeople } from './sandbox-people';
import { SandboxRoutes } from './sandbox-routes';
import { SandboxBesideWeComSender, SandboxSender } from './sandbox-sender';
import { SandboxStore } from './sandbox-store';
import { jumpOptions, jumpTarget, parseJump } from './time-travel';

/** The work group of the sandbox (a conversation id no WeCom userid can take). */
export const SANDBOX_GROUP_ID = 'group:work';
export const SANDBOX_GROUP_NAME = '政务新媒体工作群';
/** The bot's name in the sandbox when WECOM_ROBOT_NAME is not set: group messages @-mention it. */
export const DEFAULT_BOT_NAME = '联络助手';

const CLOCK_OFFSET_KEY = 'clock.offsetMs';
const DEMO_LOADED_KEY = 'demo.loadedAt';
/** How long a clock jump waits for messages being processed to finish first. */
const IDLE_WAIT_MS = 5000;

export interface SandboxOptions {
  config: AppConfig;
  dataSource: DataSource;
  clock: Clock;
  logger: Logger;
  /** Where relative configuration paths are resolved from (the problem vocabulary of the demo district). */
  baseDir?: string;
}

/** The parts of the running bot the sandbox drives. */
export interface SandboxRuntimeParts {
  /** The inbox's accept: the same door the WeCom callbacks use. */
  accept(message: InboundMessage): Promise<'accepted' | 'duplicate'>;
  /** Resolves when no message is being processed. */
  inboxIdle(): Promise<void>;
  /** Run what acts on the clock once (idle conversations, the scheduled jobs) after the clock moved. */
  runTimeDriven(): Promise<Record<string, unknown>>;
  /** Let the dispatcher send now. */
  wakeDispatcher(): void;
  rules: DeadlineRules;
}

/**
 * The clock of a process that runs the sandbox alone: one the page can move forward. Beside WeCom the bot keeps real
 * time — moving it would send real people their reminders early.
 */
export function sandboxClockFor(config: AppConfig): SandboxClock | undefined {
  return config.sandbox.enabled && !weComConfigured(config) ? new SandboxClock() : undefined;
}

function weComConfigured(config: AppConfig): boolean {
  return Boolean(config.wecom.app || config.wecom.robot || config.wecom.groupWebhookUrl);
}

/**
 * The browser sandbox: a channel beside the WeCom ones. Its page posts into the same inbox, the same engine answers,
 * the same outbox and dispatcher deliver — to the Sender of the sandbox, which shows every message in the right
 * person's conversation (or the work group). Its clock can be moved forward to see reminders and escalations arrive.
 *
 * Alone (no WeCom channel configured) the sandbox receives everything the bot sends. Beside WeCom (SANDBOX_ENABLED=true
 * with credentials) only the answers to sandbox messages and the updates of cards clicked in the sandbox stay in it;
 * messages to people and to the group go through WeCom as always.
 */
export class Sandbox {
  readonly store: SandboxStore;
  readonly botName: string;
  /** WeCom channels are configured too: the sandbox only holds its own conversations. */
  readonly besideWeCom: boolean;
  private readonly auth: SandboxAuth;
  private readonly sandboxSender: SandboxSender;
  private parts: SandboxRuntimeParts | undefined;
  private routes: SandboxRoutes | undefined;
  private channel: SandboxChannel | undefined;
  private clockQueue: Promise<unknown> = Promise.resolve();
  /** Files the bot sent (exports): a file message in the sandbox offers its download. */
  private readonly files: OutboundFileStore;

  constructor(private readonly options: SandboxOptions) {
    const { config } = options;
    this.store = new SandboxStore(options.dataSource, SANDBOX_GROUP_ID);
    this.botName = config.wecom.robot?.robotName ?? DEFAULT_BOT_NAME;
    this.besideWeCom = weComConfigured(config);
    this.auth = new SandboxAuth(config.sandbox.adminToken);
    this.sandboxSender = new SandboxSender(this.store, options.clock);
    this.files = new OutboundFileStore(options.dataSource);
  }

  /** The dispatcher's Sender: the sandbox's alone, or routed between the sandbox and WeCom. */
  sender(wecom: Sender): Sender {
    return this.besideWeCom ? new SandboxBesideWeComSender(this.sandboxSender, wecom) : this.sandboxSender;
  }

  /**
   * The configuration the conversation side is built with: alone, the sandbox provides the work group, so
   * bulletins go to the group (with their @-mentions) as they would with WECOM_GROUP_WEBHOOK_URL set.
   */
  chatConfig(config: AppConfig): AppConfig {
    if (this.besideWeCom || config.wecom.groupWebhookUrl) return config;
    return { ...config, wecom: { ...config.wecom, groupWebhookUrl: 'sandbox:work-group' } };
  }

  /** Wire the running bot's inbox, jobs and dispatcher in (they are built after the sender). */
  connect(parts: SandboxRuntimeParts): void {
    this.parts = parts;
    this.channel = new SandboxChannel({
      store: this.store,
      clock: this.options.clock,
      logger: this.options.logger,
      accept: parts.accept,
      botName: this.botName,
    });
    this.routes = new SandboxRoutes({
      auth: this.auth,
      channel: this.channel,
      store: this.store,
      logger: this.options.logger,
      bodyLimitBytes: this.options.config.http.bodyLimitBytes,
      state: () => this.state(),
      moveClock: (jump) => this.moveClock(jump),
      file: async (id) => (Number.isSafeInteger(id) && (await this.store.fileDelivered(id)) ? this.files.load(id) : null),
    });
  }

  mountRoutes(router: Router): void {
    if (!this.routes) throw new Error('Sandbox.connect() must run before the routes are mounted');
    this.routes.mount(router);
  }

  /** The first log line of a process that runs the sandbox. */
  logMode(): void {
    const { logger, config } = this.options;
    if (this.besideWeCom) {
      logger.info({ sandbox: 'beside-wecom', tokenRequired: true }, 'sandbox enabled beside the WeCom channels (SANDBOX_ENABLED=true): every /sandbox request needs SANDBOX_ADMIN_TOKEN');
    } else {
      logger.info(
        { sandbox: 'alone', tokenRequired: this.auth.required, demoData: config.sandbox.demoData },
        'sandbox mode: no WeCom credentials are configured, so the bot talks to the sandbox page instead of WeCom (set the WECOM_* variables for WeCom; see README)',
      );
    }
  }

  /** After the migrations, before the jobs: the clock where it was before a restart, the demo district if the database is empty. */
  async start(): Promise<void> {
    const { clock, config, logger, dataSource } = this.options;
    if (clock instanceof SandboxClock) {
      const stored = Number(await this.store.getState(CLOCK_OFFSET_KEY));
      if (stored > 0) {
        clock.restore(stored);
        logger.info({ offsetMs: stored, now: clock.now().toISOString() }, 'sandbox clock restored: it stays ahead of real time as it was moved');
      }
    }
    if (!config.sandbox.demoData) return;
    if (!this.parts) throw new Error('Sandbox.connect() must run before start()');
    const vocabulary = loadProblemVocabulary(resolve(this.options.baseDir ?? process.cwd(), config.inspection.problemCodesFile));
    const result = await loadDemoDistrict(dataSource, clock.now(), { rules: this.parts.rules, vocabulary }).catch(async (error: unknown) => {
      // another instance starting at the same moment loaded it first (a unique key stopped this one): fine
      const tables = await tablesInUse(dataSource);
      if (tables.length) return { loaded: false as const, reason: 'not-empty' as const, tables };
      throw error;
    });
    if (result.loaded) {
      await this.store.setState(DEMO_LOADED_KEY, clock.now().toISOString(), clock.now());
      logger.info(
        { units: result.units, people: result.people, admins: result.admins, accounts: result.accounts, round: result.roundTitle, findings: result.findings, deadlineDue: result.dueOn },
        'demo district loaded into the empty database (东岚区: units, liaisons, a leader, two admins, accounts, an open inspection round, a deadline)',
      );
    } else {
      logger.info({ tables: result.tables }, 'demo district not loaded: the database already holds data');
    }
  }

  /** The log line with the page's address (after the server listens). */
  logAddress(port: number): void {
    const url = `http://localhost:${port}/sandbox/`;
    this.options.logger.info({ url }, `sandbox page: open ${url} in a browser${this.auth.required ? ' (log in with SANDBOX_ADMIN_TOKEN)' : ''}, or run npm run chat -- --as <userid> in a terminal`);
  }

  /** Close the pages' event streams (the server cannot close while they are open). */
  async stop(): Promise<void> {
    this.routes?.stop();
    await this.clockQueue.catch(() => undefined);
  }

  /** What the page shows around the conversations: who is who, the clock, where the clock can jump. */
  async state(): Promise<Record<string, unknown>> {
    const { dataSource, clock } = this.options;
    const now = clock.now();
    const rules = this.parts?.rules;
    return {
      mode: this.besideWeCom ? 'beside-wecom' : 'alone',
      botName: this.botName,
      group: { id: SANDBOX_GROUP_ID, name: SANDBOX_GROUP_NAME },
      people: await listPeople(dataSource.manager),
      clock: { now: now.toISOString(), label: formatInstantCn(now), movable: isMovable(clock) && !this.besideWeCom },
      jumps: rules && isMovable(clock) && !this.besideWeCom ? await jumpOptions(now, dataSource, rules) : [],
      lastId: await this.store.lastId(),
    };
  }

  /**
   * Move the clock forward (never back), then run what acts on time — the idle-conversation reaper and the scheduled
   * jobs — once, and let the dispatcher deliver. One jump at a time. Null when the jump leads nowhere.
   */
  moveClock(jumpId: unknown): Promise<Record<string, unknown> | null> {
    const run = this.clockQueue.catch(() => undefined).then(() => this.jump(jumpId));
    this.clockQueue = run;
    return run;
  }

  private async jump(jumpId: unknown): Promise<Record<string, unknown> | null> {
    const { clock, dataSource, logger } = this.options;
    const parts = this.parts;
    if (!isMovable(clock) || this.besideWeCom) {
      throw new SandboxInputError(409, '与企业微信并行时，沙盒不能拨动时间：机器人按真实时间给真实的人发提醒');
    }
    const jump = parseJump(jumpId);
    if (!parts || !jump) return null;
    // nothing in flight when time jumps: a lease would look expired under a running step
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([parts.inboxIdle(), new Promise((r) => (timer = setTimeout(r, IDLE_WAIT_MS)))]);
    clearTimeout(timer);
    const before = clock.now();
    const target = await jumpTarget(jump, before, dataSource, parts.rules);
    if (!target || target <= before) return null;
    clock.advance(target.getTime() - before.getTime());
    const now = clock.now();
    if (clock instanceof SandboxClock) await this.store.setState(CLOCK_OFFSET_KEY, String(clock.offset), now);
    logger.info({ from: before.toISOString(), to: now.toISOString(), jump: jumpId }, 'sandbox clock moved forward');
    this.store.changes.emit('clock', { now: now.toISOString(), label: formatInstantCn(now) });
    let jobs: Record<string, unknown> = {};
    try {
      jobs = await parts.runTimeDriven();
      // a job the cron had started before the jump saw the old time: run it again now that it is done
      if (JSON.stringify(jobs).includes('"reason":"running"')) jobs = await parts.runTimeDriven();
    } catch (error) {
      logger.error({ err: error }, 'scheduled jobs failed after the sandbox clock moved');
    }
    parts.wakeDispatcher();
    return { now: now.toISOString(), label: formatInstantCn(now), jobs, jumps: await jumpOptions(now, dataSource, parts.rules) };
  }
}
