/**
 * Runs one conversation transcript against the real bot: `createRuntime` listening on a port, callbacks signed and
 * encrypted by the fake WeCom callback client, the fake WeCom server receiving what the bot sends, and a fresh test
 * database of the given kind. After every step that makes the bot work, it waits until the bot is quiet (inbox idle,
 * nothing left to send in the outbox) and compares what arrived with the transcript. See test/conversations/README.md.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { In } from 'typeorm';
import { InboxEntity } from '../../../src/chat/inbox-entity';
import { loadConfig } from '../../../src/config/load-config';
import { createRuntime, type Runtime } from '../../../src/main';
import { OutboxEntity } from '../../../src/outbox/outbox-entity';
import {
  buildAppEventXml,
  buildAppTextXml,
  buildRobotFileJson,
  buildRobotTextJson,
  readXmlField,
  startFakeWeCom,
  WeComCallbackClient,
  type CallbackResult,
  type FakeWeCom,
} from '../../fake-wecom';
import { eventually } from '../../helpers/eventually';
import { OffsetClock } from '../../helpers/offset-clock';
import { testLogger } from '../../helpers/silent-logger';
import { createTestDatabase, type TestDatabase, type TestDatabaseKind } from '../../helpers/test-databases';
import { setupRootDir, setups } from './setups';
import {
  describeStep,
  type ExpectStep,
  type MessageMatcher,
  type Step,
  type StoreStep,
  type TextMatcher,
  type Transcript,
  type UserStep,
  WIRING_SETTINGS,
} from './transcript-schema';

// ---------------------------------------------------------------------------------------------------------------
// The fake corp the bot is wired to
// ---------------------------------------------------------------------------------------------------------------

const CORP_ID = 'ww1a2b3c4d5e6f7a8b';
const AGENT_ID = 1000002;
const APP_SECRET = 'conversation-app-secret';
const APP_TOKEN = 'Rk3pQ8vN2xLw';
const APP_KEY = 'aSuNNBM527N3IeSicdKtzZFS0LVM0dGuVUVHrDyMM74';
const ROBOT_TOKEN = 'RbT0k3nAbc';
const ROBOT_KEY = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';
const ROBOT_ID = 'aibQ7xW2mK9pL4nR8tV1zB6cD3fG5hJ0';
const WEBHOOK_KEY = 'conversation-group-webhook-key';
const APP_PATH = '/wecom/app/callback';
const ROBOT_PATH = '/wecom/robot/callback';

/** Settings a transcript may override (its `env`, a restart's `env`). */
const DEFAULT_SETTINGS: Record<string, string> = {
  LOG_LEVEL: 'silent',
  WECOM_ROBOT_NAME: '联络助手',
  OUTBOX_POLL_INTERVAL_MS: '50',
  OUTBOX_BACKOFF_BASE_MS: '50',
  OUTBOX_BACKOFF_MAX_MS: '1000',
  OFFICE_CONTACT: '区政府办公室政务公开办（0123-6800001）',
  // the project's own files, found from the repository root (see PATH_SETTINGS) wherever jest was started
  FLOWS_DIR: 'bot-flows',
  HOLIDAY_OVERRIDES_FILE: 'config/holiday-overrides.json',
};

/** Settings holding paths: relative ones are taken from the repository root, wherever jest was started. */
const PATH_SETTINGS = ['FLOWS_DIR', 'HOLIDAY_OVERRIDES_FILE'];

/** How long the bot may take to become quiet after a step. Covers the inbox's retry of a failing message (sweep 5 s). */
const QUIET_TIMEOUT_MS = 25_000;
/** Outbox rows due later than this are scheduled messages (reminders …), not work in progress. */
const SCHEDULED_AFTER_MS = 5_000;
const STOP_TIMEOUT_MS = 15_000;
/** Runtime members with a `runOnce()` that acts on what is due by the clock; run after every `advance`. */
const TIME_DRIVEN_PARTS = ['sessionReaper', 'scheduler', 'jobs'];

const EMPTY_CONFIG_DIR = mkdtempSync(join(tmpdir(), 'bot-conversation-config-'));

export interface RunOptions {
  kind: TestDatabaseKind;
}

/** Run one transcript on a fresh database of `kind`; everything is torn down afterwards, also on failure. */
export async function runTranscript(transcript: Transcript, options: RunOptions): Promise<void> {
  const run = new ConversationRun(transcript, options.kind);
  try {
    try {
      await run.prepare();
    } catch (error) {
      const detail = error instanceof ConversationError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
      throw new ConversationError(`Preparing "${transcript.name}" on ${options.kind} failed:\n${indent(detail)}`, transcript);
    }
    await run.runSteps();
  } catch (error) {
    await run.dispose().catch(() => undefined); // the test's failure is the story; a cleanup failure would hide it
    throw error;
  }
  await run.dispose();
}

// ---------------------------------------------------------------------------------------------------------------
// What arrived at the fake WeCom
// ---------------------------------------------------------------------------------------------------------------

type DeliveryKind = 'text' | 'markdown' | 'card' | 'other';

/** One message as one person (or the group webhook) received it. */
interface Delivery {
  /** How it travelled: app message/send, robot response_url, group webhook, passive reply in the HTTP answer. */
  via: 'app' | 'robot' | 'webhook' | 'passive';
  /** userid (lower case), or "webhook:<key>" */
  recipient: string;
  kind: DeliveryKind;
  msgtype: string;
  /** What a reader sees: the content, or a card's titles, descriptions and fields, one per line. */
  text: string;
  buttons: string[];
  card?: Record<string, unknown>;
  /** app messages */
  msgid?: string;
  /** every recipient of the same app message (for display) */
  sentTo?: string[];
  /** robot responses */
  responseCode?: string;
  chatType?: 'single' | 'group';
  chatId?: string;
  at: number;
}

interface CardUpdate {
  msgid: string;
  recipients: string[];
  text: string;
  via: 'api' | 'passive';
}

