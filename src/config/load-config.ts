import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import type { LogLevel } from '../shared/logger';
import { ConfigError, type ConfigProblem } from '../shared/errors';
import type { AppConfig, MysqlDatabaseConfig, SqliteDatabaseConfig } from './app-config';

/**
 * Builds the validated AppConfig from built-in defaults, the JSON files in `configDir` and the environment.
 *
 * Merge order (later wins): built-in defaults < config/default.json < config/<NODE_ENV>.json < config/local.json
 * < environment variables. All files are optional. Files hold non-secret settings only, in a nested shape that
 * mirrors AppConfig; secrets come only from the environment. Every problem found is collected and thrown at once
 * as one ConfigError, so an operator can fix them all in one go.
 *
 * Pure apart from reading the config files: the environment is a parameter, nothing here reads process.env.
 */
export function loadConfig(env: Record<string, string | undefined>, configDir: string): AppConfig {
  const problems = new ProblemList();
  const merged = new Map<string, LayerValue>();
  /** Every setting that was given somewhere, valid or not (for the "all or none" credential checks). */
  const given = new Map<string, string>();

  const layers: Layer[] = [defaultsLayer()];
  for (const fileName of configFileNames(env, problems)) {
    const layer = readFileLayer(configDir, fileName, problems);
    if (layer) layers.push(layer);
  }
  layers.push(envLayer(env, problems));

  for (const layer of layers) {
    for (const [path, entry] of layer.values) {
      if (!layer.isDefaults) given.set(path, entry.label);
      if (entry.valid) merged.set(path, entry);
    }
  }

  checkCredentialGroup(APP_GROUP, given, problems);
  checkCredentialGroup(ROBOT_GROUP, given, problems);
  checkBackoff(merged, problems);
  checkOfficeHours(merged, problems);
  checkSandbox(merged, given, problems);

  if (problems.list.length > 0) throw new ConfigError(problems.list);
  return buildConfig(merged);
}

// ---------------------------------------------------------------------------------------------------------------
// The settings: one row per leaf of the config tree.
// ---------------------------------------------------------------------------------------------------------------

type CheckResult = { ok: true; value: unknown } | { ok: false; problem: string; example?: string };

interface Setting {
  /** dotted path in the config files, e.g. outbox.maxAttempts */
  path: string;
  /** environment variable */
  env: string;
  kind: 'integer' | 'boolean' | 'string' | 'logLevel';
  /** JSON Schema of the typed value (after an environment string has been converted) */
  schema: Record<string, unknown>;
  /** secrets come only from the environment and are never echoed in a problem */
  secret: boolean;
  default?: unknown;
  /** what a right value is, for problem texts: "an integer from 1 to 65535" */
  expect: string;
  example: string;
  /** checks a schema cannot make; may normalise the value */
  check?: (value: string) => CheckResult;
}

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const MAX_INT = 2_147_483_647;
const AES_KEY_PATTERN = '^[A-Za-z0-9]{43}$';
const NO_SPACE_PATTERN = '^\\S+$';
const TIME_PATTERN = '^([01][0-9]|2[0-3]):[0-5][0-9]$';
const SANDBOX_TOKEN_EXAMPLE = 'SANDBOX_ADMIN_TOKEN=<a random string, e.g. the output of `openssl rand -hex 24`>';

function int(min: number, max: number): Pick<Setting, 'kind' | 'schema' | 'expect'> {
  return {
    kind: 'integer',
    schema: { type: 'integer', minimum: min, maximum: max },
    expect: max === MAX_INT ? `an integer ≥ ${min}` : `an integer from ${min} to ${max}`,
  };
}

function text(expect: string, extra: Record<string, unknown> = {}): Pick<Setting, 'kind' | 'schema' | 'expect'> {
  return { kind: 'string', schema: { type: 'string', minLength: 1, ...extra }, expect };
}

