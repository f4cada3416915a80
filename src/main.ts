import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { resolve } from 'node:path';
import type { DataSource } from 'typeorm';
import type Koa from 'koa';
import { createChatComponents } from './chat/chat-setup';
import { SessionReaper } from './chat/flow/session-reaper';
import { deadLetterNotices } from './chat/dead-letter-notices';
import { Inbox } from './chat/inbox';
import { CallbackLoad } from './http/callback-load';
import type { AppConfig } from './config/app-config';
import { loadConfig } from './config/load-config';
import { readEnvironment } from './config/read-env';
import { createDataSource, pingDatabase } from './db/data-source';
import { entities } from './entities';
import { createApp } from './http/create-app';
import { JobScheduler } from './jobs/job-scheduler';
import { reminderJobs } from './jobs/reminder-jobs';
import { OutboxDispatcher } from './outbox/outbox-dispatcher';
import type { Sender } from './outbox/sender';
import { systemClock, type Clock } from './shared/clock';
import { toShanghaiDate } from './shared/shanghai-time';
import { ConfigError } from './shared/errors';
import { FlowLoadError } from './chat/flow/flow-loader';
import { createLogger, type Logger } from './shared/logger';
import { AppCallbackAdapter } from './wecom/app-callback-adapter';
import { RobotCallbackAdapter } from './wecom/robot-callback-adapter';
import { RobotMediaClient } from './wecom/robot-media-client';
import { WebhookClient } from './wecom/webhook-client';
import { WeComApiClient } from './wecom/wecom-api-client';
import { WeComSender } from './wecom/wecom-sender';
import { Sandbox, sandboxClockFor } from './sandbox/sandbox';
import { OutboundFileStore } from './outbox/outbound-files';

export interface RuntimeOverrides {
  clock?: Clock;
  logger?: Logger;
  /** Replace the WeCom sender (tests that stop at the outbox). */
  sender?: Sender;
  instanceId?: string;
  /** Directory the relative paths of the configuration (flows, holiday overrides) are resolved from; default cwd. */
  baseDir?: string;
}

/** Everything one bot process runs, wired together; nothing listens or polls until start(). */
export interface Runtime {
  config: AppConfig;
  logger: Logger;
  dataSource: DataSource;
  inbox: Inbox;
  dispatcher: OutboxDispatcher;
  /** Ends conversations nobody answered in time (and tells the person once). */
  sessionReaper: SessionReaper;
  /** Scheduled jobs (reminders, escalation, digests); `runOnce()` runs them all now. */
  scheduler: JobScheduler;
  app: Koa;
  /** The browser sandbox (src/sandbox) when it is on: SANDBOX_ENABLED, or no WeCom channel configured. */
  sandbox?: Sandbox;
  /** Open the database, migrate if configured, start the dispatcher and the inbox sweep. */
  start(): Promise<void>;
  /** Listen on config.port (or the given port; 0 = any). */
  listen(port?: number): Promise<Server>;
  stop(): Promise<void>;
}