function cardText(card: Record<string, unknown>): string {
  const lines: string[] = [];
  const push = (value: unknown) => {
    if (typeof value === 'string' && value !== '') lines.push(value);
  };
  const obj = (value: unknown): Record<string, unknown> =>
    value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  const arr = (value: unknown): Array<Record<string, unknown>> => (Array.isArray(value) ? value.map(obj) : []);
  push(obj(card.source).desc);
  push(obj(card.main_title).title);
  push(obj(card.main_title).desc);
  push(obj(card.emphasis_content).title);
  push(obj(card.emphasis_content).desc);
  push(obj(card.quote_area).title);
  push(obj(card.quote_area).quote_text);
  push(card.sub_title_text);
  for (const item of arr(card.horizontal_content_list)) {
    const key = typeof item.keyname === 'string' ? item.keyname : '';
    const value = typeof item.value === 'string' ? item.value : '';
    push(key && value ? `${key}：${value}` : key || value);
  }
  for (const item of arr(card.vertical_content_list)) {
    push(item.title);
    push(item.desc);
  }
  for (const option of arr(obj(card.checkbox).option_list)) push(option.text);
  for (const select of arr(card.select_list)) {
    push(select.title);
    for (const option of arr(select.option_list)) push(option.text);
  }
  return lines.join('\n');
}

function cardButtons(card: Record<string, unknown>): Array<{ text: string; key?: string }> {
  const list = Array.isArray(card.button_list) ? card.button_list : [];
  const buttons = list.map((b) => {
    const button = (b ?? {}) as { text?: unknown; key?: unknown };
    return { text: String(button.text ?? ''), key: typeof button.key === 'string' ? button.key : undefined };
  });
  const submit = card.submit_button as { text?: unknown; key?: unknown } | undefined;
  if (submit && typeof submit.text === 'string') buttons.push({ text: submit.text, key: typeof submit.key === 'string' ? submit.key : undefined });
  return buttons;
}

function kindOf(msgtype: string): DeliveryKind {
  return msgtype === 'text' ? 'text' : msgtype === 'markdown' ? 'markdown' : msgtype === 'template_card' ? 'card' : 'other';
}

function fromBody(msgtype: string, body: Record<string, unknown>, content: string | undefined): Pick<Delivery, 'kind' | 'msgtype' | 'text' | 'buttons' | 'card'> {
  const kind = kindOf(msgtype);
  if (kind === 'card') {
    const card = (body.template_card ?? {}) as Record<string, unknown>;
    return { kind, msgtype, text: cardText(card), buttons: cardButtons(card).map((b) => b.text), card };
  }
  if (content !== undefined) return { kind, msgtype, text: content, buttons: [] };
  const part = body[msgtype] as { content?: unknown } | undefined;
  return { kind, msgtype, text: typeof part?.content === 'string' ? part.content : JSON.stringify(part ?? body), buttons: [] };
}

/** Reads what the fake WeCom recorded since the last call. */
class Ledger {
  private app = 0;
  private robot = 0;
  private webhook = 0;
  private updates = 0;
  private dropped = 0;
  /** Every card a user received, oldest first (for `clicks`). */
  readonly cards = new Map<string, Delivery[]>();

  constructor(private readonly fake: FakeWeCom) {}