const SETTINGS: readonly Setting[] = [
  { path: 'port', env: 'PORT', ...int(1, 65535), secret: false, default: 3000, example: '3000' },
  {
    path: 'databaseUrl',
    env: 'DATABASE_URL',
    ...text('sqlite:<file>, sqlite::memory: or mysql://user:password@host:3306/database'),
    secret: false,
    default: 'sqlite:data/bot.sqlite',
    example: 'sqlite:data/bot.sqlite or mysql://bot:s3cret@db.internal:3306/gov_media',
    check: checkDatabaseUrl,
  },
  {
    path: 'migrationsRun',
    env: 'DB_MIGRATIONS_RUN',
    kind: 'boolean',
    schema: { type: 'boolean' },
    expect: 'true or false (1 or 0)',
    secret: false,
    default: true,
    example: 'true',
  },
  {
    path: 'logLevel',
    env: 'LOG_LEVEL',
    kind: 'logLevel',
    schema: { type: 'string', enum: LOG_LEVELS },
    expect: `one of ${LOG_LEVELS.join(', ')}`,
    secret: false,
    default: 'info',
    example: 'info',
  },
  {
    path: 'http.bodyLimitBytes',
    env: 'HTTP_BODY_LIMIT_BYTES',
    ...int(1, 104_857_600),
    secret: false,
    default: 65536,
    example: '65536',
  },
  {
    path: 'wecom.apiBase',
    env: 'WECOM_API_BASE',
    ...text('an origin scheme://host[:port] (http or https, no path, no query)'),
    secret: false,
    default: 'https://qyapi.weixin.qq.com',
    example: 'https://qyapi.weixin.qq.com',
    check: checkApiBase,
  },
  {
    path: 'wecom.app.corpId',
    env: 'WECOM_CORP_ID',
    ...text('the CorpID without spaces (我的企业 → 企业信息 → 企业ID)', { pattern: NO_SPACE_PATTERN, maxLength: 64 }),
    secret: false,
    example: 'ww1a2b3c4d5e6f7a8b',
  },
  {
    path: 'wecom.app.agentId',
    env: 'WECOM_AGENT_ID',
    ...int(1, MAX_INT),
    expect: 'a positive integer, the AgentId of the self-built app (应用管理 → 应用 → AgentId)',
    secret: false,
    example: '1000002',
  },
  {
    path: 'wecom.app.secret',
    env: 'WECOM_SECRET',
    ...text('the Secret of the self-built app without spaces (应用管理 → 应用 → Secret)', {
      pattern: NO_SPACE_PATTERN,
    }),
    secret: true,
    example: 'the Secret copied from 应用管理 → 应用 → Secret',
  },
  {
    path: 'wecom.app.token',
    env: 'WECOM_TOKEN',
    ...text('the callback Token without spaces (应用管理 → 应用 → 接收消息 → 设置API接收 → Token)', {
      pattern: NO_SPACE_PATTERN,
    }),
    secret: true,
    example: 'the Token copied from 应用管理 → 接收消息 → 设置API接收',
  },
  {
    path: 'wecom.app.encodingAesKey',
    env: 'WECOM_ENCODING_AES_KEY',
    ...text(
      'exactly 43 letters and digits [A-Za-z0-9]; copy it from the admin console: 应用管理 → 应用 → 接收消息 → 设置API接收 → EncodingAESKey',
      { pattern: AES_KEY_PATTERN },
    ),
    secret: true,
    example: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
  },
  {
    path: 'wecom.robot.token',
    env: 'WECOM_ROBOT_TOKEN',
    ...text('the robot callback Token without spaces (智能机器人 → API 模式 → Token)', { pattern: NO_SPACE_PATTERN }),
    secret: true,
    example: 'the Token copied from 智能机器人 → API 模式',
  },
  {
    path: 'wecom.robot.encodingAesKey',
    env: 'WECOM_ROBOT_ENCODING_AES_KEY',
    ...text(
      'exactly 43 letters and digits [A-Za-z0-9]; copy it from the admin console: 智能机器人 → API 模式 → EncodingAESKey',
      { pattern: AES_KEY_PATTERN },
    ),
    secret: true,
    example: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
  },
  {
    path: 'wecom.robot.robotId',
    env: 'WECOM_ROBOT_ID',
    ...text('the robot id (aibotid) without spaces', { pattern: NO_SPACE_PATTERN, maxLength: 128 }),
    secret: false,
    example: 'aibK8fakeRobot0001',
  },
  {
    path: 'wecom.robot.robotName',
    env: 'WECOM_ROBOT_NAME',
    ...text('the robot display name (1 to 64 characters)', { maxLength: 64 }),
    secret: false,
    example: '政务新媒体助手',
  },
  {
    path: 'wecom.groupWebhookUrl',
    env: 'WECOM_GROUP_WEBHOOK_URL',
    ...text('the whole webhook URL including its key= parameter'),
    secret: true,
    example: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=<the key of the group bot>',
    check: checkWebhookUrl,
  },
  {
    path: 'wecom.callbackMaxSkewSeconds',
    env: 'WECOM_CALLBACK_MAX_SKEW_SECONDS',
    ...int(0, MAX_INT),
    expect: 'an integer ≥ 0 (seconds; 0 turns the timestamp check off)',
    secret: false,
    default: 600,
    example: '600',
  },
  {
    path: 'wecom.requestTimeoutMs',
    env: 'WECOM_REQUEST_TIMEOUT_MS',
    ...int(1, 600_000),
    secret: false,
    default: 10000,
    example: '10000',
  },
  {
    path: 'outbox.pollIntervalMs',
    env: 'OUTBOX_POLL_INTERVAL_MS',
    ...int(1, 3_600_000),
    secret: false,
    default: 1000,
    example: '1000',
  },
  { path: 'outbox.batchSize', env: 'OUTBOX_BATCH_SIZE', ...int(1, 1000), secret: false, default: 50, example: '50' },
  { path: 'outbox.maxAttempts', env: 'OUTBOX_MAX_ATTEMPTS', ...int(1, 100), secret: false, default: 8, example: '8' },
  {
    path: 'outbox.leaseSeconds',
    env: 'OUTBOX_LEASE_SECONDS',
    ...int(1, 86_400),
    secret: false,
    default: 60,
    example: '60',
  },
  {
    path: 'outbox.backoffBaseMs',
    env: 'OUTBOX_BACKOFF_BASE_MS',
    ...int(1, 86_400_000),
    secret: false,
    default: 2000,
    example: '2000',
  },
  {
    path: 'outbox.backoffMaxMs',
    env: 'OUTBOX_BACKOFF_MAX_MS',
    ...int(1, 86_400_000),
    secret: false,
    default: 600000,
    example: '600000',
  },
  {
    path: 'chat.officeContact',
    env: 'OFFICE_CONTACT',
    ...text('a non-empty text of at most 200 characters', { maxLength: 200 }),
    secret: false,
    default: '区政府办公室政务公开办',
    example: '区政府办公室政务公开办',
  },
  {
    path: 'chat.flowsDir',
    env: 'FLOWS_DIR',
    ...text('a directory path (relative to the working directory) holding the flow files <flow-id>.json', { maxLength: 500 }),
    secret: false,
    default: 'bot-flows',
    example: 'bot-flows',
  },
  {
    path: 'chat.sessionIdleMinutes',
    env: 'SESSION_IDLE_MINUTES',
    ...int(1, 10_080),
    expect: 'an integer from 1 to 10080 (minutes a half-finished conversation is kept without an answer)',
    secret: false,
    default: 30,
    example: '30',
  },
  {
    path: 'registry.openingDueWorkdays',
    env: 'FILING_DUE_WORKDAYS_OPEN',
    ...int(1, 60),
    expect: 'an integer from 1 to 60 (working days after the opening within which it must be filed; DOMAIN R1)',
    secret: false,
    default: 3,
    example: '3',
  },
  {
    path: 'registry.otherDueWorkdays',
    env: 'FILING_DUE_WORKDAYS_OTHER',
    ...int(1, 60),
    expect: 'an integer from 1 to 60 (working days after a change, suspension or cancellation within which it must be filed; R2)',
    secret: false,
    default: 5,
    example: '5',
  },
  {
    path: 'registry.duplicatePlatformPolicy',
    env: 'DUPLICATE_PLATFORM_POLICY',
    kind: 'string',
    schema: { type: 'string', enum: ['warn', 'block'] },
    expect: 'warn (ask for a justification) or block (refuse a second active account of a unit on one platform)',
    secret: false,
    default: 'warn',
    example: 'warn',
  },
  {
    path: 'calendar.overridesFile',
    env: 'HOLIDAY_OVERRIDES_FILE',
    ...text('a file path (relative to the working directory) of the holiday override JSON file', { maxLength: 500 }),
    secret: false,
    default: 'config/holiday-overrides.json',
    example: 'config/holiday-overrides.json',
  },
  {
    path: 'reminders.officeStart',
    env: 'REMINDER_OFFICE_START',
    ...text('a time HH:mm (Beijing time) when office hours begin; reminders are sent only within office hours', { pattern: TIME_PATTERN }),
    secret: false,
    default: '09:00',
    example: '09:00',
  },
  {
    path: 'reminders.officeEnd',
    env: 'REMINDER_OFFICE_END',
    ...text('a time HH:mm (Beijing time) when office hours end; a deadline given as a date alone ends then', { pattern: TIME_PATTERN }),
    secret: false,
    default: '17:30',
    example: '17:30',
  },
  {
    path: 'reminders.digestAt',
    env: 'REMINDER_DIGEST_AT',
    ...text('a time HH:mm (Beijing time) for the admins\' daily digest of overdue items, within office hours', { pattern: TIME_PATTERN }),
    secret: false,
    default: '09:30',
    example: '09:30',
  },
  {
    path: 'reminders.laddersFile',
    env: 'REMINDER_LADDERS_FILE',
    ...text('a file path (relative to the working directory) of the reminder ladder JSON file', { maxLength: 500 }),
    secret: false,
    default: 'config/reminder-ladders.json',
    example: 'config/reminder-ladders.json',
  },
  {
    path: 'inspection.problemCodesFile',
    env: 'PROBLEM_CODES_FILE',
    ...text('a file path (relative to the working directory) of the problem vocabulary JSON file', { maxLength: 500 }),
    secret: false,
    default: 'config/problem-codes.json',
    example: 'config/problem-codes.json',
  },
  {
    path: 'sandbox.enabled',
    env: 'SANDBOX_ENABLED',
    kind: 'boolean',
    schema: { type: 'boolean' },
    expect: 'true or false (1 or 0); unset: the sandbox is on exactly when no WeCom channel is configured',
    secret: false,
    example: 'true',
  },
  {
    path: 'sandbox.adminToken',
    env: 'SANDBOX_ADMIN_TOKEN',
    ...text('a random string of 16 to 256 characters without spaces', { pattern: NO_SPACE_PATTERN, minLength: 16, maxLength: 256 }),
    secret: true,
    example: SANDBOX_TOKEN_EXAMPLE,
  },
  {
    path: 'sandbox.demoData',
    env: 'SANDBOX_DEMO_DATA',
    kind: 'boolean',
    schema: { type: 'boolean' },
    expect: 'true or false (1 or 0); unset: true exactly when no WeCom channel is configured',
    secret: false,
    example: 'true',
  },
];

