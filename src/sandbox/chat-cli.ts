/**
 * `npm run chat -- --as <userid>`: the sandbox conversation in a terminal, for a server without a browser. It talks
 * to a running bot's sandbox HTTP API (the same the page uses), so start the bot first (`npm start`). See README.
 *
 *   npm run chat -- --as zhongyutong                     # the bot on this machine (PORT from the configuration)
 *   npm run chat -- --as songzhiwei --url http://10.0.0.5:3000 --token <SANDBOX_ADMIN_TOKEN>
 */
import { resolve } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load-config';
import { readEnvironment } from '../config/read-env';
import { ConfigError } from '../shared/errors';
import type { SandboxPerson } from './sandbox-people';
import type { SandboxEntry } from './sandbox-store';
import type { JumpOption } from './time-travel';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the page's renderer, plain JavaScript shared with the browser
const render = require('./public/render.js') as {
  cardModel(card: unknown): { buttons: Array<{ text: string; key: string }> };
  cardText(card: unknown): string;
  markdownBlocks(content: string): unknown[];
  textBlocks(content: string): unknown[];
  plainText(blocks: unknown[], nameOf: (id: string) => string): string;
};

const HELP = `可以直接输入文字，与联络助手单聊。其他用法：
  @联络助手 <文字>     在工作群里 @ 机器人（以 @ 开头的消息发到工作群）
  /群 <文字>           在工作群里发言（不 @ 机器人，机器人收不到）
  /点 <按钮>           点击最近一张带这个按钮的卡片，例如 /点 通过
  /时间 [序号]         查看或拨动沙盒时间（下一次提醒、下个工作日上班、截止时间之后……）
  /身份 <账号>         换一个人，例如 /身份 songzhiwei
  /人员                列出演示区的人员
  /帮助  /退出`;

const POLL_MS = 1000;
/** After the input ends (a pipe), how long to wait for the bot's last answers. */
const DRAIN_MS = 3000;

interface State {
  people: SandboxPerson[];
  botName: string;
  group: { id: string; name: string };
  clock: { now: string; label: string };
  jumps: JumpOption[];
  lastId: number;
}

class ChatClient {
  private as: string;
  private state: State | undefined;
  private last = 0;
  private readonly cards: SandboxEntry[] = [];
  private readonly updated = new Map<string, string>();
  private lastActivity = Date.now();

  constructor(
    private readonly baseUrl: string,
    private readonly token: string | undefined,
    as: string,
    public out: (text: string) => void,
  ) {
    this.as = as;
  }

  async connect(): Promise<void> {
    this.state = await this.request<State>('GET', '/sandbox/api/state');
    const history = await this.readAll();
    const mine = history.filter((e) => this.concerns(e));
    for (const entry of history) this.remember(entry);
    this.out(this.banner());
    for (const entry of mine.slice(-20)) this.print(entry, true);
  }

  async poll(): Promise<void> {
    for (;;) {
      const page = await this.request<{ entries: SandboxEntry[] }>('GET', `/sandbox/api/messages?after=${this.last}`);
      for (const entry of page.entries) {
        this.remember(entry);
        if (this.concerns(entry)) this.print(entry, false);
      }
      if (page.entries.length < 200) return;
    }
  }

  idleFor(): number {
    return Date.now() - this.lastActivity;
  }

  async handle(line: string): Promise<boolean> {
    const text = line.trim();
    if (!text) return true;
    const [command, ...rest] = text.split(/\s+/);
    const arg = rest.join(' ');
    switch (command) {
      case '/退出':
      case '/quit':
      case '/exit':
        return false;
      case '/帮助':
      case '/help':
        this.out(HELP);
        return true;
      case '/人员':
      case '/people':
        this.state = await this.request<State>('GET', '/sandbox/api/state');
        this.out(this.peopleList());
        return true;
      case '/身份':
      case '/as':
        if (!arg) {
          this.out('请写明账号，例如 /身份 songzhiwei');
          return true;
        }
        this.as = arg;
        this.out(this.banner());
        return true;
      case '/时间':
      case '/clock':
        await this.clock(arg);
        return true;
      case '/点':
      case '/click':
        await this.click(arg);
        return true;
      case '/群':
      case '/group':
        await this.say(arg, 'group');
        return true;
      default:
        await this.say(text, /^[@＠]/.test(text) ? 'group' : 'single');
        return true;
    }
  }

  // ---- actions --------------------------------------------------------------------------------------------------

  private async say(text: string, chat: 'single' | 'group'): Promise<void> {
    if (!text) return;
    this.lastActivity = Date.now();
    const result = await this.request<{ outcome: string }>('POST', '/sandbox/api/messages', { as: this.as, chat, text });
    if (result.outcome === 'not-addressed') this.out(`（没有 @${this.state?.botName ?? '机器人'}，机器人收不到这条群消息）`);
  }