  collect(): { deliveries: Delivery[]; cardUpdates: CardUpdate[]; dropped: string[] } {
    const deliveries: Delivery[] = [];
    const apps = this.fake.appMessages();
    for (const message of apps.slice(this.app)) {
      for (const user of message.deliveredTo) {
        const delivery: Delivery = {
          via: 'app',
          recipient: user,
          ...fromBody(message.msgtype, message.request, message.content),
          msgid: message.msgid,
          sentTo: message.deliveredTo,
          at: message.at.getTime(),
        };
        deliveries.push(delivery);
        if (delivery.kind === 'card') this.cards.set(user, [...(this.cards.get(user) ?? []), delivery]);
      }
    }
    this.app = apps.length;
    const robots = this.fake.robotResponses();
    for (const response of robots.slice(this.robot)) {
      deliveries.push({
        via: 'robot',
        recipient: (response.userId ?? '?').toLowerCase(),
        ...fromBody(response.msgtype, response.body, response.content),
        responseCode: response.responseCode,
        chatType: response.chatType,
        chatId: response.chatId,
        at: response.at.getTime(),
      });
    }
    this.robot = robots.length;
    const hooks = this.fake.webhookMessages();
    for (const message of hooks.slice(this.webhook)) {
      deliveries.push({ via: 'webhook', recipient: `webhook:${message.key}`, ...fromBody(message.msgtype, message.body, message.content), at: message.at.getTime() });
    }
    this.webhook = hooks.length;
    const updates = this.fake.cardUpdates();
    const cardUpdates = updates.slice(this.updates).map(
      (u): CardUpdate => ({
        msgid: u.msgid,
        recipients: u.userids.map((id) => id.toLowerCase()),
        text: u.replaceName ?? (u.templateCard ? cardText(u.templateCard) : ''),
        via: 'api',
      }),
    );
    this.updates = updates.length;
    const drops = this.fake.dropped();
    const dropped = drops.slice(this.dropped).map((d) => `${d.userId} (${d.msgid}, ${d.reason} limit)`);
    this.dropped = drops.length;
    deliveries.sort((a, b) => a.at - b.at); // stable: same-time entries keep their order
    return { deliveries, cardUpdates, dropped };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Failures developers read
// ---------------------------------------------------------------------------------------------------------------

/**
 * A failed expectation: the message is the whole story. Its only "stack frame" is the transcript line, so jest shows
 * the message in full (not cut at its first line) followed by the YAML around the step.
 */
export class ConversationError extends Error {
  constructor(message: string, where?: { file: string; line: number }) {
    super(message);
    this.name = 'ConversationError';
    this.stack = `${this.name}: ${message}${where ? `\n    at transcript (${resolve(setupRootDir(), where.file)}:${where.line}:1)` : ''}`;
  }
}

const INDENT = '    ';

function quoteBlock(text: string, prefix = INDENT): string {
  const lines = text === '' ? ['(empty)'] : text.split('\n');
  return lines.map((line) => `${prefix}│ ${line}`).join('\n');
}

function deliveryTitle(d: Delivery): string {
  const what = d.kind === 'card' ? `card${d.card?.card_type ? ` (${String(d.card.card_type)})` : ''}` : d.msgtype;
  switch (d.via) {
    case 'app': {
      const others = (d.sentTo ?? []).filter((u) => u !== d.recipient);
      return `${what} → ${d.recipient} through the app${others.length ? ` (same message also to ${others.join(', ')})` : ''}`;
    }
    case 'robot':
      return `${what} → ${d.chatType === 'group' ? `the group ${d.chatId ?? ''}` : d.recipient} through the robot's response_url`;
    case 'webhook':
      return `${what} → group webhook ${d.recipient.slice('webhook:'.length)}`;
    case 'passive':
      return `${what} → ${d.recipient} as the passive reply in the callback's HTTP answer`;
  }
}

function showDelivery(d: Delivery, label: string): string {
  const lines = [`  ${label} ${deliveryTitle(d)}`, quoteBlock(d.text)];
  if (d.buttons.length) lines.push(`${INDENT}buttons: ${d.buttons.map((b) => `[${b}]`).join(' ')}`);
  return lines.join('\n');
}

function showMatcher(m: MessageMatcher | TextMatcher): string {
  const parts: string[] = [];
  if ('kind' in m && m.kind) parts.push(`kind ${m.kind}`);
  if (m.contains.length) parts.push(`contains ${m.contains.map((c) => JSON.stringify(c)).join(', ')}`);
  if (m.notContains.length) parts.push(`not ${m.notContains.map((c) => JSON.stringify(c)).join(', ')}`);
  if (m.matches.length) parts.push(`matches ${m.matches.map((p) => `/${p}/`).join(', ')}`);
  if (m.equals !== undefined) parts.push(`equals ${JSON.stringify(m.equals)}`);
  if ('buttons' in m && m.buttons) parts.push(`buttons ${m.buttons.map((b) => `[${b}]`).join(' ')}`);
  return parts.length ? parts.join('; ') : 'any message';
}

/** What is wrong with `text` for `m` (empty: it matches). */
function textProblems(text: string, m: TextMatcher): string[] {
  const problems: string[] = [];
  for (const c of m.contains) if (!text.includes(c)) problems.push(`does not contain ${JSON.stringify(c)}`);
  for (const c of m.notContains) if (text.includes(c)) problems.push(`contains ${JSON.stringify(c)}, which it must not`);
  for (const p of m.matches) if (!new RegExp(p).test(text)) problems.push(`does not match /${p}/`);
  if (m.equals !== undefined && text !== m.equals) problems.push(`is not exactly ${JSON.stringify(m.equals)}`);
  return problems;
}

function messageProblems(d: Delivery, m: MessageMatcher): string[] {
  const problems: string[] = [];
  if (m.kind === 'card' && d.kind !== 'card') problems.push(`is a ${d.msgtype} message, not a card`);
  if ((m.kind === 'text' || m.kind === 'markdown') && d.kind !== m.kind) problems.push(`is ${d.kind === 'card' ? 'a card' : `a ${d.msgtype} message`}, not ${m.kind}`);
  problems.push(...textProblems(d.text, m));
  if (m.buttons && JSON.stringify(m.buttons) !== JSON.stringify(d.buttons)) {
    problems.push(`has the buttons ${d.buttons.length ? d.buttons.map((b) => `[${b}]`).join(' ') : '(none)'}, expected ${m.buttons.map((b) => `[${b}]`).join(' ') || '(none)'}`);
  }
  return problems;
}

function indent(text: string, by = '  '): string {
  return text
    .split('\n')
    .map((line) => (line ? `${by}${line}` : line))
    .join('\n');
}

function oneLine(text: string, max = 90): string {
  const flat = text.replace(/\s*\n\s*/g, ' ⏎ ');
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

// ---------------------------------------------------------------------------------------------------------------
// Store checks: values compared the same way on SQLite and MySQL
// ---------------------------------------------------------------------------------------------------------------

const BEIJING_OFFSET_MS = 8 * 3_600_000;
const DB_DATETIME = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?)(Z|[+-]\d{2}:?\d{2})?$/;
const EXPECTED_DATETIME = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** An instant from a database value (Date, or a datetime string in UTC as TypeORM writes it to SQLite). */
function instantOf(actual: unknown): number | undefined {
  if (actual instanceof Date) return actual.getTime();
  if (typeof actual !== 'string') return undefined;
  const m = DB_DATETIME.exec(actual);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}T${m[2]}${m[3] ?? 'Z'}`);
  return Number.isNaN(ms) ? undefined : ms;
}

function beijing(ms: number): string {
  return `${new Date(ms + BEIJING_OFFSET_MS).toISOString().replace('T', ' ').replace('Z', '')} +08:00`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date) && !Buffer.isBuffer(value);
}

function parseJsonValue(actual: unknown): unknown {
  if (typeof actual !== 'string') return actual;
  try {
    return JSON.parse(actual);
  } catch {
    return undefined;
  }
}

/** Deep match: objects by subset, arrays element by element (same length), scalars by valueMatches. */
function jsonMatches(actual: unknown, expected: unknown): boolean {
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && actual.length === expected.length && expected.every((e, i) => jsonMatches(actual[i], e));
  }
  if (isPlainObject(expected) && !isOperator(expected)) {
    return isPlainObject(actual) && Object.entries(expected).every(([k, v]) => jsonMatches(actual[k], v));
  }
  return valueMatches(actual, expected);
}

function isOperator(value: Record<string, unknown>): boolean {
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((k) => k.startsWith('$'));
}

function compareOrdered(actual: unknown, bound: unknown): number | undefined {
  if (typeof bound === 'number') {
    const n = typeof actual === 'number' ? actual : typeof actual === 'string' && actual.trim() !== '' ? Number(actual) : NaN;
    return Number.isNaN(n) ? undefined : n - bound;
  }
  if (typeof bound === 'string') {
    const a = instantOf(actual);
    const b = expectedInstant(bound);
    if (a !== undefined && b !== undefined) return a - b.ms;
    if (typeof actual === 'string') return actual < bound ? -1 : actual > bound ? 1 : 0;
  }
  return undefined;
}

/** An expected time: with an offset as written, without one in Beijing time; precision as written. */
function expectedInstant(text: string): { ms: number; unit: number } | undefined {
  const m = EXPECTED_DATETIME.exec(text);
  if (!m) return undefined;
  const [, date, hh, mm, ss, fraction, zone] = m;
  const ms = Date.parse(`${date}T${hh}:${mm}:${ss ?? '00'}${fraction ?? ''}${zone ?? '+08:00'}`);
  if (Number.isNaN(ms)) return undefined;
  return { ms, unit: fraction ? 1 : ss ? 1000 : 60_000 };
}

function valueMatches(actual: unknown, expected: unknown): boolean {
  if (expected === null) return actual === null || actual === undefined;
  if (actual === undefined) return false;
  if (isPlainObject(expected)) {
    if (!isOperator(expected)) return jsonMatches(parseJsonValue(actual), expected);
    return Object.entries(expected).every(([op, arg]) => {
      switch (op) {
        case '$ne':
          return !valueMatches(actual, arg);
        case '$matches':
          return actual !== null && new RegExp(String(arg)).test(displayValue(actual));
        case '$contains':
          return actual !== null && displayValue(actual).includes(String(arg));
        case '$gt':
        case '$gte':
        case '$lt':
        case '$lte': {
          const c = compareOrdered(actual, arg);
          if (c === undefined) return false;
          return op === '$gt' ? c > 0 : op === '$gte' ? c >= 0 : op === '$lt' ? c < 0 : c <= 0;
        }
        default:
          throw new ConversationError(`unknown operator ${op} (known: $ne, $matches, $contains, $gt, $gte, $lt, $lte)`);
      }
    });
  }
  if (Array.isArray(expected)) return jsonMatches(parseJsonValue(actual), expected);
  if (actual === null) return false;
  if (typeof expected === 'boolean') {
    if (typeof actual === 'boolean') return actual === expected;
    if (typeof actual === 'number' || typeof actual === 'bigint') return Number(actual) === (expected ? 1 : 0);
    if (typeof actual === 'string') return ['1', 'true'].includes(actual) === expected && ['0', '1', 'true', 'false'].includes(actual);
    return false;
  }
  if (typeof expected === 'number') {
    if (typeof actual === 'boolean') return (actual ? 1 : 0) === expected;
    const n = typeof actual === 'string' && actual.trim() !== '' ? Number(actual) : typeof actual === 'number' || typeof actual === 'bigint' ? Number(actual) : NaN;
    return n === expected;
  }
  if (typeof expected === 'string') {
    const instant = instantOf(actual);
    if (instant !== undefined) {
      if (DATE_ONLY.test(expected)) {
        // a DATE column: SQLite gives the string itself, MySQL a Date at UTC midnight; a DATETIME: its Beijing date
        return typeof actual === 'string' && DATE_ONLY.test(actual) ? actual === expected : beijing(instant).slice(0, 10) === expected;
      }
      const wanted = expectedInstant(expected);
      if (wanted) return Math.floor(instant / wanted.unit) === Math.floor(wanted.ms / wanted.unit);
    }
    if (typeof actual === 'boolean') return String(actual) === expected;
    return displayValue(actual) === expected;
  }
  return false;
}

/** A database value as text: times in Beijing, buffers as hex, the rest as written. */
function displayValue(actual: unknown): string {
  if (actual === null || actual === undefined) return 'null';
  if (actual instanceof Date) return beijing(actual.getTime());
  if (Buffer.isBuffer(actual)) return `0x${actual.toString('hex')}`;
  return String(actual);
}

/** A cell for people: times in Beijing, texts quoted, numbers and null as they are. */
function displayCell(value: unknown): string {
  const instant = typeof value === 'string' && DATE_ONLY.test(value) ? undefined : instantOf(value);
  if (instant !== undefined) return beijing(instant);
  return typeof value === 'string' ? JSON.stringify(value) : displayValue(value);
}

function showRow(row: Record<string, unknown>, focus: string[]): string {
  const keys = Object.keys(row);
  const shown = [...new Set(['id', ...focus, ...keys])].filter((k) => k in row);
  return shown
    .map((k) => {
      return `${k}=${oneLine(displayCell(row[k]), focus.includes(k) ? 200 : 60)}`;
    })
    .join('  ');
}

// ---------------------------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------------------------

interface Posted {
  step: UserStep;
  /** robot: the response_code of the response_url the message carried */
  responseCode?: string;
  /** the card that was clicked */
  clickedMsgid?: string;
  passive: Delivery[];
  passiveUpdates: CardUpdate[];
}

class ConversationRun {
  private readonly clock: OffsetClock;
  private readonly rootDir = setupRootDir();
  private db: TestDatabase | undefined;
  private fake: FakeWeCom | undefined;
  private runtime: Runtime | undefined;
  private app: WeComCallbackClient | undefined;
  private robot: WeComCallbackClient | undefined;
  private ledger: Ledger | undefined;
  private env: Record<string, string>;
  /** Messages to other people (and the group webhook) not yet checked by an `expect` step. */
  private pool: Delivery[] = [];
  private updatePool: CardUpdate[] = [];
  private droppedSoFar: string[] = [];
  private readonly knownUsers = new Set<string>();

  constructor(
    private readonly transcript: Transcript,
    private readonly kind: TestDatabaseKind,
  ) {
    this.clock = new OffsetClock(transcript.start);
    this.env = { ...transcript.env };
  }

  async prepare(): Promise<void> {
    const t = this.transcript;
    this.db = await createTestDatabase(this.kind);
    this.fake = await startFakeWeCom({
      clock: this.clock,
      corps: [{ corpId: CORP_ID, agents: [{ agentId: AGENT_ID, secret: APP_SECRET }] }],
      webhookKeys: [WEBHOOK_KEY],
      tokenTtlSeconds: 7200,
      // a transcript is quick: WeCom's per-member limits (30 a minute) would drop messages, not test anything
      memberPerMinute: 100_000,
      memberPerHour: 1_000_000,
      webhookPerMinute: 100_000,
    });
    this.ledger = new Ledger(this.fake);
    const env = { ...this.env };
    for (const name of t.setup) {
      try {
        await setups[name]({ dataSource: this.db.dataSource, kind: this.kind, clock: this.clock, fake: this.fake, env, rootDir: this.rootDir });
      } catch (error) {
        throw new ConversationError(`setup "${name}" failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      }
    }
    this.env = { ...env, ...t.env };
    const wiring = Object.keys(this.env).filter((k) => WIRING_SETTINGS.includes(k));
    if (wiring.length) throw new ConversationError(`a setup set ${wiring.join(', ')}, which the harness wires itself`);
    await this.registerUsers();
    await this.startRuntime();
  }

  async runSteps(): Promise<void> {
    for (const step of this.transcript.steps) {
      try {
        await this.runStep(step);
      } catch (error) {
        const head = `Step ${step.number} at ${step.file}:${step.line} — ${describeStep(step)}`;
        const body = error instanceof ConversationError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
        throw new ConversationError(`${head}\n${indent(body)}`, step);
      }
    }
    // whatever the last step caused must have been sent (an error in the bot shows up here, not in the next test)
    await this.settle('the last step');
  }

  async dispose(): Promise<void> {
    const errors: unknown[] = [];
    const attempt = async (what: string, work: () => Promise<void>) => {
      try {
        await withTimeout(work(), STOP_TIMEOUT_MS, what);
      } catch (error) {
        errors.push(error);
      }
    };
    if (this.runtime) await attempt('stopping the bot', () => (this.runtime as Runtime).stop());
    if (this.fake) await attempt('closing the fake WeCom', () => (this.fake as FakeWeCom).close());
    if (this.db) await attempt('dropping the test database', () => (this.db as TestDatabase).destroy());
    this.runtime = undefined;
    this.fake = undefined;
    this.db = undefined;
    if (errors.length) throw new ConversationError(`cleanup failed: ${errors.map(String).join('; ')}`);
  }

  // ---- the bot --------------------------------------------------------------------------------------------------

  private settings(): Record<string, string> {
    const db = this.db as TestDatabase;
    const fake = this.fake as FakeWeCom;
    const merged: Record<string, string> = { ...DEFAULT_SETTINGS, ...this.env };
    for (const key of PATH_SETTINGS) {
      if (merged[key] && !isAbsolute(merged[key])) merged[key] = resolve(this.rootDir, merged[key]);
    }
    return {
      ...merged,
      DATABASE_URL: db.url,
      WECOM_API_BASE: fake.baseUrl,
      WECOM_CORP_ID: CORP_ID,
      WECOM_AGENT_ID: String(AGENT_ID),
      WECOM_SECRET: APP_SECRET,
      WECOM_TOKEN: APP_TOKEN,
      WECOM_ENCODING_AES_KEY: APP_KEY,
      WECOM_ROBOT_TOKEN: ROBOT_TOKEN,
      WECOM_ROBOT_ENCODING_AES_KEY: ROBOT_KEY,
      WECOM_ROBOT_ID: ROBOT_ID,
      WECOM_GROUP_WEBHOOK_URL: fake.webhookUrl(WEBHOOK_KEY),
    };
  }

  private async startRuntime(): Promise<void> {
    let server: Server;
    try {
      const config = loadConfig(this.settings(), EMPTY_CONFIG_DIR);
      const runtime = createRuntime(config, { clock: this.clock, logger: testLogger() });
      this.runtime = runtime;
      await runtime.start();
      server = await runtime.listen(0);
    } catch (error) {
      const env = Object.entries(this.env).map(([k, v]) => `${k}=${v}`).join(', ');
      throw new ConversationError(
        `the bot did not start${env ? ` (env: ${env})` : ''}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
    }
    const address = server.address();
    const botUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const now = () => this.clock.now();
    this.app = new WeComCallbackClient({ baseUrl: botUrl, token: APP_TOKEN, encodingAesKey: APP_KEY, receiveId: CORP_ID, now });
    this.robot = new WeComCallbackClient({ baseUrl: botUrl, token: ROBOT_TOKEN, encodingAesKey: ROBOT_KEY, receiveId: '', now });
  }

  private get rt(): Runtime {
    if (!this.runtime) throw new Error('the bot is not running');
    return this.runtime;
  }

  /**
   * Parts of the bot that look at the clock on their own schedule (idle conversations, later the jobs) run once
   * right after time jumped, so what became due is written now and not whenever their timer fires.
   */
  private async runTimeDriven(): Promise<void> {
    const parts = this.rt as unknown as Record<string, { runOnce?: () => Promise<unknown> } | undefined>;
    for (const name of TIME_DRIVEN_PARTS) {
      const part = parts[name];
      if (part && typeof part.runOnce === 'function') await part.runOnce();
    }
  }

  /** Everyone in the roster, plus everyone the transcript names, is a member of the fake corp. */
  private async registerUsers(): Promise<void> {
    const names = new Set<string>();
    const visit = (step: Step) => {
      if (step.type === 'user') names.add(step.user);
      if (step.type === 'together') step.steps.forEach(visit);
      if (step.type === 'expect') for (const item of step.items) if (item.type === 'to' || item.type === 'cardUpdate') names.add(item.to);
    };
    this.transcript.steps.forEach(visit);
    const dataSource = this.runtime?.dataSource ?? (this.db as TestDatabase).dataSource;
    for (const table of ['contacts', 'admin_grants']) {
      const rows = await dataSource.query<Array<{ id: string | null }>>(
        `SELECT wecom_user_id AS id FROM ${dataSource.driver.escape(table)} WHERE wecom_user_id IS NOT NULL`,
      );
      for (const row of rows) if (row.id) names.add(String(row.id));
    }
    const fresh = [...names].map((n) => n.toLowerCase()).filter((n) => !this.knownUsers.has(n));
    if (fresh.length) {
      (this.fake as FakeWeCom).addUser(...fresh);
      for (const n of fresh) this.knownUsers.add(n);
    }
  }

  /**
   * Wait until the bot has nothing left to do: no message being processed or waiting for a retry in the inbox, and
   * no outbox row being sent or due within a few seconds. A row that is sent has reached the fake WeCom.
   */
  private async settle(after: string): Promise<void> {
    const runtime = this.rt;
    try {
      await eventually(
        async () => {
          // bounded: a handler that hangs must end in this message, not in jest's timeout
          const idle = await settleWithin(runtime.inbox.idle(), 1000);
          const waiting = await runtime.dataSource.getRepository(InboxEntity).find({ where: { status: 'received' }, order: { id: 'ASC' } });
          const open = await runtime.dataSource.getRepository(OutboxEntity).find({ where: { status: In(['pending', 'sending']) }, order: { id: 'ASC' } });
          const horizon = this.clock.now().getTime() + SCHEDULED_AFTER_MS;
          const busy = open.filter((row) => row.status === 'sending' || new Date(row.nextAttemptAt).getTime() <= horizon);
          if (idle && waiting.length === 0 && busy.length === 0) return true;
          const lines = [
            ...(idle ? [] : ['  the inbox is still processing a message']),
            ...waiting.map((m) => `  inbox #${m.id} from ${m.userId} ${JSON.stringify(m.text ?? m.msgType)}: attempt ${m.attempts}${m.lastError ? `, last error: ${m.lastError}` : ''}`),
            ...busy.map(
              (row) =>
                `  outbox #${row.id} ${row.channel} (${row.origin ?? 'no origin'}) ${row.status}, attempt ${row.attempts}, next ${beijing(new Date(row.nextAttemptAt).getTime())}${row.lastError ? `, last error: ${row.lastError}` : ''}`,
            ),
          ];
          throw new ConversationError(`still busy:\n${lines.join('\n')}`);
        },
        QUIET_TIMEOUT_MS,
        25,
      );
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new ConversationError(`The bot did not become quiet within ${QUIET_TIMEOUT_MS / 1000} s after ${after}; ${detail}`);
    }
  }

  /** New deliveries since the last collection; what is not claimed by a step goes to the pool of others. */
  private async collect(): Promise<{ deliveries: Delivery[]; cardUpdates: CardUpdate[]; fallback: Map<string, string> }> {
    const { deliveries, cardUpdates, dropped } = (this.ledger as Ledger).collect();
    this.droppedSoFar.push(...dropped);
    // robot answers that could not use their response_url went out as app messages: msgid → response_code
    const fallback = new Map<string, string>();
    if (deliveries.some((d) => d.via === 'app')) {
      const rows = await this.rt.dataSource.getRepository(OutboxEntity).find({ where: { channel: 'robot-response' } });
      for (const row of rows) {
        if (!row.remoteId) continue;
        try {
          const url = (JSON.parse(row.payload) as { responseUrl?: string }).responseUrl;
          const code = url ? new URL(url).searchParams.get('response_code') : null;
          if (code) fallback.set(row.remoteId, code);
        } catch {
          // not ours to judge here
        }
      }
    }
    return { deliveries, cardUpdates, fallback };
  }

  // ---- steps ----------------------------------------------------------------------------------------------------

  private async runStep(step: Step): Promise<void> {
    switch (step.type) {
      case 'user':
        return this.userSteps([step]);
      case 'together':
        return this.userSteps(step.steps);
      case 'expect':
        return this.expectStep(step);
      case 'restart':
        await this.settle('the previous step');
        await this.rt.stop();
        this.runtime = undefined;
        this.env = { ...this.env, ...step.env };
        await this.startRuntime();
        return;
      case 'advance':
        // nothing may be in flight when time jumps: leases would expire under a running send
        await this.settle('the previous step');
        this.clock.advance(step.ms);
        await this.runTimeDriven();
        return;
      case 'wait':
        return this.settle('the previous step');
      case 'store':
        return this.storeStep(step);
    }
  }

  private async userSteps(steps: UserStep[]): Promise<void> {
    await this.registerUsers();
    // anything still running from earlier steps belongs to them, not to this one
    await this.settle('the previous step');
    await this.absorbIntoPool();
    const posted = await Promise.all(steps.map((step) => this.post(step)));
    await this.settle(steps.length === 1 ? 'this message' : 'these messages');
    const { deliveries, cardUpdates, fallback } = await this.collect();

    const conversations = new Map<Posted, Delivery[]>(posted.map((p) => [p, [...p.passive]]));
    const byCode = new Map(posted.filter((p) => p.responseCode).map((p) => [p.responseCode as string, p]));
    const others: Delivery[] = [];
    for (const d of deliveries) {
      let owner: Posted | undefined;
      if (d.via === 'robot' && d.responseCode) owner = byCode.get(d.responseCode);
      else if (d.via === 'app' && d.msgid && fallback.has(d.msgid)) {
        const p = byCode.get(fallback.get(d.msgid) as string);
        owner = p && p.step.user.toLowerCase() === d.recipient ? p : undefined;
      } else if (d.via === 'app') {
        owner = posted.find((p) => p.step.via === 'app' && p.step.user.toLowerCase() === d.recipient);
      }
      if (owner) conversations.get(owner)?.push(d);
      else others.push(d);
    }
    const updates = new Map<Posted, CardUpdate[]>(posted.map((p) => [p, [...p.passiveUpdates]]));
    const otherUpdates: CardUpdate[] = [];
    for (const u of cardUpdates) {
      const owner = posted.find((p) => p.clickedMsgid === u.msgid);
      if (owner) {
        updates.get(owner)?.push(u);
        // one update may cover the same card of several people: the others' part is checked by `expect`
        const clicker = owner.step.user.toLowerCase();
        const rest = u.recipients.filter((r) => r !== clicker);
        if (rest.length) otherUpdates.push({ ...u, recipients: rest });
      } else {
        otherUpdates.push(u);
      }
    }

    const failures: string[] = [];
    for (const p of posted) {
      const problem = this.checkConversation(p, conversations.get(p) ?? [], updates.get(p) ?? [], steps.length > 1);
      if (problem) failures.push(problem);
    }
    if (failures.length) {
      if (others.length) {
        failures.push(`Also delivered by this step, to others:\n${others.map((d) => `  · ${deliveryTitle(d)}: ${oneLine(d.text)}`).join('\n')}`);
      }
      throw new ConversationError(failures.join('\n'));
    }
    this.pool.push(...others);
    this.updatePool.push(...otherUpdates);
  }

  /** Deliveries that arrived outside any user step (after advance, a restart …) are messages to others. */
  private async absorbIntoPool(): Promise<void> {
    const { deliveries, cardUpdates } = await this.collect();
    this.pool.push(...deliveries);
    this.updatePool.push(...cardUpdates);
  }

  private checkConversation(p: Posted, arrived: Delivery[], updates: CardUpdate[], inTogether: boolean): string | undefined {
    const { step } = p;
    const expected = step.bot;
    const problems: string[] = [];
    const verdicts = arrived.map(() => '');
    for (let i = 0; i < Math.max(expected.length, arrived.length); i++) {
      const e = expected[i];
      const d = arrived[i];
      if (e && d) {
        const wrong = messageProblems(d, e);
        verdicts[i] = wrong.length ? `✘ bot[${i}]` : `✔ bot[${i}]`;
        for (const w of wrong) problems.push(`bot[${i}] (${showMatcher(e)}): message ${i + 1} ${w}`);
      } else if (e) {
        problems.push(`bot[${i}] (${showMatcher(e)}): no such message`);
      } else if (d) {
        verdicts[i] = '✘ unexpected';
        problems.push(`message ${i + 1} is one more than the transcript expects`);
      }
    }
    if (step.cardUpdate) {
      const texts = updates.map((u) => u.text);
      if (texts.length === 0) problems.push(`cardUpdate (${showMatcher(step.cardUpdate)}): the clicked card was not updated`);
      else if (!texts.some((t) => textProblems(t, step.cardUpdate as TextMatcher).length === 0)) {
        problems.push(`cardUpdate (${showMatcher(step.cardUpdate)}): ${textProblems(texts[texts.length - 1], step.cardUpdate).join(', ')}`);
      }
    }
    if (problems.length === 0) return undefined;
    const where = step.in === 'group' ? `the group (answers to ${step.user}'s message)` : `${step.user}'s ${step.via === 'robot' ? 'robot ' : ''}single chat`;
    const lines: string[] = [];
    lines.push(
      expected.length === arrived.length
        ? `${arrived.length} message(s) in ${where}, as expected, but:`
        : `The transcript expects ${expected.length} message(s) in ${where}; ${arrived.length} arrived.`,
    );
    for (const problem of problems) lines.push(` - ${problem}`);
    if (arrived.length) {
      lines.push(`What arrived in ${where}:`);
      arrived.forEach((d, i) => lines.push(showDelivery(d, `[${i + 1}]${verdicts[i] ? ` ${verdicts[i]}` : ''}`)));
    }
    if (updates.length) {
      lines.push('Card updates:');
      for (const u of updates) lines.push(`  ${u.via === 'passive' ? 'passive update_button' : 'update_template_card'}: ${oneLine(u.text)}`);
    }
    if (this.droppedSoFar.length) lines.push(`The fake WeCom dropped messages for: ${this.droppedSoFar.join(', ')}`);
    return inTogether ? `${step.file}:${step.line} — ${describeStep(step)}\n${indent(lines.join('\n'))}` : lines.join('\n');
  }

  private async post(step: UserStep): Promise<Posted> {
    const app = this.app as WeComCallbackClient;
    const robot = this.robot as WeComCallbackClient;
    const fake = this.fake as FakeWeCom;
    const createTime = Math.floor(this.clock.now().getTime() / 1000);
    const posted: Posted = { step, passive: [], passiveUpdates: [] };
    let result: CallbackResult;
    if (step.via === 'robot') {
      const action = step.action;
      if (action.type !== 'says' && action.type !== 'sendsFile') throw new ConversationError('only "says" and "sendsFile" go through the robot');
      const group = step.in === 'group';
      const responseUrl = fake.mintResponseUrl({
        chatType: group ? 'group' : 'single',
        userId: step.user,
        chatId: group ? this.transcript.group : undefined,
        aibotId: ROBOT_ID,
      });
      posted.responseCode = new URL(responseUrl).searchParams.get('response_code') ?? undefined;
      const robotName = this.settings().WECOM_ROBOT_NAME;
      const json =
        action.type === 'sendsFile'
          ? buildRobotFileJson({
              userId: step.user,
              aibotId: ROBOT_ID,
              responseUrl,
              url: fake.putRobotFile(readFileSync(resolve(setupRootDir(), action.path)), ROBOT_KEY, action.expired ? { ttlMs: 0 } : {}),
            })
          : buildRobotTextJson({
              aibotId: ROBOT_ID,
              from: step.user,
              content: group ? `@${robotName} ${action.text}` : action.text,
              chatType: group ? 'group' : 'single',
              chatId: group ? this.transcript.group : undefined,
              responseUrl,
            });
      result = await robot.postRobotMessage(ROBOT_PATH, json);
      if (result.status === 200 && result.body.trim() !== '') this.readRobotPassive(posted, result);
    } else {
      let xml: string;
      const action = step.action;
      if (action.type === 'says') {
        xml = buildAppTextXml({ corpId: CORP_ID, from: step.user, content: action.text, agentId: AGENT_ID, createTime });
      } else if (action.type === 'event') {
        xml = buildAppEventXml({ corpId: CORP_ID, from: step.user, agentId: AGENT_ID, event: action.event, eventKey: action.eventKey, createTime });
      } else if (action.type === 'sendsFile') {
        throw new ConversationError('files go through the robot single chat');
      } else {
        const { card, key } = this.findButton(step.user, action.button);
        posted.clickedMsgid = card.msgid;
        xml = buildAppEventXml({
          corpId: CORP_ID,
          from: step.user,
          agentId: AGENT_ID,
          event: 'template_card_event',
          eventKey: key,
          taskId: typeof card.card?.task_id === 'string' ? card.card.task_id : undefined,
          cardType: typeof card.card?.card_type === 'string' ? card.card.card_type : undefined,
          responseCode: fake.mintCardEventResponseCode(card.msgid as string),
          createTime,
        });
      }
      result = await app.postAppMessage(APP_PATH, xml);
      if (result.status === 200 && result.body.trim() !== '' && result.body !== 'success') this.readAppPassive(posted, result);
    }
    if (result.status !== 200) {
      const how = result.status === undefined ? (result.attempts[result.attempts.length - 1]?.failure ?? 'no answer') : `HTTP ${result.status}`;
      throw new ConversationError(`${step.file}:${step.line}: the bot answered the callback with ${how} ${result.body ? JSON.stringify(result.body.slice(0, 300)) : ''}`);
    }
    return posted;
  }

  private findButton(user: string, text: string): { card: Delivery; key: string } {
    const cards = (this.ledger as Ledger).cards.get(user.toLowerCase()) ?? [];
    for (let i = cards.length - 1; i >= 0; i--) {
      const button = cardButtons(cards[i].card ?? {}).find((b) => b.text === text);
      if (button) {
        if (!button.key) throw new ConversationError(`the button [${text}] of the last card with it has no key (a link button cannot be clicked here)`);
        return { card: cards[i], key: button.key };
      }
    }
    const seen = cards.length
      ? cards.map((c) => `    · ${oneLine(c.text, 60)} — ${c.buttons.map((b) => `[${b}]`).join(' ') || 'no buttons'}`).join('\n')
      : '    (none)';
    throw new ConversationError(`${user} has received no card with a button [${text}]. Cards ${user} received:\n${seen}`);
  }

  private readAppPassive(posted: Posted, result: CallbackResult): void {
    const user = posted.step.user.toLowerCase();
    const plaintext = (this.app as WeComCallbackClient).decryptAppReply(result.body);
    const msgType = readXmlField(plaintext, 'MsgType') ?? '?';
    const at = this.clock.now().getTime();
    if (msgType === 'update_button') {
      posted.passiveUpdates.push({ msgid: posted.clickedMsgid ?? '', recipients: [user], text: readXmlField(plaintext, 'ReplaceName') ?? '', via: 'passive' });
      return;
    }
    const content = readXmlField(plaintext, 'Content');
    posted.passive.push({ via: 'passive', recipient: user, kind: kindOf(msgType), msgtype: msgType, text: content ?? plaintext, buttons: [], at });
  }

  private readRobotPassive(posted: Posted, result: CallbackResult): void {
    const user = posted.step.user.toLowerCase();
    const reply = (this.robot as WeComCallbackClient).decryptRobotReply(result.body, result.request.query.nonce) as Record<string, unknown>;
    const at = this.clock.now().getTime();
    if (reply.response_type === 'update_template_card') {
      const card = (reply.template_card ?? {}) as Record<string, unknown>;
      posted.passiveUpdates.push({ msgid: posted.clickedMsgid ?? '', recipients: [user], text: cardText(card), via: 'passive' });
      return;
    }
    const msgtype = String(reply.msgtype ?? '?');
    if (msgtype === 'stream') {
      const stream = (reply.stream ?? {}) as { content?: unknown };
      posted.passive.push({ via: 'passive', recipient: user, kind: 'markdown', msgtype: 'stream', text: String(stream.content ?? ''), buttons: [], at });
      return;
    }
    posted.passive.push({ via: 'passive', recipient: user, ...fromBody(msgtype, reply, undefined), at });
  }

  private async expectStep(step: ExpectStep): Promise<void> {
    await this.settle('the previous step');
    await this.absorbIntoPool();
    const pool = [...this.pool];
    const updates = [...this.updatePool];
    const problems: string[] = [];
    let missing = false;
    for (const item of step.items) {
      if (item.type === 'nothingElse') continue;
      if (item.type === 'cardUpdate') {
        const to = item.to.toLowerCase();
        const index = updates.findIndex((u) => u.recipients.includes(to) && textProblems(u.text, item.matcher).length === 0);
        if (index >= 0) {
          // an update of the same card for several people: use up this person's part only
          const rest = updates[index].recipients.filter((r) => r !== to);
          if (rest.length) updates[index] = { ...updates[index], recipients: rest };
          else updates.splice(index, 1);
          continue;
        }
        missing = true;
        problems.push(`${item.file}:${item.line}: no card update for ${item.to} (${showMatcher(item.matcher)})`);
        continue;
      }
      const recipient = item.type === 'webhook' ? `webhook:${item.key ?? WEBHOOK_KEY}` : item.to.toLowerCase();
      const what = item.type === 'webhook' ? 'any' : item.what;
      const candidates = pool.filter(
        (d) => d.recipient === recipient && (what === 'any' || (what === 'card' ? d.kind === 'card' : d.kind === 'text' || d.kind === 'markdown')),
      );
      const hit = candidates.find((d) => messageProblems(d, item.matcher).length === 0);
      if (hit) {
        pool.splice(pool.indexOf(hit), 1);
        continue;
      }
      missing = true;
      const whom = item.type === 'webhook' ? 'the group webhook' : item.to;
      const lines = [`${item.file}:${item.line}: no ${what === 'any' ? 'message' : what} to ${whom} (${showMatcher(item.matcher)}).`];
      if (candidates.length) {
        lines.push(`  ${candidates.length} other ${what === 'any' ? 'message(s)' : `${what} message(s)`} to ${whom} arrived:`);
        candidates.forEach((d, i) => lines.push(showDelivery(d, `[${i + 1}]`), `${INDENT}✘ ${messageProblems(d, item.matcher).join('; ')}`));
      }
      problems.push(lines.join('\n'));
    }
    if (step.items.some((i) => i.type === 'nothingElse') && pool.length) {
      problems.push(`nothingElse, but ${pool.length} more message(s) arrived:\n${pool.map((d, i) => showDelivery(d, `[${i + 1}]`)).join('\n')}`);
    }
    if (problems.length) {
      let all = '';
      if (missing) {
        all = this.pool.length
          ? `\nEverything delivered to others since the previous expect step:\n${this.pool.map((d) => `  · ${deliveryTitle(d)}: ${oneLine(d.text)}`).join('\n')}`
          : '\nNothing was delivered to others since the previous expect step.';
      }
      const dropped = this.droppedSoFar.length ? `\nThe fake WeCom dropped messages for: ${this.droppedSoFar.join(', ')}` : '';
      throw new ConversationError(`${problems.join('\n')}${all}${dropped}`);
    }
    this.pool = [];
    this.updatePool = [];
  }

  private async storeStep(step: StoreStep): Promise<void> {
    await this.settle('the previous step');
    const dataSource = this.rt.dataSource;
    let rows: Array<Record<string, unknown>>;
    try {
      rows = await dataSource.query(`SELECT * FROM ${dataSource.driver.escape(step.table)}`);
    } catch (error) {
      throw new ConversationError(`cannot read the table ${step.table}: ${(error as Error).message}`);
    }
    if (rows.length && 'id' in rows[0]) rows.sort((a, b) => Number(a.id) - Number(b.id));
    const columns = rows.length ? Object.keys(rows[0]) : [];
    const wanted = [...Object.keys(step.where), ...(step.rows ?? []).flatMap((r) => Object.keys(r))];
    const unknown = rows.length ? [...new Set(wanted)].filter((c) => !columns.includes(c)) : [];
    if (unknown.length) throw new ConversationError(`the table ${step.table} has no column ${unknown.join(', ')} (columns: ${columns.join(', ')})`);

    const selected = rows.filter((row) => Object.entries(step.where).every(([column, value]) => valueMatches(row[column], value)));
    const problems: string[] = [];
    const count = step.rows ? step.rows.length : step.count;
    if (count !== undefined && selected.length !== count) problems.push(`expected ${count} row(s), found ${selected.length}`);
    if (step.rows) {
      step.rows.forEach((expected, i) => {
        const row = selected[i];
        if (!row) return;
        const wrong = Object.entries(expected).filter(([column, value]) => !valueMatches(row[column], value));
        for (const [column, value] of wrong) {
          problems.push(`row ${i + 1}: ${column} is ${displayCell(row[column])}, expected ${JSON.stringify(value)}`);
        }
      });
    }
    if (problems.length === 0) return;
    const focus = [...new Set(wanted)];
    const filter = Object.keys(step.where).length ? ` where ${JSON.stringify(step.where)}` : '';
    const lines = [`${step.table}${filter}:`, ...problems.map((p) => ` - ${p}`)];
    lines.push(selected.length ? 'The rows found (times in Beijing):' : `No row matches; the table holds ${rows.length} row(s)${rows.length ? ':' : '.'}`);
    for (const row of (selected.length ? selected : rows).slice(0, 20)) lines.push(`  ${showRow(row, focus)}`);
    throw new ConversationError(lines.join('\n'));
  }
}

/** Whether `promise` settled within `ms` (it keeps running either way). */
async function settleWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => true,
      ),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), ms);
      }),
    ]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms / 1000} s`)), ms);
      }),
    ]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}