const SETTING_BY_PATH = new Map(SETTINGS.map((s) => [s.path, s]));
const SETTING_BY_ENV = new Map(SETTINGS.map((s) => [s.env, s]));

interface CredentialGroup {
  what: string;
  paths: string[];
  example: string;
}

const APP_GROUP: CredentialGroup = {
  what: 'the self-built app (自建应用)',
  paths: ['wecom.app.corpId', 'wecom.app.agentId', 'wecom.app.secret', 'wecom.app.token', 'wecom.app.encodingAesKey'],
  example: 'WECOM_CORP_ID, WECOM_AGENT_ID, WECOM_SECRET, WECOM_TOKEN and WECOM_ENCODING_AES_KEY all set, or none',
};

const ROBOT_GROUP: CredentialGroup = {
  what: 'the intelligent robot (智能机器人)',
  paths: ['wecom.robot.token', 'wecom.robot.encodingAesKey'],
  example: 'WECOM_ROBOT_TOKEN and WECOM_ROBOT_ENCODING_AES_KEY both set, or neither',
};

// ---------------------------------------------------------------------------------------------------------------
// Schemas (ajv): one for the files (no secrets, unknown keys refused), one for the environment (every setting).
// ---------------------------------------------------------------------------------------------------------------

type JsonSchema = Record<string, unknown>;