  private async click(buttonText: string): Promise<void> {
    if (!buttonText) {
      this.out('请写明按钮，例如 /点 通过');
      return;
    }
    const card = [...this.cards]
      .reverse()
      .find((c) => c.conversation === this.as && !this.isUpdated(c) && render.cardModel(c.body.template_card).buttons.some((b) => b.text === buttonText && b.key));
    if (!card) {
      this.out(`${this.nameOf(this.as)}没有收到带“${buttonText}”按钮、且还没处理的卡片。`);
      return;
    }
    const button = render.cardModel(card.body.template_card).buttons.find((b) => b.text === buttonText);
    this.lastActivity = Date.now();
    await this.request<unknown>('POST', `/sandbox/api/cards/${card.id}/click`, { as: this.as, key: button?.key });
    this.out(`（已点击「${buttonText}」）`);
  }

  private async clock(arg: string): Promise<void> {
    this.state = await this.request<State>('GET', '/sandbox/api/state');
    const jumps = this.state.jumps;
    if (!arg) {
      this.out(
        [`沙盒时间：${this.state.clock.label}`, ...jumps.map((j, i) => `  ${i + 1}. ${j.label}`), jumps.length ? '输入 /时间 <序号> 拨动时间。' : '时间不能拨动。'].join('\n'),
      );
      return;
    }
    const jump = jumps[Number(arg) - 1] ?? jumps.find((j) => j.id === arg);
    if (!jump) {
      this.out(`没有第 ${arg} 项；输入 /时间 查看可选项。`);
      return;
    }
    this.lastActivity = Date.now();
    const moved = await this.request<{ label: string }>('POST', '/sandbox/api/clock', { jump: jump.id });
    this.out(`（沙盒时间已拨到 ${moved.label}，定时任务已运行一次）`);
  }

  // ---- printing -------------------------------------------------------------------------------------------------

  private concerns(entry: SandboxEntry): boolean {
    return entry.conversation === this.as || entry.conversation === this.state?.group.id;
  }

  private remember(entry: SandboxEntry): void {
    this.last = Math.max(this.last, entry.id);
    if (entry.kind === 'card') this.cards.push(entry);
    if (entry.kind === 'card-update') {
      const label = String(entry.body.replaceName ?? '');
      if (entry.taskId) this.updated.set(`${entry.conversation}|${entry.taskId}`, label);
      if (typeof entry.body.messageId === 'number') this.updated.set(`msg|${entry.body.messageId}`, label);
    }
  }

  private isUpdated(card: SandboxEntry): boolean {
    return (card.taskId !== null && this.updated.has(`${card.conversation}|${card.taskId}`)) || this.updated.has(`msg|${card.id}`);
  }

  private print(entry: SandboxEntry, history: boolean): void {
    if (entry.direction === 'in' && entry.userId === this.as && !history) return; // typed just now
    this.lastActivity = Date.now();
    const where = entry.chat === 'group' ? '[群] ' : '';
    const time = shortTime(entry.at);
    if (entry.kind === 'card-update') {
      this.out(`${where}${time} （卡片已更新：${String(entry.body.replaceName ?? '')}）`);
      return;
    }
    if (entry.kind === 'event') {
      this.out(`${where}${time} （${this.nameOf(entry.userId ?? '')}点击了「${String(entry.body.button ?? '')}」）`);
      return;
    }
    const who = entry.direction === 'out' ? (this.state?.botName ?? '联络助手') : this.nameOf(entry.userId ?? '');
    this.out(`${where}${time} ${who}：\n${indent(this.content(entry))}`);
  }

  private content(entry: SandboxEntry): string {
    const body = entry.body as Record<string, Record<string, unknown> | undefined>;
    const nameOf = (id: string) => this.nameOf(id);
    switch (entry.kind) {
      case 'card': {
        const model = render.cardModel(body.template_card);
        const buttons = model.buttons.map((b) => `[${b.text}]`).join(' ');
        const updated = this.isUpdated(entry) ? `（已处理：${this.updated.get(`${entry.conversation}|${entry.taskId ?? ''}`) ?? this.updated.get(`msg|${entry.id}`)}）` : buttons;
        return `${render.cardText(body.template_card)}${updated ? `\n${updated}` : ''}`;
      }
      case 'markdown':
        return render.plainText(render.markdownBlocks(String(body.markdown?.content ?? '')), nameOf);
      case 'file':
        return `[文件] ${String(body.file?.name ?? '')}（在网页沙盒中下载：${this.baseUrl}/sandbox/api/files/${String(body.file?.fileId ?? '')}）`;
      default: {
        const text = render.plainText(render.textBlocks(String(body.text?.content ?? '')), nameOf);
        const mentioned = Array.isArray(body.text?.mentioned_list) ? (body.text.mentioned_list as string[]) : [];
        return mentioned.length ? `${text}\n${mentioned.map((id) => `@${nameOf(id)}`).join(' ')}` : text;
      }
    }
  }

  private banner(): string {
    const person = this.state?.people.find((p) => p.userId === this.as);
    return [
      `沙盒 · 政务新媒体联络助手（${this.baseUrl}）`,
      `身份：${person ? `${person.name}（${person.label}）` : `${this.as}（不在名册中）`}    沙盒时间：${this.state?.clock.label ?? ''}`,
      '输入 /帮助 查看用法。',
    ].join('\n');
  }

