import type { LogLevel } from '../shared/logger';

/** The validated configuration of one bot process. Built only by loadConfig (load-config.ts). */
export interface AppConfig {
  /** PORT, default 3000 */
  port: number;
  /** DATABASE_URL as given, default sqlite:data/bot.sqlite */
  databaseUrl: string;
  /** DATABASE_URL parsed */
  database: SqliteDatabaseConfig | MysqlDatabaseConfig;
  /** DB_MIGRATIONS_RUN (default true): run pending migrations at start-up */
  migrationsRun: boolean;
  /** LOG_LEVEL, default info */
  logLevel: LogLevel;
  http: {
    /** HTTP_BODY_LIMIT_BYTES, default 65536: larger callback bodies are refused with 413 */
    bodyLimitBytes: number;
  };
  wecom: WecomConfig;
  outbox: OutboxConfig;
  chat: {
    /** OFFICE_CONTACT: whom an unknown user should contact, shown in the bot's answer */
    officeContact: string;
    /** FLOWS_DIR, default bot-flows: the flow files (bot-flows/<flow-id>.json) */
    flowsDir: string;
    /** SESSION_IDLE_MINUTES, default 30: a half-finished conversation expires after this much silence */
    sessionIdleMinutes: number;
  };
  registry: {
    /** FILING_DUE_WORKDAYS_OPEN, default 3 (R1) */
    openingDueWorkdays: number;
    /** FILING_DUE_WORKDAYS_OTHER, default 5 (R2) */
    otherDueWorkdays: number;
    /** DUPLICATE_PLATFORM_POLICY, default warn (R3) */
    duplicatePlatformPolicy: 'warn' | 'block';
  };
  calendar: {
    /** HOLIDAY_OVERRIDES_FILE, default config/holiday-overrides.json; a missing file means no overrides */
    overridesFile: string;
  };
  reminders: {
    /** REMINDER_OFFICE_START, default 09:00: reminders go out on working days from then … */
    officeStart: string;
    /** REMINDER_OFFICE_END, default 17:30: … until then; a deadline given as a date alone ends then */
    officeEnd: string;
    /** REMINDER_DIGEST_AT, default 09:30: the admins' daily digest of overdue items */
    digestAt: string;
    /** REMINDER_LADDERS_FILE, default config/reminder-ladders.json: when reminders go out, per deadline kind */
    laddersFile: string;
  };
  inspection: {
    /** PROBLEM_CODES_FILE, default config/problem-codes.json: the problem vocabulary of DOMAIN §4 */
    problemCodesFile: string;
  };
  sandbox: SandboxConfig;
}

/** The browser sandbox (src/sandbox): the bot without WeCom, in a chat page under /sandbox/. */
export interface SandboxConfig {
  /** SANDBOX_ENABLED; unset: on exactly when no WeCom channel (app, robot, group webhook) is configured */
  enabled: boolean;
  /** SANDBOX_ADMIN_TOKEN (secret): when set, every /sandbox request must carry it; required with SANDBOX_ENABLED=true */
  adminToken?: string;
  /** SANDBOX_DEMO_DATA; unset: like `enabled` without it. Load the demo district into an empty database at start-up */
  demoData: boolean;
}

export interface SqliteDatabaseConfig {
  type: 'sqlite';
  /** file path (relative to the working directory) or ':memory:' */
  path: string;
}

export interface MysqlDatabaseConfig {
  type: 'mysql';
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

export interface WecomConfig {
  /** WECOM_API_BASE: an origin, scheme://host[:port], default https://qyapi.weixin.qq.com */
  apiBase: string;
  /** The self-built app; undefined when none of its variables is set (the channel is off). */
  app?: {
    corpId: string; // WECOM_CORP_ID
    agentId: number; // WECOM_AGENT_ID
    secret: string; // WECOM_SECRET
    token: string; // WECOM_TOKEN
    encodingAesKey: string; // WECOM_ENCODING_AES_KEY
  };
  /** The intelligent robot; undefined when none of its variables is set. */
  robot?: {
    token: string; // WECOM_ROBOT_TOKEN
    encodingAesKey: string; // WECOM_ROBOT_ENCODING_AES_KEY
    /** WECOM_ROBOT_ID: when set, callbacks of another aibotid are refused */
    robotId?: string;
    /** WECOM_ROBOT_NAME: the robot's display name, stripped from the start of group messages */
    robotName?: string;
  };
  /** WECOM_GROUP_WEBHOOK_URL: whole webhook URL with its key (default group for bulletins) */
  groupWebhookUrl?: string;
  /** WECOM_CALLBACK_MAX_SKEW_SECONDS, default 600; 0 turns the check off */
  callbackMaxSkewSeconds: number;
  /** WECOM_REQUEST_TIMEOUT_MS, default 10000 */
  requestTimeoutMs: number;
}

export interface OutboxConfig {
  /** OUTBOX_POLL_INTERVAL_MS, default 1000 */
  pollIntervalMs: number;
  /** OUTBOX_BATCH_SIZE, default 50 */
  batchSize: number;
  /** OUTBOX_MAX_ATTEMPTS, default 8 */
  maxAttempts: number;
  /** OUTBOX_LEASE_SECONDS, default 60 */
  leaseSeconds: number;
  /** OUTBOX_BACKOFF_BASE_MS, default 2000; doubles per attempt */
  backoffBaseMs: number;
  /** OUTBOX_BACKOFF_MAX_MS, default 600000 */
  backoffMaxMs: number;
}