function buildTreeSchema(settings: readonly Setting[]): JsonSchema {
  const root: JsonSchema = { type: 'object', properties: {}, additionalProperties: false };
  for (const setting of settings) {
    const parts = setting.path.split('.');
    let node = root;
    for (const part of parts.slice(0, -1)) {
      const properties = node.properties as Record<string, JsonSchema>;
      properties[part] ??= { type: 'object', properties: {}, additionalProperties: false };
      node = properties[part];
    }
    (node.properties as Record<string, JsonSchema>)[parts[parts.length - 1]] = setting.schema;
  }
  return root;
}

const ajv = new Ajv({ allErrors: true, strict: true });
const validateFile: ValidateFunction = ajv.compile(buildTreeSchema(SETTINGS.filter((s) => !s.secret)));
const validateEnv: ValidateFunction = ajv.compile(buildTreeSchema(SETTINGS));

/** Paths of the object nodes of the config tree (wecom, wecom.app, outbox …). */
const GROUP_PATHS = new Set(
  SETTINGS.flatMap((s) => {
    const parts = s.path.split('.');
    return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('.'));
  }),
);

// ---------------------------------------------------------------------------------------------------------------
// Layers
// ---------------------------------------------------------------------------------------------------------------

interface LayerValue {
  value: unknown;
  /** what a problem names: the env variable, or "config/local.json: outbox.maxAttempts" */
  label: string;
  valid: boolean;
}

interface Layer {
  isDefaults: boolean;
  values: Map<string, LayerValue>;
}

class ProblemList {
  readonly list: ConfigProblem[] = [];
  private readonly seen = new Set<string>();