export function createRuntime(config: AppConfig, overrides: RuntimeOverrides = {}): Runtime {
  const clock = overrides.clock ?? sandboxClockFor(config) ?? systemClock;
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const instanceId = overrides.instanceId ?? `bot-${randomUUID().slice(0, 8)}`;
  const dataSource = createDataSource({ database: config.database, entities });
  const sandbox = config.sandbox.enabled
    ? new Sandbox({ config, dataSource, clock, logger: logger.child({ component: 'sandbox' }), baseDir: overrides.baseDir })
    : undefined;
  const { wecom } = config;

  const appCallback = wecom.app
    ? new AppCallbackAdapter({
        corpId: wecom.app.corpId,
        agentId: wecom.app.agentId,
        token: wecom.app.token,
        encodingAesKey: wecom.app.encodingAesKey,
        maxSkewSeconds: wecom.callbackMaxSkewSeconds,
        clock,
      })
    : undefined;
  const robotCallback = wecom.robot
    ? new RobotCallbackAdapter({
        token: wecom.robot.token,
        encodingAesKey: wecom.robot.encodingAesKey,
        robotId: wecom.robot.robotId,
        robotName: wecom.robot.robotName,
        maxSkewSeconds: wecom.callbackMaxSkewSeconds,
        clock,
      })
    : undefined;
  const sender =
    overrides.sender ??
    new WeComSender({
      api: wecom.app
        ? new WeComApiClient({
            apiBase: wecom.apiBase,
            corpId: wecom.app.corpId,
            agentId: wecom.app.agentId,
            secret: wecom.app.secret,
            timeoutMs: wecom.requestTimeoutMs,
            clock,
            logger,
          })
        : undefined,
      webhook: new WebhookClient({ timeoutMs: wecom.requestTimeoutMs }),
      defaultWebhookUrl: wecom.groupWebhookUrl,
      timeoutMs: wecom.requestTimeoutMs,
      logger,
      files: new OutboundFileStore(dataSource),
      clock,
    });

  const callbackLoad = new CallbackLoad();
  const dispatcher = new OutboxDispatcher({
    callbackLoad,
    dataSource,
    sender: sandbox ? sandbox.sender(sender) : sender,
    clock,
    logger: logger.child({ component: 'outbox' }),
    config: config.outbox,
    instanceId,
    deadLetterNotices,
  });
  const fileFetcher = wecom.robot
    ? new RobotMediaClient({ encodingAesKey: wecom.robot.encodingAesKey, timeoutMs: wecom.requestTimeoutMs })
    : undefined;
  const chat = createChatComponents(sandbox ? sandbox.chatConfig(config) : config, overrides.baseDir, { fileFetcher });
  const inbox = new Inbox({
    callbackLoad,
    dataSource,
    clock,
    logger: logger.child({ component: 'inbox' }),
    handler: chat.router,
    onOutboxWritten: () => dispatcher.wake(),
    outboxMaxAttempts: config.outbox.maxAttempts,
    instanceId,
  });
  const sessionReaper = new SessionReaper({
    dataSource,
    clock,
    logger: logger.child({ component: 'sessions' }),
    flows: chat.flows,
    idleMinutes: config.chat.sessionIdleMinutes,
    outboxMaxAttempts: config.outbox.maxAttempts,
    onOutboxWritten: () => dispatcher.wake(),
  });
  const scheduler = new JobScheduler({
    dataSource,
    clock,
    logger: logger.child({ component: 'jobs' }),
    instanceId,
    jobs: reminderJobs({
      dataSource,
      rules: chat.deadlineRules,
      digestAt: config.reminders.digestAt,
      outboxMaxAttempts: config.outbox.maxAttempts,
      onOutboxWritten: () => dispatcher.wake(),
    }),
  });
  sandbox?.connect({
    accept: (message) => inbox.accept(message),
    inboxIdle: () => inbox.idle(),
    runTimeDriven: async () => ({ sessions: await sessionReaper.runOnce(), jobs: await scheduler.runOnce() }),
    wakeDispatcher: () => dispatcher.wake(),
    rules: chat.deadlineRules,
  });
  const app = createApp({
    logger,
    accept: (message) => inbox.accept(message),
    databaseReachable: () => pingDatabase(dataSource),
    appCallback,
    robotCallback,
    bodyLimitBytes: config.http.bodyLimitBytes,
    callbackLoad,
    extraRoutes: sandbox ? (router) => sandbox.mountRoutes(router) : undefined,
  });

  let server: Server | undefined;
  return {
    config,
    logger,
    dataSource,
    inbox,
    dispatcher,
    sessionReaper,
    scheduler,
    app,
    sandbox,
    async start() {
      sandbox?.logMode();
      await dataSource.initialize();
      if (config.migrationsRun) {
        const applied = await dataSource.runMigrations({ transaction: 'each' });
        if (applied.length) logger.info({ migrations: applied.map((m) => m.name) }, 'database migrations applied');
      } else if (await dataSource.showMigrations()) {
        throw new Error('the database schema is behind this version: run `npm run migration:run` (or set DB_MIGRATIONS_RUN=true)');
      }
      await sandbox?.start();
      const channels = [appCallback && 'app', robotCallback && 'robot', wecom.groupWebhookUrl && 'group-webhook'].filter(Boolean);
      if (channels.length === 0 && !sandbox) {
        logger.warn(
          'no WeCom channel is configured: callbacks answer 404 and nothing can be sent. Set WECOM_CORP_ID, WECOM_AGENT_ID, WECOM_SECRET, WECOM_TOKEN and WECOM_ENCODING_AES_KEY (see .env.example)',
        );
      } else if (channels.length > 0) {
        logger.info({ channels, apiBase: wecom.apiBase }, 'WeCom channels enabled');
      }
      const uncovered = chat.calendar.uncoveredDates(toShanghaiDate(clock.now()), 60);
      if (uncovered.length) {
        logger.warn(
          { from: uncovered[0], to: uncovered[uncovered.length - 1], days: uncovered.length, overridesFile: config.calendar.overridesFile },
          'the holiday calendar has no data for part of the next 60 days: filing deadlines there are provisional. Add the official holiday schedule to the override file (see config/README.md) or update chinese-days',
        );
      }
      logger.info({ flows: [...chat.flows.keys()] }, 'conversation flows loaded');
      callbackLoad.start();
      dispatcher.start();
      inbox.start();
      sessionReaper.start();
      scheduler.start();
      // catch up at once on what fell due while the bot was down (reminders that still make sense, today's digest)
      scheduler.runOnce().catch((error: unknown) => logger.error({ err: error }, 'start-up run of the scheduled jobs failed'));
    },
    async listen(port = config.port) {
      server = createServer(app.callback());
      server.keepAliveTimeout = 65_000;
      await new Promise<void>((resolveListen, reject) => {
        server?.once('error', reject);
        server?.listen(port, () => resolveListen());
      });
      return server;
    },
    async stop() {
      await sandbox?.stop();
      if (server) {
        const closing = server;
        // a connection that never sent a request (a browser's spare socket) would hold close() until its timeout
        const force = setTimeout(() => closing.closeAllConnections(), 2000);
        await new Promise<void>((r) => closing.close(() => r()));
        clearTimeout(force);
      }
      server = undefined;
      await scheduler.stop();
      await sessionReaper.stop();
      await inbox.stop();
      await dispatcher.stop();
      callbackLoad.stop();
      if (dataSource.isInitialized) await dataSource.destroy();
    },
  };
}

/** The process entry: `node dist/main.js` or `npm start`. */
export async function runMain(): Promise<void> {
  let config: AppConfig;
  let runtime: Runtime;
  try {
    config = loadConfig(readEnvironment(process.env, resolve(process.cwd(), '.env')), resolve(process.cwd(), 'config'));
    runtime = createRuntime(config);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      console.error('Fix the variables above (see .env.example for every setting), then start again.');
      process.exit(1);
    }
    if (error instanceof FlowLoadError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const { logger } = runtime;
  try {
    await runtime.start();
    const server = await runtime.listen();
    const address = server.address();
    logger.info(
      { port: typeof address === 'object' && address ? address.port : config.port, database: config.database.type },
      'bot listening',
    );
    runtime.sandbox?.logAddress(typeof address === 'object' && address ? address.port : config.port);
  } catch (error) {
    logger.fatal({ err: error }, 'bot failed to start');
    await runtime.stop().catch(() => undefined);
    process.exit(1);
  }
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    runtime
      .stop()
      .then(() => process.exit(0))
      .catch((error) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

if (require.main === module) {
  void runMain();
}
