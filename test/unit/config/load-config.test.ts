import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig } from '../../../src/config/load-config';
import { ConfigError, type ConfigProblem } from '../../../src/shared/errors';

/** The official example key: its last character is non-canonical base64 and must still be accepted. */
const OFFICIAL_KEY = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';
const OTHER_KEY = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456';

const APP_ENV = {
  WECOM_CORP_ID: 'wx5823bf96d3bd56c7',
  WECOM_AGENT_ID: '1000002',
  WECOM_SECRET: 'fakeSecret_0123456789abcdefghijklmnopqrstu',
  WECOM_TOKEN: 'QDG6eK',
  WECOM_ENCODING_AES_KEY: OFFICIAL_KEY,
};

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'load-config-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function writeConfig(name: string, content: unknown): void {
  writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
}

function problemsOf(env: Record<string, string | undefined>): ConfigProblem[] {
  try {
    loadConfig(env, dir);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('gives the built-in defaults for an empty environment and an empty config directory', () => {
    const config = loadConfig({}, dir);
    expect(config).toEqual({
      port: 3000,
      databaseUrl: 'sqlite:data/bot.sqlite',
      database: { type: 'sqlite', path: 'data/bot.sqlite' },
      migrationsRun: true,
      logLevel: 'info',
      http: { bodyLimitBytes: 65536 },
      wecom: { apiBase: 'https://qyapi.weixin.qq.com', callbackMaxSkewSeconds: 600, requestTimeoutMs: 10000 },
      outbox: {
        pollIntervalMs: 1000,
        batchSize: 50,
        maxAttempts: 8,
        leaseSeconds: 60,
        backoffBaseMs: 2000,
        backoffMaxMs: 600000,
      },
      chat: { officeContact: '区政府办公室政务公开办', flowsDir: 'bot-flows', sessionIdleMinutes: 30 },
      registry: { openingDueWorkdays: 3, otherDueWorkdays: 5, duplicatePlatformPolicy: 'warn' },
      calendar: { overridesFile: 'config/holiday-overrides.json' },
      reminders: { officeStart: '09:00', officeEnd: '17:30', digestAt: '09:30', laddersFile: 'config/reminder-ladders.json' },
      inspection: { problemCodesFile: 'config/problem-codes.json' },
      sandbox: { enabled: true, demoData: true },
    });
    expect(config.wecom).not.toHaveProperty('app');
    expect(config.wecom).not.toHaveProperty('robot');
    expect(config.wecom).not.toHaveProperty('groupWebhookUrl');
  });

  it('loads the repository config/default.json without problems', () => {
    const config = loadConfig({}, resolve(__dirname, '../../../config'));
    expect(config.port).toBe(3000);
    expect(config.outbox.maxAttempts).toBe(8);
    expect(config.wecom.apiBase).toBe('https://qyapi.weixin.qq.com');
  });

  it('merges default.json < <NODE_ENV>.json < local.json < environment', () => {
    writeConfig('default.json', { port: 3001, logLevel: 'debug', outbox: { maxAttempts: 3, batchSize: 10 } });
    writeConfig('production.json', { port: 3002, outbox: { maxAttempts: 4 } });
    writeConfig('staging.json', { port: 9999 });
    writeConfig('local.json', { outbox: { maxAttempts: 5 }, chat: { officeContact: '东岚区政务公开办 宋知微' } });

    const config = loadConfig({ NODE_ENV: 'production', OUTBOX_BATCH_SIZE: '20' }, dir);
    expect(config.port).toBe(3002);
    expect(config.logLevel).toBe('debug');
    expect(config.outbox.maxAttempts).toBe(5);
    expect(config.outbox.batchSize).toBe(20);
    expect(config.outbox.leaseSeconds).toBe(60);
    expect(config.chat.officeContact).toBe('东岚区政务公开办 宋知微');

    expect(loadConfig({}, dir).port).toBe(3001);
  });

  it('lets every environment variable override files and defaults', () => {
    writeConfig('default.json', { port: 3001, migrationsRun: true, wecom: { requestTimeoutMs: 5000 } });
    const config = loadConfig(
      {
        PORT: '8080',
        DATABASE_URL: 'sqlite::memory:',
        DB_MIGRATIONS_RUN: 'false',
        LOG_LEVEL: 'WARN',
        HTTP_BODY_LIMIT_BYTES: '1024',
        WECOM_API_BASE: 'https://wecom.gov.example:7443',
        ...APP_ENV,
        WECOM_ROBOT_TOKEN: 'robotToken1',
        WECOM_ROBOT_ENCODING_AES_KEY: OTHER_KEY,
        WECOM_ROBOT_ID: 'aibFakeRobot01',
        WECOM_ROBOT_NAME: '政务新媒体助手',
        WECOM_GROUP_WEBHOOK_URL: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa',
        WECOM_CALLBACK_MAX_SKEW_SECONDS: '300',
        WECOM_REQUEST_TIMEOUT_MS: '2500',
        OUTBOX_POLL_INTERVAL_MS: '200',
        OUTBOX_BATCH_SIZE: '5',
        OUTBOX_MAX_ATTEMPTS: '3',
        OUTBOX_LEASE_SECONDS: '30',
        OUTBOX_BACKOFF_BASE_MS: '100',
        OUTBOX_BACKOFF_MAX_MS: '1000',
        OFFICE_CONTACT: '政务公开办 宋知微',
        FLOWS_DIR: 'test/fixtures/flows',
        SESSION_IDLE_MINUTES: '45',
        FILING_DUE_WORKDAYS_OPEN: '7',
        FILING_DUE_WORKDAYS_OTHER: '4',
        DUPLICATE_PLATFORM_POLICY: 'block',
        HOLIDAY_OVERRIDES_FILE: '/etc/bot/holidays.json',
        REMINDER_OFFICE_START: '08:30',
        REMINDER_OFFICE_END: '17:00',
        REMINDER_DIGEST_AT: '10:00',
        REMINDER_LADDERS_FILE: '/etc/bot/ladders.json',
      },
      dir,
    );
    expect(config).toEqual({
      port: 8080,
      databaseUrl: 'sqlite::memory:',
      database: { type: 'sqlite', path: ':memory:' },
      migrationsRun: false,
      logLevel: 'warn',
      http: { bodyLimitBytes: 1024 },
      wecom: {
        apiBase: 'https://wecom.gov.example:7443',
        app: {
          corpId: 'wx5823bf96d3bd56c7',
          agentId: 1000002,
          secret: APP_ENV.WECOM_SECRET,
          token: 'QDG6eK',
          encodingAesKey: OFFICIAL_KEY,
        },
        robot: {
          token: 'robotToken1',
          encodingAesKey: OTHER_KEY,
          robotId: 'aibFakeRobot01',
          robotName: '政务新媒体助手',
        },
        groupWebhookUrl: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa',
        callbackMaxSkewSeconds: 300,
        requestTimeoutMs: 2500,
      },
      outbox: {
        pollIntervalMs: 200,
        batchSize: 5,
        maxAttempts: 3,
        leaseSeconds: 30,
        backoffBaseMs: 100,
        backoffMaxMs: 1000,
      },
      chat: { officeContact: '政务公开办 宋知微', flowsDir: 'test/fixtures/flows', sessionIdleMinutes: 45 },
      registry: { openingDueWorkdays: 7, otherDueWorkdays: 4, duplicatePlatformPolicy: 'block' },
      calendar: { overridesFile: '/etc/bot/holidays.json' },
      reminders: { officeStart: '08:30', officeEnd: '17:00', digestAt: '10:00', laddersFile: '/etc/bot/ladders.json' },
      inspection: { problemCodesFile: 'config/problem-codes.json' },
      sandbox: { enabled: false, demoData: false },
    });
  });

  it('treats an empty or blank variable as not set', () => {
    const config = loadConfig({ PORT: '', WECOM_SECRET: '  ', LOG_LEVEL: undefined }, dir);
    expect(config.port).toBe(3000);
    expect(config.logLevel).toBe('info');
    expect(config.wecom.app).toBeUndefined();
  });

  it('lists every problem at once, each naming its variable', () => {
    const problems = problemsOf({
      PORT: 'abc',
      LOG_LEVEL: 'verbose',
      OUTBOX_BATCH_SIZE: '0',
      DB_MIGRATIONS_RUN: 'maybe',
      WECOM_REQUEST_TIMEOUT_MS: '10s',
    });
    expect(problems.map((p) => p.variable).sort()).toEqual(
      ['DB_MIGRATIONS_RUN', 'LOG_LEVEL', 'OUTBOX_BATCH_SIZE', 'PORT', 'WECOM_REQUEST_TIMEOUT_MS'].sort(),
    );
    for (const p of problems) {
      expect(p.problem).toMatch(/must be/);
      expect(p.example).toBeTruthy();
    }
    expect(problems.find((p) => p.variable === 'PORT')?.problem).toContain('"abc"');
    expect(problems.find((p) => p.variable === 'LOG_LEVEL')?.problem).toContain('info');
  });

  it('reports non-numeric text and fractions as problems, never NaN', () => {
    const problems = problemsOf({ OUTBOX_MAX_ATTEMPTS: 'eight', PORT: '80.5', WECOM_AGENT_ID: 'NaN', ...noApp() });
    expect(problems.map((p) => p.variable)).toEqual(expect.arrayContaining(['OUTBOX_MAX_ATTEMPTS', 'PORT']));
    expect(problems.map((p) => p.variable)).toContain('WECOM_AGENT_ID');
  });

  it('reports the message of ConfigError with every problem', () => {
    try {
      loadConfig({ PORT: '70000', OUTBOX_LEASE_SECONDS: '-1' }, dir);
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect((err as Error).message).toContain('2 problems');
      expect((err as Error).message).toContain('PORT');
      expect((err as Error).message).toContain('OUTBOX_LEASE_SECONDS');
    }
  });

  describe('DATABASE_URL', () => {
    it('parses a mysql URL with a percent-encoded password and the default port', () => {
      const config = loadConfig({ DATABASE_URL: 'mysql://gov%2Dbot:p%40ss%3Aw%2Frd%25@db.internal/gov_media' }, dir);
      expect(config.database).toEqual({
        type: 'mysql',
        host: 'db.internal',
        port: 3306,
        user: 'gov-bot',
        password: 'p@ss:w/rd%',
        database: 'gov_media',
      });
      expect(config.databaseUrl).toBe('mysql://gov%2Dbot:p%40ss%3Aw%2Frd%25@db.internal/gov_media');
    });

    it('parses a mysql URL with an explicit port', () => {
      const config = loadConfig({ DATABASE_URL: 'mysql://bot:secret@10.0.0.5:3307/bot' }, dir);
      expect(config.database).toEqual({
        type: 'mysql',
        host: '10.0.0.5',
        port: 3307,
        user: 'bot',
        password: 'secret',
        database: 'bot',
      });
    });

    it('requires the database name of a mysql URL and never echoes the password', () => {
      const problems = problemsOf({ DATABASE_URL: 'mysql://bot:TopSecret1@db.internal:3306/' });
      expect(problems).toHaveLength(1);
      expect(problems[0].variable).toBe('DATABASE_URL');
      expect(problems[0].problem).toContain('database name');
      expect(JSON.stringify(problems)).not.toContain('TopSecret1');
    });

    it('accepts sqlite paths: relative, in memory, absolute', () => {
      expect(loadConfig({ DATABASE_URL: 'sqlite:data/bot.sqlite' }, dir).database).toEqual({
        type: 'sqlite',
        path: 'data/bot.sqlite',
      });
      expect(loadConfig({ DATABASE_URL: 'sqlite::memory:' }, dir).database).toEqual({ type: 'sqlite', path: ':memory:' });
      expect(loadConfig({ DATABASE_URL: 'sqlite:/var/lib/bot/bot.sqlite' }, dir).database).toEqual({
        type: 'sqlite',
        path: '/var/lib/bot/bot.sqlite',
      });
    });

    it('refuses other schemes and an empty sqlite path', () => {
      expect(problemsOf({ DATABASE_URL: 'postgres://bot@db/bot' })[0]).toMatchObject({ variable: 'DATABASE_URL' });
      expect(problemsOf({ DATABASE_URL: 'sqlite:' })[0]).toMatchObject({ variable: 'DATABASE_URL' });
    });
  });

  describe('WeCom credentials', () => {
    it('accepts the official wx… CorpID and the non-canonical example EncodingAESKey', () => {
      const config = loadConfig(APP_ENV, dir);
      expect(config.wecom.app).toEqual({
        corpId: 'wx5823bf96d3bd56c7',
        agentId: 1000002,
        secret: APP_ENV.WECOM_SECRET,
        token: 'QDG6eK',
        encodingAesKey: OFFICIAL_KEY,
      });
    });

    it('refuses a partial app credential set and lists the missing variables', () => {
      const problems = problemsOf({ WECOM_CORP_ID: 'ww1a2b3c4d5e6f7a8b', WECOM_SECRET: 'x'.repeat(43) });
      expect(problems).toHaveLength(1);
      expect(problems[0].variable).toBe('WECOM_AGENT_ID, WECOM_TOKEN, WECOM_ENCODING_AES_KEY');
      expect(problems[0].problem).toContain('WECOM_AGENT_ID, WECOM_TOKEN, WECOM_ENCODING_AES_KEY');
      expect(problems[0].problem).toContain('WECOM_CORP_ID');
    });

    it('refuses half a robot credential set', () => {
      const problems = problemsOf({ WECOM_ROBOT_TOKEN: 'robotToken1' });
      expect(problems).toEqual([expect.objectContaining({ variable: 'WECOM_ROBOT_ENCODING_AES_KEY' })]);
    });

    it('names the variable of a bad EncodingAESKey, says where to copy it, and does not echo it', () => {
      const problems = problemsOf({ ...APP_ENV, WECOM_ENCODING_AES_KEY: 'tooShort-key_1234567890' });
      expect(problems).toHaveLength(1);
      expect(problems[0].variable).toBe('WECOM_ENCODING_AES_KEY');
      expect(problems[0].problem).toContain('43');
      expect(problems[0].problem).toContain('设置API接收');
      expect(JSON.stringify(problems)).not.toContain('tooShort-key');

      const robot = problemsOf({ WECOM_ROBOT_TOKEN: 't', WECOM_ROBOT_ENCODING_AES_KEY: `${OFFICIAL_KEY}x` });
      expect(robot).toHaveLength(1);
      expect(robot[0].variable).toBe('WECOM_ROBOT_ENCODING_AES_KEY');
      expect(robot[0].problem).toContain('智能机器人');
    });

    it('refuses a CorpID with spaces and a non-positive AgentID', () => {
      const problems = problemsOf({ ...APP_ENV, WECOM_CORP_ID: 'ww12 34', WECOM_AGENT_ID: '0' });
      expect(problems.map((p) => p.variable).sort()).toEqual(['WECOM_AGENT_ID', 'WECOM_CORP_ID']);
    });
  });

  describe('WECOM_API_BASE', () => {
    it('trims a trailing slash', () => {
      expect(loadConfig({ WECOM_API_BASE: 'https://qyapi.weixin.qq.com/' }, dir).wecom.apiBase).toBe(
        'https://qyapi.weixin.qq.com',
      );
      expect(loadConfig({ WECOM_API_BASE: 'http://127.0.0.1:8089/' }, dir).wecom.apiBase).toBe('http://127.0.0.1:8089');
    });

    it('refuses /cgi-bin with an explanation, and any other path or query', () => {
      const cgi = problemsOf({ WECOM_API_BASE: 'https://qyapi.weixin.qq.com/cgi-bin/' });
      expect(cgi).toHaveLength(1);
      expect(cgi[0]).toMatchObject({ variable: 'WECOM_API_BASE', example: 'https://qyapi.weixin.qq.com' });
      expect(cgi[0].problem).toContain('appends /cgi-bin');

      expect(problemsOf({ WECOM_API_BASE: 'https://wecom.example/api' })[0].variable).toBe('WECOM_API_BASE');
      expect(problemsOf({ WECOM_API_BASE: 'https://wecom.example/?x=1' })[0].variable).toBe('WECOM_API_BASE');
      expect(problemsOf({ WECOM_API_BASE: 'ftp://wecom.example' })[0].variable).toBe('WECOM_API_BASE');
      expect(problemsOf({ WECOM_API_BASE: 'qyapi.weixin.qq.com' })[0].variable).toBe('WECOM_API_BASE');
    });
  });

  describe('WECOM_GROUP_WEBHOOK_URL', () => {
    it('refuses a bare key and shows the whole URL shape', () => {
      const problems = problemsOf({ WECOM_GROUP_WEBHOOK_URL: '693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa' });
      expect(problems).toHaveLength(1);
      expect(problems[0].variable).toBe('WECOM_GROUP_WEBHOOK_URL');
      expect(problems[0].problem).toContain('/cgi-bin/webhook/send?key=');
      expect(JSON.stringify(problems)).not.toContain('693a91f6');
    });

    it('refuses a URL without key=', () => {
      const problems = problemsOf({ WECOM_GROUP_WEBHOOK_URL: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send' });
      expect(problems).toEqual([expect.objectContaining({ variable: 'WECOM_GROUP_WEBHOOK_URL' })]);
      expect(problems[0].problem).toContain('key=');
    });
  });

  it('allows WECOM_CALLBACK_MAX_SKEW_SECONDS=0 (check off) but not negative values', () => {
    expect(loadConfig({ WECOM_CALLBACK_MAX_SKEW_SECONDS: '0' }, dir).wecom.callbackMaxSkewSeconds).toBe(0);
    expect(problemsOf({ WECOM_CALLBACK_MAX_SKEW_SECONDS: '-5' })[0].variable).toBe('WECOM_CALLBACK_MAX_SKEW_SECONDS');
  });

  it('refuses a backoff base larger than the backoff maximum', () => {
    const problems = problemsOf({ OUTBOX_BACKOFF_BASE_MS: '5000', OUTBOX_BACKOFF_MAX_MS: '1000' });
    expect(problems).toEqual([expect.objectContaining({ variable: 'OUTBOX_BACKOFF_BASE_MS' })]);
  });

  it('refuses office hours that are not HH:mm, end before they start, or a digest outside them', () => {
    expect(problemsOf({ REMINDER_OFFICE_START: '9点' })).toEqual([
      expect.objectContaining({ variable: 'REMINDER_OFFICE_START', example: '09:00' }),
    ]);
    expect(problemsOf({ REMINDER_OFFICE_START: '18:00', REMINDER_OFFICE_END: '17:30' })).toEqual([
      expect.objectContaining({ variable: 'REMINDER_OFFICE_START', problem: 'must be earlier than REMINDER_OFFICE_END (18:00 ≥ 17:30)' }),
    ]);
    expect(problemsOf({ REMINDER_DIGEST_AT: '08:00' })).toEqual([
      expect.objectContaining({ variable: 'REMINDER_DIGEST_AT', problem: 'must lie within office hours 09:00–17:30, got 08:00' }),
    ]);
  });

  describe('config files', () => {
    it('refuses a secret in a file and says to move it to the environment', () => {
      writeConfig('default.json', { wecom: { app: { corpId: 'ww1a2b3c4d5e6f7a8b', secret: 'abc' } } });
      const problems = problemsOf({ ...APP_ENV });
      expect(problems).toHaveLength(1);
      expect(problems[0].variable).toBe('config/default.json: wecom.app.secret');
      expect(problems[0].problem).toContain('secrets only from the environment');
      expect(problems[0].problem).toContain('WECOM_SECRET');
    });

    it('refuses a database password and a webhook URL in a file', () => {
      writeConfig('local.json', {
        databaseUrl: 'mysql://bot:secret@db:3306/bot',
        wecom: { groupWebhookUrl: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k' },
      });
      const problems = problemsOf({});
      expect(problems.map((p) => p.variable).sort()).toEqual([
        'config/local.json: databaseUrl',
        'config/local.json: wecom.groupWebhookUrl',
      ]);
      expect(problems.find((p) => p.variable.endsWith('databaseUrl'))?.problem).toContain('DATABASE_URL');
      expect(JSON.stringify(problems)).not.toContain('secret@');
    });

    it('accepts a mysql URL without password in a file', () => {
      writeConfig('default.json', { databaseUrl: 'mysql://bot@db.internal/gov_media' });
      expect(loadConfig({}, dir).database).toMatchObject({ type: 'mysql', user: 'bot', password: '' });
    });

    it('names the file and the parse error of invalid JSON', () => {
      writeConfig('local.json', '{ "port": 3000, }');
      const problems = problemsOf({});
      expect(problems).toHaveLength(1);
      expect(problems[0].variable).toBe('config/local.json');
      expect(problems[0].problem).toMatch(/not valid JSON: .+/);
    });

    it('refuses unknown keys and suggests the right one', () => {
      writeConfig('default.json', { outbox: { maxAttemps: 3 }, wecom: { apiBase: 'https://qyapi.weixin.qq.com' }, prot: 1 });
      const problems = problemsOf({});
      expect(problems).toHaveLength(2);
      const typo = problems.find((p) => p.variable === 'config/default.json: outbox.maxAttemps');
      expect(typo?.problem).toContain('did you mean outbox.maxAttempts');
      expect(problems.find((p) => p.variable === 'config/default.json: prot')?.problem).toContain('did you mean port');
    });

    it('names file and key of a value of the wrong type, and still reports environment problems', () => {
      writeConfig('default.json', { port: '3000', outbox: { maxAttempts: 0 }, wecom: 'x' });
      const problems = problemsOf({ LOG_LEVEL: 'loud' });
      expect(problems.map((p) => p.variable).sort()).toEqual([
        'LOG_LEVEL',
        'config/default.json: outbox.maxAttempts',
        'config/default.json: port',
        'config/default.json: wecom',
      ]);
    });

    it('validates API base of a file and trims its trailing slash', () => {
      writeConfig('default.json', { wecom: { apiBase: 'http://fake-wecom:8089/' } });
      expect(loadConfig({}, dir).wecom.apiBase).toBe('http://fake-wecom:8089');
      writeConfig('default.json', { wecom: { apiBase: 'http://fake-wecom:8089/cgi-bin' } });
      expect(problemsOf({})[0].variable).toBe('config/default.json: wecom.apiBase');
    });

    it('takes non-secret app settings from a file and secrets from the environment', () => {
      writeConfig('production.json', { wecom: { app: { corpId: 'ww1a2b3c4d5e6f7a8b', agentId: 1000005 } } });
      const { WECOM_SECRET, WECOM_TOKEN, WECOM_ENCODING_AES_KEY } = APP_ENV;
      const config = loadConfig({ NODE_ENV: 'production', WECOM_SECRET, WECOM_TOKEN, WECOM_ENCODING_AES_KEY }, dir);
      expect(config.wecom.app).toMatchObject({ corpId: 'ww1a2b3c4d5e6f7a8b', agentId: 1000005, token: 'QDG6eK' });
      // The same file without the secrets is a partial set.
      expect(problemsOf({ NODE_ENV: 'production' })[0].variable).toBe(
        'WECOM_SECRET, WECOM_TOKEN, WECOM_ENCODING_AES_KEY',
      );
    });
  });
});

function noApp(): Record<string, string> {
  const { WECOM_AGENT_ID: _agent, ...rest } = APP_ENV;
  return rest;
}