  add(variable: string, problem: string, example?: string): void {
    const key = `${variable}\u0000${problem}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.list.push(example === undefined ? { variable, problem } : { variable, problem, example });
  }
}

function defaultsLayer(): Layer {
  const values = new Map<string, LayerValue>();
  for (const s of SETTINGS) {
    if (s.default !== undefined) values.set(s.path, { value: s.default, label: s.env, valid: true });
  }
  return { isDefaults: true, values };
}

function configFileNames(env: Record<string, string | undefined>, problems: ProblemList): string[] {
  const names = ['default.json'];
  const nodeEnv = env.NODE_ENV?.trim();
  if (nodeEnv) {
    if (!/^[A-Za-z0-9_-]+$/.test(nodeEnv)) {
      problems.add(
        'NODE_ENV',
        `must be a plain name (letters, digits, _ or -) because it selects config/<NODE_ENV>.json, got ${JSON.stringify(nodeEnv)}`,
        'production',
      );
    } else if (nodeEnv !== 'default' && nodeEnv !== 'local') {
      names.push(`${nodeEnv}.json`);
    }
  }
  names.push('local.json');
  return names;
}

function readFileLayer(configDir: string, fileName: string, problems: ProblemList): Layer | undefined {
  const fileLabel = `config/${fileName}`;
  let source: string;
  try {
    source = readFileSync(join(configDir, fileName), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    problems.add(fileLabel, `cannot be read (${code ?? String(err)})`, 'a readable JSON file, or no file at all');
    return undefined;
  }

  let data: unknown;
  try {
    data = JSON.parse(source.replace(/^\uFEFF/, ''));
  } catch (err) {
    problems.add(
      fileLabel,
      `is not valid JSON: ${describeJsonError(err, source)}`,
      '{ "port": 3000, "outbox": { "maxAttempts": 8 } }',
    );
    return undefined;
  }

  const badPaths = new Set<string>();
  if (!validateFile(data)) {
    for (const error of validateFile.errors ?? []) {
      reportFileSchemaError(error, data, fileLabel, problems, badPaths);
    }
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;

  const values = new Map<string, LayerValue>();
  for (const setting of SETTINGS) {
    if (setting.secret) continue;
    const raw = getPath(data as Record<string, unknown>, setting.path);
    if (raw === undefined) continue;
    const label = `${fileLabel}: ${setting.path}`;
    let valid = !badPaths.has(setting.path);
    let value: unknown = raw;
    if (valid && setting.path === 'databaseUrl' && typeof raw === 'string' && databaseUrlHasPassword(raw)) {
      problems.add(
        label,
        'holds a database password; secrets only from the environment: move the whole URL to DATABASE_URL',
        'DATABASE_URL=mysql://bot:s3cret@db.internal:3306/gov_media',
      );
      valid = false;
    }
    if (valid) {
      const checked = runCheck(setting, raw, label, problems);
      valid = checked.ok;
      if (checked.ok) value = checked.value;
    }
    values.set(setting.path, { value, label, valid });
  }
  return { isDefaults: false, values };
}

function reportFileSchemaError(
  error: ErrorObject,
  data: unknown,
  fileLabel: string,
  problems: ProblemList,
  badPaths: Set<string>,
): void {
  const at = pointerToPath(error.instancePath);
  if (error.keyword === 'additionalProperties') {
    const key = String((error.params as { additionalProperty: string }).additionalProperty);
    const path = at ? `${at}.${key}` : key;
    const setting = SETTING_BY_PATH.get(path);
    if (setting?.secret) {
      problems.add(
        `${fileLabel}: ${path}`,
        `is a secret; secrets only from the environment: remove it from the file and move it to ${setting.env}`,
        `${setting.env}=<the value> in the environment`,
      );
    } else if (path === 'database') {
      problems.add(
        `${fileLabel}: database`,
        'is derived from databaseUrl and cannot be set; set databaseUrl (or DATABASE_URL) instead',
        '"databaseUrl": "sqlite:data/bot.sqlite"',
      );
    } else {
      const suggestion = suggestPath(path);
      problems.add(
        `${fileLabel}: ${path}`,
        `is not a known setting${suggestion ? ` (did you mean ${suggestion}?)` : ''}`,
        suggestion ?? 'see .env.example and config/default.json for the known settings',
      );
    }
    return;
  }
  if (at === '') {
    problems.add(fileLabel, 'must hold a JSON object', '{ "port": 3000, "outbox": { "maxAttempts": 8 } }');
    return;
  }
  if (GROUP_PATHS.has(at)) {
    badPaths.add(at);
    problems.add(`${fileLabel}: ${at}`, 'must be a JSON object', exampleForGroup(at));
    return;
  }
  const setting = SETTING_BY_PATH.get(at);
  if (!setting) return;
  badPaths.add(at);
  const value = getPath({ root: data }, `root.${at}`);
  problems.add(
    `${fileLabel}: ${at}`,
    `must be ${setting.expect}, got ${showValue(setting, value)}`,
    fileExample(setting),
  );
}

function envLayer(env: Record<string, string | undefined>, problems: ProblemList): Layer {
  const tree: Record<string, unknown> = {};
  const given: { setting: Setting; raw: string; value: unknown }[] = [];
  for (const setting of SETTINGS) {
    const raw = env[setting.env]?.trim();
    if (!raw) continue; // unset and empty are the same: .env files leave unused variables empty
    const value = fromEnvString(setting, raw);
    setPath(tree, setting.path, value);
    given.push({ setting, raw, value });
  }

  const badPaths = new Set<string>();
  if (!validateEnv(tree)) {
    for (const error of validateEnv.errors ?? []) {
      const setting = SETTING_BY_PATH.get(pointerToPath(error.instancePath));
      if (!setting || badPaths.has(setting.path)) continue;
      badPaths.add(setting.path);
      const raw = given.find((g) => g.setting === setting)?.raw ?? '';
      problems.add(setting.env, `must be ${setting.expect}, got ${showValue(setting, raw)}`, setting.example);
    }
  }

  const values = new Map<string, LayerValue>();
  for (const { setting, value } of given) {
    let valid = !badPaths.has(setting.path);
    let finalValue = value;
    if (valid) {
      const checked = runCheck(setting, value, setting.env, problems);
      valid = checked.ok;
      if (checked.ok) finalValue = checked.value;
    }
    values.set(setting.path, { value: finalValue, label: setting.env, valid });
  }
  return { isDefaults: false, values };
}

function fromEnvString(setting: Setting, raw: string): unknown {
  switch (setting.kind) {
    case 'integer':
      // Anything that does not look like a number stays a string, so the schema reports it (never NaN).
      return /^[+-]?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
    case 'boolean': {
      const lower = raw.toLowerCase();
      if (lower === 'true' || lower === '1') return true;
      if (lower === 'false' || lower === '0') return false;
      return raw;
    }
    case 'logLevel':
      return raw.toLowerCase();
    case 'string':
      return raw;
  }
}

function runCheck(setting: Setting, value: unknown, label: string, problems: ProblemList): CheckResult {
  if (!setting.check || typeof value !== 'string') return { ok: true, value };
  const result = setting.check(value);
  if (!result.ok) problems.add(label, result.problem, result.example ?? setting.example);
  return result;
}

// ---------------------------------------------------------------------------------------------------------------
// Checks a schema cannot make
// ---------------------------------------------------------------------------------------------------------------

function checkCredentialGroup(group: CredentialGroup, given: Map<string, string>, problems: ProblemList): void {
  const set = group.paths.filter((p) => given.has(p));
  if (set.length === 0 || set.length === group.paths.length) return;
  const missing = group.paths.filter((p) => !given.has(p)).map((p) => SETTING_BY_PATH.get(p)!.env);
  const present = set.map((p) => given.get(p)!);
  problems.add(
    missing.join(', '),
    `${group.what} is only partly configured: ${present.join(', ')} ${present.length === 1 ? 'is' : 'are'} set but ` +
      `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing; set all of them to turn the channel on, ` +
      'or none to leave it off',
    group.example,
  );
}

function checkBackoff(merged: Map<string, LayerValue>, problems: ProblemList): void {
  const base = merged.get('outbox.backoffBaseMs');
  const max = merged.get('outbox.backoffMaxMs');
  if (!base || !max || (base.value as number) <= (max.value as number)) return;
  problems.add(
    base.label,
    `must not be larger than ${max.label} (${String(base.value)} > ${String(max.value)})`,
    'OUTBOX_BACKOFF_BASE_MS=2000 with OUTBOX_BACKOFF_MAX_MS=600000',
  );
}

function checkOfficeHours(merged: Map<string, LayerValue>, problems: ProblemList): void {
  const start = merged.get('reminders.officeStart');
  const end = merged.get('reminders.officeEnd');
  const digest = merged.get('reminders.digestAt');
  if (!start || !end) return;
  if ((start.value as string) >= (end.value as string)) {
    problems.add(start.label, `must be earlier than ${end.label} (${String(start.value)} ≥ ${String(end.value)})`, 'REMINDER_OFFICE_START=09:00 with REMINDER_OFFICE_END=17:30');
    return;
  }
  if (digest && ((digest.value as string) < (start.value as string) || (digest.value as string) >= (end.value as string))) {
    problems.add(digest.label, `must lie within office hours ${String(start.value)}–${String(end.value)}, got ${String(digest.value)}`, 'REMINDER_DIGEST_AT=09:30');
  }
}

/** An explicitly enabled sandbox (typically beside the WeCom channels) lets whoever reaches it act as anyone: a token is required. */
function checkSandbox(merged: Map<string, LayerValue>, given: Map<string, string>, problems: ProblemList): void {
  const enabled = merged.get('sandbox.enabled');
  if (enabled?.value !== true || given.has('sandbox.adminToken')) return; // a token given but invalid is reported as such
  problems.add(
    'SANDBOX_ADMIN_TOKEN',
    `must be set when the sandbox is enabled explicitly (${enabled.label}=true): every request to /sandbox must then carry ` +
      'this token, because the sandbox lets whoever reaches it act as any person of the roster; or leave SANDBOX_ENABLED unset',
    SANDBOX_TOKEN_EXAMPLE,
  );
}

function checkApiBase(value: string): CheckResult {
  const example = 'https://qyapi.weixin.qq.com';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { ok: false, problem: `must be an origin scheme://host[:port], got ${JSON.stringify(value)}`, example };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return { ok: false, problem: `must use http or https, got ${JSON.stringify(url.protocol)}`, example };
  }
  if (url.username || url.password) {
    return { ok: false, problem: 'must not contain a user name or password', example };
  }
  const path = url.pathname.replace(/\/+$/, '');
  if (/\/cgi-bin$/i.test(path)) {
    return {
      ok: false,
      problem:
        'must be the origin only, without /cgi-bin: the client appends /cgi-bin/… itself; remove the trailing /cgi-bin',
      example: url.origin,
    };
  }
  if (path !== '' || url.search !== '' || url.hash !== '') {
    return {
      ok: false,
      problem: `must be an origin scheme://host[:port] without path, query or fragment, got ${JSON.stringify(value)}`,
      example: url.origin,
    };
  }
  return { ok: true, value: url.origin };
}