  private peopleList(): string {
    return (this.state?.people ?? []).map((p) => `  ${p.userId.padEnd(14)} ${p.name}  ${p.label}`).join('\n') || '  （名册是空的）';
  }

  private nameOf(userId: string): string {
    if (userId === '@all') return '所有人';
    return this.state?.people.find((p) => p.userId === userId)?.name ?? userId;
  }

  // ---- HTTP -----------------------------------------------------------------------------------------------------

  private async readAll(): Promise<SandboxEntry[]> {
    const all: SandboxEntry[] = [];
    for (;;) {
      const page = await this.request<{ entries: SandboxEntry[] }>('GET', `/sandbox/api/messages?after=${all.length ? all[all.length - 1].id : 0}`);
      all.push(...page.entries);
      if (page.entries.length < 200) return all;
    }
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (error) {
      throw new ChatCliError(`连不上 ${this.baseUrl}（${(error as Error).cause ? String((error as { cause: unknown }).cause) : (error as Error).message}）：请先启动机器人（npm start），或用 --url 指定地址。`, { cause: error });
    }
    const text = await response.text();
    if (response.status === 404 && path.startsWith('/sandbox/api/state')) {
      throw new ChatCliError(`${this.baseUrl} 上的机器人没有开启沙盒：配置了企业微信时需设置 SANDBOX_ENABLED=true 和 SANDBOX_ADMIN_TOKEN。`);
    }
    if (response.status === 401) throw new ChatCliError('沙盒需要令牌：用 --token <SANDBOX_ADMIN_TOKEN> 提供（或在本机的 .env 中设置 SANDBOX_ADMIN_TOKEN）。');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new ChatCliError(`${path} 的回答不是 JSON（HTTP ${response.status}）`);
    }
    if (!response.ok) throw new ChatCliError(String((parsed as { error?: unknown }).error ?? `HTTP ${response.status}`));
    return parsed as T;
  }
}

class ChatCliError extends Error {}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}

function shortTime(iso: string): string {
  const d = new Date(new Date(iso).getTime() + 8 * 3_600_000);
  return `${d.getUTCMonth() + 1}月${d.getUTCDate()}日 ${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
}

/** Where the bot runs and its token: the flags, else this machine's configuration. */
function target(values: { url?: string; token?: string }): { url: string; token?: string } {
  let port = 3000;
  let token = values.token;
  try {
    const config = loadConfig(readEnvironment(process.env, resolve(process.cwd(), '.env')), resolve(process.cwd(), 'config'));
    port = config.port;
    token ??= config.sandbox.adminToken;
  } catch (error) {
    if (!(error instanceof ConfigError) || !values.url) throw error;
  }
  return { url: (values.url ?? `http://localhost:${port}`).replace(/\/+$/, ''), token };
}

export async function runChat(argv: string[]): Promise<number> {
  const write = (text: string) => process.stdout.write(`${text}\n`);
  const { values } = parseArgs({
    args: argv,
    options: { as: { type: 'string' }, url: { type: 'string' }, token: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: false,
  });
  if (values.help || !values.as) {
    write('用法：npm run chat -- --as <企业微信账号> [--url http://localhost:3000] [--token <SANDBOX_ADMIN_TOKEN>]');
    write('先启动机器人（npm start），再用这个命令以某人的身份和它对话。');
    return values.help ? 0 : 2;
  }
  const { url, token } = target(values);
  const client = new ChatClient(url, token, values.as, write);
  try {
    await client.connect();
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 1;
  }
  const rl: Interface = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY === true });
  const show = (text: string) => {
    if (process.stdin.isTTY) {
      process.stdout.write('\r\x1b[K');
      write(text);
      rl.prompt(true);
    } else {
      write(text);
    }
  };
  client.out = show;
  let polling = false;
  const timer = setInterval(() => {
    if (polling) return;
    polling = true;
    client
      .poll()
      .catch((error: unknown) => show(`（${(error as Error).message}）`))
      .finally(() => (polling = false));
  }, POLL_MS);
  rl.setPrompt('> ');
  rl.prompt();
  let queue = Promise.resolve(true);
  let ended = false;
  const finished = new Promise<void>((done) => {
    rl.on('line', (line) => {
      queue = queue.then(async (go) => {
        if (!go || ended) return false;
        try {
          const more = await client.handle(line);
          if (!more) {
            ended = true;
            rl.close();
          }
          return more;
        } catch (error) {
          show(`（${(error as Error).message}）`);
          return true;
        }
      });
      void queue.then(() => process.stdin.isTTY && rl.prompt());
    });
    rl.on('close', () => {
      // the input ended (a pipe, Ctrl+D): wait for the bot's last answers, then stop
      void queue.then(async () => {
        while (client.idleFor() < DRAIN_MS) await new Promise((r) => setTimeout(r, 200));
        await client.poll().catch(() => undefined);
        done();
      });
    });
  });
  await finished;
  clearInterval(timer);
  return 0;
}

if (require.main === module) {
  runChat(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
