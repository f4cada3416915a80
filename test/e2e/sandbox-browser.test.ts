/**
 * The newcomer's five minutes, in a real browser against the real server: `src/main.ts` started as a child process
 * with no WeCom credentials (sandbox mode, a temporary SQLite file, a free port, the demo district loaded), the
 * system's Chromium driven by playwright-core. A liaison files a new account through the 开设备案 flow, an admin
 * approves it by clicking 通过 on the review card in their conversation, and the liaison's conversation shows the
 * approval.
 *
 * Chromium: /usr/bin/chromium (CHROMIUM_PATH to use another); `bash .ci/run` installs it (apt-get install -y chromium).
 * Outside CI, TEST_SKIP_BROWSER=1 skips this file; in CI that is refused.
 * UPDATE_SANDBOX_SCREENSHOT=1 (npm run docs:screenshot) writes the README's screenshot, docs/sandbox.png.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { OPEN_FILING } from '../sandbox/open-filing-script';

const ROOT = resolve(__dirname, '..', '..');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
/** No network here: without the background-networking flags Chromium keeps trying to reach Google's services. */
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** Settings the server must not take from the environment or a .env file: the test wants sandbox mode. */
const CLEARED = [
  'WECOM_CORP_ID',
  'WECOM_AGENT_ID',
  'WECOM_SECRET',
  'WECOM_TOKEN',
  'WECOM_ENCODING_AES_KEY',
  'WECOM_ROBOT_TOKEN',
  'WECOM_ROBOT_ENCODING_AES_KEY',
  'WECOM_ROBOT_ID',
  'WECOM_ROBOT_NAME',
  'WECOM_GROUP_WEBHOOK_URL',
  'SANDBOX_ENABLED',
  'SANDBOX_ADMIN_TOKEN',
  'SANDBOX_DEMO_DATA',
];
const START_TIMEOUT_MS = 90_000;
const STEP_TIMEOUT_MS = 20_000;

type Availability = 'ready' | 'skip' | 'missing';

function browserAvailability(): Availability {
  if (process.env.TEST_SKIP_BROWSER === '1') {
    if (process.env.CI) throw new Error('TEST_SKIP_BROWSER=1 is not allowed in CI: the browser test of the sandbox must run');
    return 'skip';
  }
  return existsSync(CHROMIUM) ? 'ready' : 'missing';
}