function checkWebhookUrl(value: string): CheckResult {
  const shape = 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=<the key of the group bot>';
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    return {
      ok: false,
      problem:
        'must be the whole webhook URL copied from the group bot (群机器人 → 消息推送), not the bare key; ' +
        `it looks like ${shape}`,
      example: shape,
    };
  }
  if (!url.searchParams.get('key')) {
    return { ok: false, problem: `has no key= parameter; the whole URL looks like ${shape}`, example: shape };
  }
  return { ok: true, value };
}

function checkDatabaseUrl(value: string): CheckResult {
  const result = parseDatabaseUrl(value);
  return 'problem' in result ? { ok: false, problem: result.problem } : { ok: true, value };
}

type DatabaseParseResult = SqliteDatabaseConfig | MysqlDatabaseConfig | { problem: string };

function parseDatabaseUrl(value: string): DatabaseParseResult {
  const shown = JSON.stringify(maskDatabaseUrl(value));
  if (/^sqlite:/i.test(value)) {
    let path = value.slice('sqlite:'.length);
    if (path.startsWith('//')) {
      // sqlite:///abs/path.sqlite (three slashes) is the common URL spelling of an absolute path
      if (!path.startsWith('///')) {
        return { problem: `must be sqlite:<path> (e.g. sqlite:data/bot.sqlite or sqlite:/abs/bot.sqlite), got ${shown}` };
      }
      path = path.slice(2);
    }
    if (path === '') return { problem: 'names no SQLite file after sqlite:' };
    return { type: 'sqlite', path };
  }
  if (/^mysql:/i.test(value)) {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return { problem: `is not a valid mysql://user:password@host:3306/database URL, got ${shown}` };
    }
    const missing: string[] = [];
    if (!url.hostname) missing.push('host');
    if (!url.username) missing.push('user');
    const database = safeDecode(url.pathname.replace(/^\//, ''));
    if (!database) missing.push('database name');
    if (missing.length > 0) return { problem: `has no ${missing.join(', ')}, got ${shown}` };
    if (database === undefined || database.includes('/')) {
      return { problem: `has an invalid database name, got ${shown}` };
    }
    if (url.search || url.hash) {
      return { problem: `must not carry options (?…) or a fragment; only mysql://user:password@host:port/database` };
    }
    const user = safeDecode(url.username);
    const password = safeDecode(url.password);
    if (user === undefined || password === undefined) {
      return { problem: 'has a malformed %-escape in the user name or password (write %40 for @, %3A for :, %2F for /)' };
    }
    const port = url.port ? Number(url.port) : 3306;
    if (port < 1) return { problem: `has an invalid port, got ${shown}` };
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    return { type: 'mysql', host, port, user, password, database };
  }
  return { problem: `must start with sqlite: or mysql://, got ${shown}` };
}

function databaseUrlHasPassword(value: string): boolean {
  if (!/^mysql:/i.test(value)) return false;
  try {
    return new URL(value).password !== '';
  } catch {
    return /^mysql:\/\/[^/@]*:[^/@]+@/i.test(value);
  }
}

function maskDatabaseUrl(value: string): string {
  return value.replace(/^(mysql:\/\/[^/:@]*:)[^/@]*@/i, '$1***@');
}

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Building the result
// ---------------------------------------------------------------------------------------------------------------

function buildConfig(merged: Map<string, LayerValue>): AppConfig {
  const get = <T>(path: string): T => merged.get(path)?.value as T;
  const has = (path: string): boolean => merged.has(path);

  const databaseUrl = get<string>('databaseUrl');
  const database = parseDatabaseUrl(databaseUrl);
  if ('problem' in database) {
    // unreachable: the value was checked while its layer was read
    throw new ConfigError([{ variable: merged.get('databaseUrl')!.label, problem: database.problem }]);
  }

  const wecomChannelConfigured = APP_GROUP.paths.every(has) || ROBOT_GROUP.paths.every(has) || has('wecom.groupWebhookUrl');
  const config: AppConfig = {
    port: get('port'),
    databaseUrl,
    database,
    migrationsRun: get('migrationsRun'),
    logLevel: get('logLevel'),
    http: { bodyLimitBytes: get('http.bodyLimitBytes') },
    wecom: {
      apiBase: get('wecom.apiBase'),
      callbackMaxSkewSeconds: get('wecom.callbackMaxSkewSeconds'),
      requestTimeoutMs: get('wecom.requestTimeoutMs'),
    },
    outbox: {
      pollIntervalMs: get('outbox.pollIntervalMs'),
      batchSize: get('outbox.batchSize'),
      maxAttempts: get('outbox.maxAttempts'),
      leaseSeconds: get('outbox.leaseSeconds'),
      backoffBaseMs: get('outbox.backoffBaseMs'),
      backoffMaxMs: get('outbox.backoffMaxMs'),
    },
    chat: {
      officeContact: get('chat.officeContact'),
      flowsDir: get('chat.flowsDir'),
      sessionIdleMinutes: get('chat.sessionIdleMinutes'),
    },
    registry: {
      openingDueWorkdays: get('registry.openingDueWorkdays'),
      otherDueWorkdays: get('registry.otherDueWorkdays'),
      duplicatePlatformPolicy: get('registry.duplicatePlatformPolicy'),
    },
    calendar: { overridesFile: get('calendar.overridesFile') },
    reminders: {
      officeStart: get('reminders.officeStart'),
      officeEnd: get('reminders.officeEnd'),
      digestAt: get('reminders.digestAt'),
      laddersFile: get('reminders.laddersFile'),
    },
    inspection: { problemCodesFile: get('inspection.problemCodesFile') },
    sandbox: {
      enabled: has('sandbox.enabled') ? get<boolean>('sandbox.enabled') : !wecomChannelConfigured,
      demoData: has('sandbox.demoData') ? get<boolean>('sandbox.demoData') : !wecomChannelConfigured,
    },
  };
  if (has('sandbox.adminToken')) config.sandbox.adminToken = get('sandbox.adminToken');

  if (APP_GROUP.paths.every(has)) {
    config.wecom.app = {
      corpId: get('wecom.app.corpId'),
      agentId: get('wecom.app.agentId'),
      secret: get('wecom.app.secret'),
      token: get('wecom.app.token'),
      encodingAesKey: get('wecom.app.encodingAesKey'),
    };
  }
  if (ROBOT_GROUP.paths.every(has)) {
    config.wecom.robot = { token: get('wecom.robot.token'), encodingAesKey: get('wecom.robot.encodingAesKey') };
    if (has('wecom.robot.robotId')) config.wecom.robot.robotId = get('wecom.robot.robotId');
    if (has('wecom.robot.robotName')) config.wecom.robot.robotName = get('wecom.robot.robotName');
  }
  if (has('wecom.groupWebhookUrl')) config.wecom.groupWebhookUrl = get('wecom.groupWebhookUrl');
  return config;
}

// ---------------------------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------------------------

function pointerToPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');
}

