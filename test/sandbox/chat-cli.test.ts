/**
 * `npm run chat`: the terminal client of the sandbox, as a child process against a running bot (SQLite: the client
 * does not know the database). Lines come from a pipe; the client prints the person, the bot's answers, and exits
 * when the input ends and the bot has gone quiet.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '../helpers/test-databases';
import { OffsetClock } from '../helpers/offset-clock';
import { ROOT, SandboxBot } from './sandbox-harness';

let db: TestDatabase;
let bot: SandboxBot;

beforeAll(async () => {
  db = await createTestDatabase('sqlite');
  bot = await SandboxBot.start(db.url, {}, new OffsetClock('2026-11-23T08:00:00+08:00'));
});

afterAll(async () => {
  await bot.stop();
  await db.destroy();
});

function chat(args: string[], input: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'src/sandbox/chat-cli.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, SANDBOX_ADMIN_TOKEN: '' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 40_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolveRun({ code, out, err });
    });
    child.stdin.end(input);
  });
}

it('talks to the running bot as a person of the roster, in the single chat and in the group', async () => {
  const { code, out, err } = await chat(['--as', 'zhongyutong', '--url', bot.baseUrl], '我是谁\n@联络助手 截止事项\n/点 通过\n');
  expect(err).toBe('');
  expect(code).toBe(0);
  expect(out).toContain('身份：钟雨桐（区发改局 · 联络员）');
  expect(out).toContain('单位：东岚区发展和改革局（DL002）— 联络员');
  expect(out).toMatch(/\[群\] [^\n]*联络助手：/);
  expect(out).toContain('钟雨桐没有收到带“通过”按钮、且还没处理的卡片。');
  const group = (await bot.entries()).filter((e) => e.conversation === 'group:work');
  expect(group.map((e) => `${e.direction}:${e.userId ?? 'bot'}`)).toEqual(['in:zhongyutong', 'out:bot']);
}, 60_000);

it('says how to start the bot when nothing answers at the address', async () => {
  const { code, err } = await chat(['--as', 'zhongyutong', '--url', 'http://127.0.0.1:9'], '');
  expect(code).toBe(1);
  expect(err).toContain('请先启动机器人（npm start）');
}, 60_000);