const availability = browserAvailability();
if (availability === 'skip') {
  // eslint-disable-next-line no-console -- say why the file is skipped, where jest shows it
  console.warn('TEST_SKIP_BROWSER=1: the browser test of the sandbox is skipped');
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** The bot as `npm run dev` starts it, in sandbox mode; resolves with the page address it logs. */
class BotProcess {
  private child: ChildProcess | undefined;
  private output = '';

  constructor(private readonly dir: string) {}

  async start(): Promise<string> {
    const port = await freePort();
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
    for (const key of CLEARED) env[key] = ''; // empty = not set, and wins over a .env file
    Object.assign(env, { PORT: String(port), DATABASE_URL: `sqlite:${join(this.dir, 'bot.sqlite')}`, LOG_LEVEL: 'info' });
    const child = spawn(process.execPath, [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'src/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    return new Promise<string>((resolveUrl, reject) => {
      const timer = setTimeout(() => reject(new Error(`the bot did not log its sandbox address within ${START_TIMEOUT_MS / 1000} s:\n${this.log()}`)), START_TIMEOUT_MS);
      const read = (chunk: Buffer) => {
        this.output += chunk.toString('utf8');
        for (const line of this.output.split('\n')) {
          if (!line.startsWith('{')) continue;
          try {
            const entry = JSON.parse(line) as { msg?: string; url?: string };
            if (entry.url && entry.msg?.startsWith('sandbox page')) {
              clearTimeout(timer);
              resolveUrl(entry.url);
            }
          } catch {
            // a line still being written
          }
        }
      };
      child.stdout?.on('data', read);
      child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString('utf8')));
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the bot exited with code ${code} before it listened:\n${this.log()}`));
      });
    });
  }

  log(): string {
    return this.output.split('\n').slice(-40).join('\n');
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolveStop) => {
      const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.once('exit', () => {
        clearTimeout(kill);
        resolveStop();
      });
      child.kill('SIGTERM');
    });
  }
}

const run = availability === 'skip' ? describe.skip : describe;

run('the sandbox in a browser', () => {
  jest.setTimeout(240_000);
  let dir: string;
  let bot: BotProcess;
  let context: BrowserContext | undefined;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sandbox-browser-'));
    bot = new BotProcess(dir);
  });

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    await bot.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a liaison files a new account, an admin approves it on the card, the liaison sees the approval', async () => {
    if (availability === 'missing') {
      throw new Error(
        `Chromium is not installed at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (bash .ci/run does), ` +
          'or set CHROMIUM_PATH to a Chromium or Chrome binary. Outside CI, TEST_SKIP_BROWSER=1 skips this test.',
      );
    }
    const url = await bot.start();
    context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_FLAGS,
      viewport: { width: 1360, height: 860 },
      locale: 'zh-CN',
      timezoneId: 'Asia/Shanghai',
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    try {
      await page.goto(url);
      await page.locator('[data-person="zhongyutong"]').waitFor({ timeout: STEP_TIMEOUT_MS });

      // 钟雨桐, liaison of 区发改局, files a 快手 account her unit did not have yet
      await page.locator('[data-person="zhongyutong"]').click();
      for (const [text, expected] of OPEN_FILING) await say(page, text, expected);
      const submitted = await lastBotMessage(page).innerText();
      const filingNo = /BA\d{4}-\d{6}/.exec(submitted)?.[0];
      expect(filingNo).toBeDefined();

      // 宋知微, admin, has the review card with 通过 / 驳回
      await page.locator('[data-person="songzhiwei"]').click();
      const card = page.locator('#messages .card', { hasText: '东岚发改快讯' });
      await card.waitFor({ timeout: STEP_TIMEOUT_MS });
      expect(await card.innerText()).toContain(filingNo as string);
      const approve = card.locator('button.card-button', { hasText: '通过' });
      await approve.waitFor({ timeout: STEP_TIMEOUT_MS });
      await page.screenshot({ path: screenshotPath(dir) });

      await approve.click();
      const done = card.locator('button.card-button.replaced');
      await done.waitFor({ timeout: STEP_TIMEOUT_MS });
      expect(await done.innerText()).toBe('已通过（宋知微）');
      const answer = page.locator('#messages li.msg.from-bot', { hasText: `已通过开设备案 ${filingNo as string}` });
      await answer.waitFor({ timeout: STEP_TIMEOUT_MS });
      expect(await card.locator('button.card-button', { hasText: '驳回' }).count()).toBe(0);

      // back to 钟雨桐: the approval is in her conversation
      await page.locator('[data-person="zhongyutong"]').click();
      const notice = page.locator('#messages li.msg.from-bot', { hasText: '已通过审核（审核人：宋知微）' });
      await notice.waitFor({ timeout: STEP_TIMEOUT_MS });
      expect(await notice.innerText()).toContain(`开设备案 ${filingNo as string} 东岚发改快讯（快手）`);
      expect(problems).toEqual([]);
    } catch (error) {
      await page.screenshot({ path: join(dir, 'failure.png') }).catch(() => undefined);
      const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
      throw new Error(`${detail}\n\nPage problems: ${problems.join('; ') || 'none'}\nThe bot's last log lines:\n${bot.log()}`, { cause: error });
    }
  });
});

function lastBotMessage(page: Page): Locator {
  return page.locator('#messages li.msg.from-bot').last();
}

/** Type a message in the current conversation and wait for the bot's next answer, which must contain `expected`. */
async function say(page: Page, text: string, expected: string): Promise<void> {
  const answers = page.locator('#messages li.msg.from-bot');
  const before = await answers.count();
  await page.locator('#input').fill(text);
  await page.locator('#input').press('Enter');
  const answer = answers.nth(before);
  try {
    await answer.waitFor({ timeout: STEP_TIMEOUT_MS });
  } catch {
    throw new Error(`no answer to “${text}” within ${STEP_TIMEOUT_MS / 1000} s; the conversation shows:\n${await page.locator('#messages').innerText()}`);
  }
  const shown = await answer.innerText();
  if (!shown.includes(expected)) throw new Error(`the answer to “${text}” does not contain “${expected}”:\n${shown}`);
}

function screenshotPath(dir: string): string {
  return process.env.UPDATE_SANDBOX_SCREENSHOT === '1' ? join(ROOT, 'docs', 'sandbox.png') : join(dir, 'sandbox.png');
}