function getPath(obj: Record<string, unknown>, path: string): unknown {
  let node: unknown = obj;
  for (const part of path.split('.')) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
    if (!Object.prototype.hasOwnProperty.call(node, part)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = obj;
  for (const part of parts.slice(0, -1)) {
    node[part] ??= {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]] = value;
}

function showValue(setting: Setting, value: unknown): string {
  if (setting.secret) {
    return typeof value === 'string' ? `a value of ${value.length} characters` : `a ${jsonType(value)}`;
  }
  if (setting.path === 'databaseUrl' && typeof value === 'string') return JSON.stringify(maskDatabaseUrl(value));
  return value === undefined ? 'nothing' : JSON.stringify(value);
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  return typeof value;
}

function fileExample(setting: Setting): string {
  const value = setting.default ?? (setting.kind === 'integer' ? Number(setting.example) : setting.example);
  return `"${setting.path.split('.').pop()}": ${JSON.stringify(value)}`;
}

function exampleForGroup(group: string): string {
  const children = SETTINGS.filter((s) => !s.secret && s.path.startsWith(`${group}.`) && s.default !== undefined);
  const first = children[0];
  return first ? `{ ${fileExample(first)} }` : '{ }';
}

function suggestPath(path: string): string | undefined {
  const fromEnv = SETTING_BY_ENV.get(path.split('.').pop() ?? '');
  if (fromEnv && !fromEnv.secret) return fromEnv.path;
  const candidates = [...SETTINGS.filter((s) => !s.secret).map((s) => s.path), ...GROUP_PATHS];
  let best: { path: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = candidate.toLowerCase() === path.toLowerCase() ? 0 : levenshtein(candidate, path);
    if (distance <= 3 && (!best || distance < best.distance)) best = { path: candidate, distance };
  }
  return best?.path;
}

function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j] + 1,
        current[j - 1] + 1,
        previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length];
}

function describeJsonError(err: unknown, source: string): string {
  const message = err instanceof Error ? err.message : String(err);
  const match = /position (\d+)/.exec(message);
  if (!match) return message;
  const position = Number(match[1]);
  const before = source.replace(/^\uFEFF/, '').slice(0, position);
  const line = before.split('\n').length;
  const column = position - before.lastIndexOf('\n');
  return `${message} (line ${line}, column ${column})`;
}
