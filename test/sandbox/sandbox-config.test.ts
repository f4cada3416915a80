/**
 * The sandbox's settings (loadConfig): on by itself exactly when no WeCom channel is configured; explicitly enabled
 * only with an admin token, refused at start-up with a clear problem otherwise; the token a secret (never in a file).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load-config';
import { ConfigError, type ConfigProblem } from '../../src/shared/errors';

const APP = {
  WECOM_CORP_ID: 'ww1a2b3c4d5e6f7a8b',
  WECOM_AGENT_ID: '1000002',
  WECOM_SECRET: 'sandbox-config-secret',
  WECOM_TOKEN: 'Rk3pQ8vN2xLw',
  WECOM_ENCODING_AES_KEY: 'aSuNNBM527N3IeSicdKtzZFS0LVM0dGuVUVHrDyMM74',
};
const ROBOT = { WECOM_ROBOT_TOKEN: 'RbT0k3nAbc', WECOM_ROBOT_ENCODING_AES_KEY: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C' };
const WEBHOOK = { WECOM_GROUP_WEBHOOK_URL: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=0f1e2d3c-aaaa-bbbb-cccc-000000000001' };
const TOKEN = 'b3a1f0c9d8e7f6a5b4c3d2e1';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sandbox-config-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function problemsOf(env: Record<string, string>): ConfigProblem[] {
  try {
    loadConfig(env, dir);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('sandbox settings', () => {
  it('turn the sandbox and its demo district on by themselves when no WeCom channel is configured', () => {
    expect(loadConfig({}, dir).sandbox).toEqual({ enabled: true, demoData: true });
  });

  it.each([
    ['the self-built app', APP],
    ['the intelligent robot', ROBOT],
    ['a group webhook', WEBHOOK],
  ])('leave the sandbox off when %s is configured', (_what, env) => {
    expect(loadConfig(env, dir).sandbox).toEqual({ enabled: false, demoData: false });
  });

  it('turn the sandbox on beside WeCom with SANDBOX_ENABLED=true and a token', () => {
    const config = loadConfig({ ...APP, SANDBOX_ENABLED: 'true', SANDBOX_ADMIN_TOKEN: TOKEN }, dir);
    expect(config.sandbox).toEqual({ enabled: true, adminToken: TOKEN, demoData: false });
    expect(config.wecom.app?.corpId).toBe(APP.WECOM_CORP_ID);
  });

  it.each([
    ['beside WeCom', APP],
    ['without WeCom', {}],
  ])('refuse SANDBOX_ENABLED=true without SANDBOX_ADMIN_TOKEN (%s), saying what to set', (_what, env) => {
    const problems = problemsOf({ ...env, SANDBOX_ENABLED: 'true' });
    expect(problems).toHaveLength(1);
    expect(problems[0].variable).toBe('SANDBOX_ADMIN_TOKEN');
    expect(problems[0].problem).toContain('SANDBOX_ENABLED=true');
    expect(problems[0].example).toContain('openssl rand');
  });

  it('list a bad token with the other problems, once, without showing it', () => {
    const short = 'short-token';
    const problems = problemsOf({ ...APP, SANDBOX_ENABLED: 'true', SANDBOX_ADMIN_TOKEN: short, PORT: 'eighty' });
    expect(problems.map((p) => p.variable).sort()).toEqual(['PORT', 'SANDBOX_ADMIN_TOKEN']);
    const token = problems.find((p) => p.variable === 'SANDBOX_ADMIN_TOKEN') as ConfigProblem;
    expect(token.problem).toContain(`a value of ${short.length} characters`);
    expect(JSON.stringify(problems)).not.toContain(short);
  });

  it('accept SANDBOX_ENABLED=false and SANDBOX_DEMO_DATA from the environment and from a file', () => {
    expect(loadConfig({ SANDBOX_ENABLED: 'false' }, dir).sandbox.enabled).toBe(false);
    writeFileSync(join(dir, 'local.json'), JSON.stringify({ sandbox: { demoData: false } }));
    expect(loadConfig({}, dir).sandbox).toEqual({ enabled: true, demoData: false });
  });

  it('refuse the token in a config file: secrets only from the environment', () => {
    writeFileSync(join(dir, 'local.json'), JSON.stringify({ sandbox: { adminToken: TOKEN } }));
    const problems = problemsOf({});
    expect(problems).toEqual([expect.objectContaining({ variable: 'config/local.json: sandbox.adminToken', example: expect.stringContaining('SANDBOX_ADMIN_TOKEN') })]);
  });
});
