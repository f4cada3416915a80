/**
 * Conversation transcripts (test/conversations/**\/*.yaml): their JSON Schema, the types the runner works with, and
 * the loader. A transcript with a typo fails to load with the file, the line, the step and what is wrong — never
 * with a confusing failure half-way through a conversation. The format is described in test/conversations/README.md.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Ajv, { type ErrorObject } from 'ajv';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Document } from 'yaml';

// ---------------------------------------------------------------------------------------------------------------
// What the runner works with (normalised: shorthands expanded, defaults filled in)
// ---------------------------------------------------------------------------------------------------------------

/** Tables a `store` step may read. Add a table here when a feature creates one. */
export const STORE_TABLES = [
  'accounts',
  'filings',
  'flow_sessions',
  'audit_log',
  'outbox',
  'inbound_messages',
  'units',
  'contacts',
  'contact_roles',
  'admin_grants',
  'bulletins',
  'bulletin_recipients',
  'deadlines',
  'deadline_targets',
  'reminders',
  'inspection_rounds',
  'findings',
  'rectifications',
  'inspection_queue',
  'inspection_imports',
  'inspection_uploads',
] as const;

export type StoreTable = (typeof STORE_TABLES)[number];

/** Checks on one text (a message, a card's text). Every list is "all of". */
export interface TextMatcher {
  contains: string[];
  notContains: string[];
  /** Regular expressions (JavaScript syntax, no flags) that must each find a match. */
  matches: string[];
  /** The whole text, exactly. */
  equals?: string;
}

export type MessageKind = 'text' | 'markdown' | 'card';

export interface MessageMatcher extends TextMatcher {
  /** text and markdown are what the user reads; card is a template_card. */
  kind?: MessageKind;
  /** A card's buttons, exactly and in order (implies kind card). */
  buttons?: string[];
}

/** Where a step sits in its file, for messages. */
export interface Position {
  file: string;
  line: number;
}

export type UserAction =
  | { type: 'says'; text: string }
  /** a file sent to the robot's single chat (path from the repository root); `expired`: its link is already dead */
  | { type: 'sendsFile'; path: string; expired: boolean }
  | { type: 'clicks'; button: string }
  | { type: 'event'; event: string; eventKey?: string };

export interface UserStep extends Position {
  type: 'user';
  /** 1-based number of the step in its transcript (a step inside `together` carries its parent's number). */
  number: number;
  user: string;
  in: 'single' | 'group';
  /** Which WeCom channel carries the message: the self-built app or the intelligent robot. */
  via: 'app' | 'robot';
  action: UserAction;
  /** The new messages in this user's conversation, in order; their number must match. */
  bot: MessageMatcher[];
  /** Checks on the clicked card's update (update_button passive reply or update_template_card), when given. */
  cardUpdate?: TextMatcher;
}

export interface TogetherStep extends Position {
  type: 'together';
  number: number;
  steps: UserStep[];
}

export type ExpectItem =
  | (Position & { type: 'to'; to: string; what: 'text' | 'card' | 'any'; matcher: MessageMatcher })
  | (Position & { type: 'cardUpdate'; to: string; matcher: TextMatcher })
  | (Position & { type: 'webhook'; key?: string; matcher: MessageMatcher })
  | (Position & { type: 'nothingElse' });

export interface ExpectStep extends Position {
  type: 'expect';
  number: number;
  items: ExpectItem[];
}

export interface RestartStep extends Position {
  type: 'restart';
  number: number;
  env: Record<string, string>;
}

export interface AdvanceStep extends Position {
  type: 'advance';
  number: number;
  ms: number;
  text: string;
}

export interface WaitStep extends Position {
  type: 'wait';
  number: number;
  for: 'outbox';
}

/** An expected column value: a plain value (normalised comparison), a JSON subset, or an operator object. */
export type StoreValue = unknown;

export interface StoreStep extends Position {
  type: 'store';
  number: number;
  table: StoreTable;
  where: Record<string, StoreValue>;
  rows?: Array<Record<string, StoreValue>>;
  count?: number;
}

export type Step = UserStep | TogetherStep | ExpectStep | RestartStep | AdvanceStep | WaitStep | StoreStep;

export interface Transcript extends Position {
  name: string;
  /** ISO time with an offset; undefined = real time. */
  start?: string;
  setup: string[];
  env: Record<string, string>;
  group: string;
  steps: Step[];
}

export const DEFAULT_GROUP_CHAT_ID = 'wrkConvTestGroup01';

/** Settings that wire the bot to the harness (database, fake WeCom): a transcript's `env` cannot change them. */
export const WIRING_SETTINGS: readonly string[] = [
  'DATABASE_URL',
  'DB_MIGRATIONS_RUN',
  'WECOM_API_BASE',
  'WECOM_CORP_ID',
  'WECOM_AGENT_ID',
  'WECOM_SECRET',
  'WECOM_TOKEN',
  'WECOM_ENCODING_AES_KEY',
  'WECOM_ROBOT_TOKEN',
  'WECOM_ROBOT_ENCODING_AES_KEY',
  'WECOM_ROBOT_ID',
  'WECOM_GROUP_WEBHOOK_URL',
  'PORT',
];

// ---------------------------------------------------------------------------------------------------------------
// The JSON Schema
// ---------------------------------------------------------------------------------------------------------------

const STEP_KINDS = ['user', 'together', 'expect', 'restart', 'advance', 'wait', 'store'] as const;
const DURATION_PATTERN = '^([0-9]+(ms|s|m|h|d))+$';
const ENV_NAME_PATTERN = '^[A-Z][A-Z0-9_]*$';
const COLUMN_PATTERN = '^[a-z_][a-z0-9_]*$';

const textOrList = { type: ['string', 'array'], items: { type: 'string' }, minItems: 1 };

const textMatcherProperties = {
  contains: textOrList,
  notContains: textOrList,
  matches: textOrList,
  equals: { type: 'string' },
};

/** A text matcher; a plain string is short for { contains: <string> }. */
const textMatcherSchema = {
  type: ['string', 'object'],
  properties: textMatcherProperties,
  additionalProperties: false,
};

/** A message matcher; a plain string is short for { contains: <string> }. */
const messageMatcherSchema = {
  type: ['string', 'object'],
  properties: {
    ...textMatcherProperties,
    kind: { enum: ['text', 'markdown', 'card'] },
    buttons: { type: 'array', items: { type: 'string' } },
  },
  additionalProperties: false,
};

const envMap = {
  type: 'object',
  propertyNames: { pattern: ENV_NAME_PATTERN },
  additionalProperties: { type: ['string', 'number', 'boolean'] },
};

const userStepSchema = {
  type: 'object',
  properties: {
    user: { type: 'string', minLength: 1 },
    in: { enum: ['single', 'group'] },
    via: { enum: ['app', 'robot'] },
    says: { type: 'string', minLength: 1 },
    sendsFile: { type: 'string', minLength: 1 },
    fileExpired: { type: 'boolean' },
    clicks: { type: 'string', minLength: 1 },
    event: { type: 'string', minLength: 1 },
    eventKey: { type: 'string' },
    bot: { type: 'array', items: messageMatcherSchema },
    cardUpdate: textMatcherSchema,
  },
  required: ['user', 'bot'],
  requireKeys: { exactlyOne: ['says', 'sendsFile', 'clicks', 'event'] },
  additionalProperties: false,
};

const expectItemSchema = {
  type: 'object',
  properties: {
    to: { type: 'string', minLength: 1 },
    text: messageMatcherSchema,
    card: messageMatcherSchema,
    message: messageMatcherSchema,
    cardUpdate: textMatcherSchema,
    webhook: messageMatcherSchema,
    key: { type: 'string', minLength: 1 },
    nothingElse: { const: true },
  },
  requireKeys: { exactlyOne: ['to', 'webhook', 'nothingElse'], atMostOne: ['text', 'card', 'message', 'cardUpdate'] },
  additionalProperties: false,
};

const storeStepSchema = {
  type: 'object',
  properties: {
    table: { enum: [...STORE_TABLES] },
    where: { type: 'object', propertyNames: { pattern: COLUMN_PATTERN } },
    rows: { type: 'array', items: { type: 'object', propertyNames: { pattern: COLUMN_PATTERN } } },
    count: { type: 'integer', minimum: 0 },
  },
  required: ['table'],
  requireKeys: { atLeastOne: ['rows', 'count'] },
  additionalProperties: false,
};

/** The JSON Schema of one transcript (a file holds one, or a list of them). */
export const transcriptSchema = {
  $id: 'conversation-transcript',
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1 },
    start: {
      type: 'string',
      pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]+)?)?(Z|[+-][0-9]{2}:[0-9]{2})$',
    },
    setup: { type: 'array', items: { type: 'string', minLength: 1 } },
    env: envMap,
    group: { type: 'string', minLength: 1 },
    steps: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        requireKeys: { exactlyOne: [...STEP_KINDS] },
        allOf: [
          { if: { required: ['user'] }, then: userStepSchema },
          {
            if: { required: ['together'] },
            then: {
              properties: { together: { type: 'array', minItems: 2, items: userStepSchema } },
              additionalProperties: false,
            },
          },
          {
            if: { required: ['expect'] },
            then: { properties: { expect: { type: 'array', minItems: 1, items: expectItemSchema } }, additionalProperties: false },
          },
          {
            if: { required: ['restart'] },
            then: {
              properties: {
                restart: {
                  type: ['object', 'null', 'boolean'],
                  properties: { env: envMap },
                  additionalProperties: false,
                },
              },
              additionalProperties: false,
            },
          },
          {
            if: { required: ['advance'] },
            then: { properties: { advance: { type: 'string', pattern: DURATION_PATTERN } }, additionalProperties: false },
          },
          {
            if: { required: ['wait'] },
            then: { properties: { wait: { enum: ['outbox'] } }, additionalProperties: false },
          },
          { if: { required: ['store'] }, then: { properties: { store: storeStepSchema }, additionalProperties: false } },
        ],
      },
    },
  },
  required: ['name', 'steps'],
  additionalProperties: false,
} as const;

interface RequireKeys {
  exactlyOne?: string[];
  atLeastOne?: string[];
  atMostOne?: string[];
}

const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true, verbose: true });
ajv.addKeyword({
  keyword: 'requireKeys',
  type: 'object',
  schemaType: 'object',
  errors: true,
  validate: function requireKeys(rule: RequireKeys, data: Record<string, unknown>): boolean {
    const present = (keys: string[]) => keys.filter((k) => Object.prototype.hasOwnProperty.call(data, k));
    const messages: string[] = [];
    if (rule.exactlyOne) {
      const found = present(rule.exactlyOne);
      if (found.length === 0) {
        const keys = Object.keys(data);
        messages.push(`needs one of: ${rule.exactlyOne.join(', ')}${keys.length ? ` (found: ${keys.join(', ')})` : ''}`);
      }
      else if (found.length > 1) messages.push(`has ${found.join(' and ')}: only one of them is allowed here`);
    }
    if (rule.atLeastOne && present(rule.atLeastOne).length === 0) messages.push(`needs ${rule.atLeastOne.join(' or ')}`);
    if (rule.atMostOne) {
      const found = present(rule.atMostOne);
      if (found.length > 1) messages.push(`has ${found.join(' and ')}: only one of them is allowed here`);
    }
    (requireKeys as unknown as { errors: Array<Partial<ErrorObject>> }).errors = messages.map((message) => ({
      keyword: 'requireKeys',
      message,
      params: {},
    }));
    return messages.length === 0;
  },
});
const validateTranscript = ajv.compile(transcriptSchema);

// ---------------------------------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------------------------------

/**
 * Every problem of a transcript file, one per line: "file:line: transcript …, step 3 › bot[0]: …". Its only stack
 * frame is the first problem's line, so jest shows the YAML there instead of the loader's code.
 */
export class TranscriptError extends Error {
  constructor(
    readonly problems: string[],
    where?: { path: string; line: number },
  ) {
    super(`${problems.length} problem${problems.length === 1 ? '' : 's'} in a transcript file:\n${problems.join('\n')}`);
    this.name = 'TranscriptError';
    if (where) this.stack = `${this.name}: ${this.message}\n    at transcript (${where.path}:${where.line}:1)`;
  }
}

export interface LoadOptions {
  /** Setup names the runner knows (unknown ones are a load error). */
  knownSetups: readonly string[];
  /** How the file is named in messages (default: the path as given). */
  displayName?: string;
  /** The file's absolute path, for the position jest shows (set by loadTranscriptFile). */
  sourcePath?: string;
}

export function loadTranscriptFile(path: string, options: LoadOptions): Transcript[] {
  return parseTranscripts(readFileSync(path, 'utf8'), options.displayName ?? path, { ...options, sourcePath: resolve(path) });
}

/** Keys whose values are texts: a plain scalar such as `1.` or `010` is kept exactly as written, not made a number. */
const TEXT_KEYS = new Set([
  'name',
  'start',
  'group',
  'setup',
  'user',
  'says',
  'sendsFile',
  'clicks',
  'event',
  'eventKey',
  'bot',
  'contains',
  'notContains',
  'matches',
  'equals',
  'buttons',
  'to',
  'text',
  'card',
  'message',
  'cardUpdate',
  'webhook',
  'key',
  'advance',
  'wait',
  'table',
]);

interface Located {
  /** Offset of the value (or the key, for a map entry) in the source. */
  valueOffset: number;
  keyOffsets: Map<string, number>;
}

/** Parse a file's text: one transcript, a list of them, or several YAML documents of either. */
export function parseTranscripts(source: string, file: string, options: LoadOptions): Transcript[] {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(source, { lineCounter, prettyErrors: false });
  const lineOf = (offset: number) => lineCounter.linePos(offset).line;
  const problems: string[] = [];
  let firstLine: number | undefined;
  const report = (line: number, text: string) => {
    firstLine ??= line;
    problems.push(`${file}:${line}: ${text}`);
  };
  if (!Array.isArray(docs)) return []; // an empty file
  const raws: Array<{ data: unknown; locate: (path: Array<string | number>) => number }> = [];
  for (const doc of docs) {
    for (const error of doc.errors) report(lineOf(error.pos[0]), `YAML: ${error.message.split('\n')[0]}`);
    if (doc.errors.length) continue;
    const locations = new Map<string, Located>();
    const data = convert(doc, doc.contents, false, '', locations);
    const locate = (path: Array<string | number>): number => {
      for (let n = path.length; n >= 0; n--) {
        const found = locations.get(pointer(path.slice(0, n)));
        if (!found) continue;
        const next = path[n];
        if (n < path.length && typeof next === 'string' && found.keyOffsets.has(next)) return found.keyOffsets.get(next) ?? 0;
        return found.valueOffset;
      }
      return 0;
    };
    if (Array.isArray(data)) {
      data.forEach((item, i) => raws.push({ data: item, locate: (path) => locate([i, ...path]) }));
    } else if (data !== null && data !== undefined) {
      raws.push({ data, locate });
    }
  }

  const transcripts: Transcript[] = [];
  const names = new Map<string, number>();
  for (const raw of raws) {
    const at = (path: Array<string | number>) => lineOf(raw.locate(path));
    const label = describeRaw(raw.data);
    const problem = (path: Array<string | number>, message: string) => report(at(path), `${label}${pathLabel(path)}: ${message}`);
    if (!validateTranscript(raw.data)) {
      for (const error of relevantErrors(validateTranscript.errors ?? [])) {
        const { path, message } = explain(error);
        problem(path, message);
      }
      continue;
    }
    const transcript = normalise(raw.data as RawTranscript, file, at, problem, options);
    if (!transcript) continue;
    const previous = names.get(transcript.name);
    if (previous !== undefined) {
      problem(['name'], `the name is already used by the transcript on line ${previous}; names must be unique in a file`);
      continue;
    }
    names.set(transcript.name, transcript.line);
    transcripts.push(transcript);
  }
  if (problems.length) {
    throw new TranscriptError(problems, options.sourcePath && firstLine !== undefined ? { path: options.sourcePath, line: firstLine } : undefined);
  }
  return transcripts;
}

/** YAML node → plain data, with the source offsets of every value and map key (by JSON pointer). */
function convert(doc: Document, node: unknown, text: boolean, path: string, locations: Map<string, Located>): unknown {
  if (isAlias(node)) return convert(doc, node.resolve(doc), text, path, locations);
  const offset = (node as { range?: [number, number, number] } | null)?.range?.[0] ?? 0;
  if (isMap(node)) {
    const keyOffsets = new Map<string, number>();
    locations.set(path, { valueOffset: offset, keyOffsets });
    const out: Record<string, unknown> = {};
    const parentKey = lastSegment(path);
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      keyOffsets.set(key, (pair.key as { range?: [number, number, number] } | null)?.range?.[0] ?? offset);
      const childText = TEXT_KEYS.has(key) || parentKey === 'env';
      const childPath = `${path}/${escapePointer(key)}`;
      out[key] = convert(doc, pair.value, childText, childPath, locations);
      if (!locations.has(childPath)) {
        const valueOffset = (pair.value as { range?: [number, number, number] } | null)?.range?.[0] ?? keyOffsets.get(key) ?? offset;
        locations.set(childPath, { valueOffset, keyOffsets: new Map() });
      }
    }
    return out;
  }
  if (isSeq(node)) {
    locations.set(path, { valueOffset: offset, keyOffsets: new Map() });
    return node.items.map((item, i) => convert(doc, item, text, `${path}/${i}`, locations));
  }
  if (isScalar(node)) {
    locations.set(path, { valueOffset: offset, keyOffsets: new Map() });
    const value = node.value;
    if (text && value !== null && typeof value !== 'string') return node.source ?? String(value);
    // integers beyond 2^53 (message ids …) keep their digits
    if (typeof value === 'number' && node.source && /^-?[0-9]+$/.test(node.source) && !Number.isSafeInteger(value)) return node.source;
    return value;
  }
  return node ?? null;
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function pointer(path: Array<string | number>): string {
  return path.map((p) => `/${escapePointer(String(p))}`).join('');
}

function lastSegment(path: string): string {
  const i = path.lastIndexOf('/');
  return path.slice(i + 1).replace(/~1/g, '/').replace(/~0/g, '~');
}

function parsePointer(instancePath: string): Array<string | number> {
  if (!instancePath) return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((p) => (/^[0-9]+$/.test(p) ? Number(p) : p));
}

/** "step 3 › bot[0] › contains" */
function pathLabel(path: Array<string | number>): string {
  const parts: string[] = [];
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    if (seg === 'steps' && typeof path[i + 1] === 'number') {
      parts.push(`step ${(path[i + 1] as number) + 1}`);
      i++;
    } else if (typeof seg === 'number' && parts.length) {
      parts[parts.length - 1] += `[${seg}]`;
    } else {
      parts.push(String(seg));
    }
  }
  return parts.length ? `, ${parts.join(' › ')}` : '';
}

function describeRaw(data: unknown): string {
  const name = data !== null && typeof data === 'object' ? (data as { name?: unknown }).name : undefined;
  return typeof name === 'string' ? `transcript "${name}"` : 'transcript (no name)';
}

/** Drops the echo errors of if/then and of union types that say nothing the inner error does not. */
function relevantErrors(errors: ErrorObject[]): ErrorObject[] {
  return errors.filter((e) => e.keyword !== 'if' && e.keyword !== 'propertyNames');
}

function explain(error: ErrorObject): { path: Array<string | number>; message: string } {
  const path = parsePointer(error.instancePath);
  const parent = error.parentSchema as { properties?: Record<string, unknown>; enum?: unknown[] } | undefined;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String((error.params as { additionalProperty: string }).additionalProperty);
      const allowed = Object.keys(parent?.properties ?? {});
      const close = allowed.find((a) => similar(a, key));
      return {
        path: [...path, key],
        message: `unknown key "${key}"${close ? ` — did you mean "${close}"?` : ''} (allowed here: ${allowed.join(', ')})`,
      };
    }
    case 'required':
      return { path, message: `needs "${String((error.params as { missingProperty: string }).missingProperty)}"` };
    case 'enum':
      return { path, message: `is ${JSON.stringify(error.data)}; allowed: ${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}` };
    case 'const':
      return { path, message: `must be ${JSON.stringify((error.params as { allowedValue: unknown }).allowedValue)}` };
    case 'type': {
      const wanted = String((error.params as { type: string | string[] }).type)
        .split(',')
        .map((t) => ({ string: 'a text', array: 'a list', object: 'a mapping', number: 'a number', integer: 'an integer', boolean: 'true or false', null: 'empty' })[t] ?? t);
      return { path, message: `must be ${wanted.join(' or ')}, not ${JSON.stringify(error.data)}` };
    }
    case 'pattern': {
      const pattern = (error.params as { pattern: string }).pattern;
      const what =
        pattern === DURATION_PATTERN
          ? 'a duration such as 90s, 31m, 2h, 1d or 1h30m'
          : pattern === ENV_NAME_PATTERN
            ? 'an environment variable name (A-Z, 0-9, _)'
            : pattern === COLUMN_PATTERN
              ? 'a column name as in the database (snake_case)'
              : pattern.startsWith('^[0-9]{4}')
                ? 'a time with its offset, e.g. 2026-11-20T09:00:00+08:00'
                : `a text matching ${pattern}`;
      return { path, message: `${JSON.stringify(error.data)} is not ${what}` };
    }
    case 'propertyNames':
      return { path, message: `has a key that is not allowed (${error.message ?? ''})` };
    case 'minItems':
      return { path, message: `needs at least ${(error.params as { limit: number }).limit} item(s)` };
    case 'minLength':
      return { path, message: 'must not be empty' };
    default:
      return { path, message: error.message ?? error.keyword };
  }
}

/** Edit distance ≤ 2, or one contains the other: good enough for "did you mean". */
function similar(a: string, b: string): boolean {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  if (x.includes(y) || y.includes(x)) return true;
  const d: number[][] = Array.from({ length: x.length + 1 }, (_, i) => [i, ...Array<number>(y.length).fill(0)]);
  for (let j = 1; j <= y.length; j++) d[0][j] = j;
  for (let i = 1; i <= x.length; i++) {
    for (let j = 1; j <= y.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
  }
  return d[x.length][y.length] <= 2;
}

// ---------------------------------------------------------------------------------------------------------------
// Normalising a valid raw transcript, with the checks a schema cannot make
// ---------------------------------------------------------------------------------------------------------------

type RawMatcher = string | { contains?: string | string[]; notContains?: string | string[]; matches?: string | string[]; equals?: string; kind?: MessageKind; buttons?: string[] };

interface RawUserStep {
  user: string;
  in?: 'single' | 'group';
  via?: 'app' | 'robot';
  says?: string;
  sendsFile?: string;
  fileExpired?: boolean;
  clicks?: string;
  event?: string;
  eventKey?: string;
  bot: RawMatcher[];
  cardUpdate?: RawMatcher;
}

interface RawExpectItem {
  to?: string;
  text?: RawMatcher;
  card?: RawMatcher;
  message?: RawMatcher;
  cardUpdate?: RawMatcher;
  webhook?: RawMatcher;
  key?: string;
  nothingElse?: true;
}

interface RawStep extends Partial<RawUserStep> {
  together?: RawUserStep[];
  expect?: RawExpectItem[];
  restart?: null | boolean | { env?: Record<string, string | number | boolean> };
  advance?: string;
  wait?: 'outbox';
  store?: { table: StoreTable; where?: Record<string, unknown>; rows?: Array<Record<string, unknown>>; count?: number };
}

interface RawTranscript {
  name: string;
  start?: string;
  setup?: string[];
  env?: Record<string, string | number | boolean>;
  group?: string;
  steps: RawStep[];
}

type Problem = (path: Array<string | number>, message: string) => void;

function normalise(
  raw: RawTranscript,
  file: string,
  at: (path: Array<string | number>) => number,
  problem: Problem,
  options: LoadOptions,
): Transcript | undefined {
  let ok = true;
  const fail: Problem = (path, message) => {
    ok = false;
    problem(path, message);
  };
  if (raw.start !== undefined && Number.isNaN(new Date(raw.start).getTime())) fail(['start'], `${raw.start} is not a valid time`);
  const checkEnv = (env: Record<string, unknown> | undefined, path: Array<string | number>) => {
    for (const key of Object.keys(env ?? {})) {
      if (WIRING_SETTINGS.includes(key)) fail([...path, key], `${key} wires the bot to the harness and cannot be set by a transcript`);
    }
  };
  checkEnv(raw.env, ['env']);
  raw.steps.forEach((step, i) => {
    if (step.restart && typeof step.restart === 'object') checkEnv(step.restart.env, ['steps', i, 'restart', 'env']);
  });
  (raw.setup ?? []).forEach((name, i) => {
    if (!options.knownSetups.includes(name)) fail(['setup', i], `unknown setup "${name}" (known: ${options.knownSetups.join(', ')})`);
  });

  const steps: Step[] = raw.steps.map((step, i): Step => {
    const path = ['steps', i];
    const pos = { file, line: at(path), number: i + 1 };
    if (step.together) {
      const inner = step.together.map((s, j) => userStep(s, [...path, 'together', j], { ...pos, line: at([...path, 'together', j]) }, fail));
      const appUsers = inner.filter((s) => s.via === 'app').map((s) => s.user);
      const twice = appUsers.find((u, k) => appUsers.indexOf(u) !== k);
      if (twice) fail([...path, 'together'], `${twice} sends two app messages at once: their answers could not be told apart (use the group, or two steps)`);
      return { type: 'together', ...pos, steps: inner };
    }
    if (step.expect) {
      return {
        type: 'expect',
        ...pos,
        items: step.expect.map((item, j): ExpectItem => {
          const itemPath = [...path, 'expect', j];
          const itemPos = { file, line: at(itemPath) };
          if (item.nothingElse) return { type: 'nothingElse', ...itemPos };
          if (item.webhook !== undefined) {
            if (item.text || item.card || item.message || item.cardUpdate) fail(itemPath, 'a webhook item takes its checks under "webhook"');
            return { type: 'webhook', ...itemPos, key: item.key, matcher: messageMatcher(item.webhook, [...itemPath, 'webhook'], fail) };
          }
          if (item.key !== undefined) fail([...itemPath, 'key'], '"key" belongs to webhook items');
          const to = item.to as string;
          if (item.cardUpdate !== undefined) {
            return { type: 'cardUpdate', ...itemPos, to, matcher: textMatcherOf(item.cardUpdate, [...itemPath, 'cardUpdate'], fail) };
          }
          const what = item.text !== undefined ? 'text' : item.card !== undefined ? 'card' : 'any';
          const matcher = messageMatcher(item.text ?? item.card ?? item.message ?? {}, [...itemPath, what === 'any' ? 'message' : what], fail);
          if (what === 'text' && (matcher.buttons || matcher.kind === 'card')) fail(itemPath, 'a text message has no buttons: use "card"');
          return { type: 'to', ...itemPos, to, what, matcher };
        }),
      };
    }
    if (Object.prototype.hasOwnProperty.call(step, 'restart')) {
      const env = typeof step.restart === 'object' && step.restart ? envOf(step.restart.env) : {};
      return { type: 'restart', ...pos, env };
    }
    if (step.advance !== undefined) return { type: 'advance', ...pos, ms: parseDuration(step.advance), text: step.advance };
    if (step.wait !== undefined) return { type: 'wait', ...pos, for: step.wait };
    if (step.store) {
      const { table, where, rows, count } = step.store;
      if (rows && count !== undefined && rows.length !== count) {
        fail([...path, 'store', 'count'], `count ${count} but ${rows.length} rows listed: give one of them`);
      }
      return { type: 'store', ...pos, table, where: where ?? {}, rows, count };
    }
    return userStep(step as RawUserStep, path, pos, fail);
  });

  if (!ok) return undefined;
  return {
    name: raw.name,
    file,
    line: at([]),
    start: raw.start,
    setup: raw.setup ?? [],
    env: envOf(raw.env),
    group: raw.group ?? DEFAULT_GROUP_CHAT_ID,
    steps,
  };
}

function userStep(raw: RawUserStep, path: Array<string | number>, pos: Position & { number: number }, fail: Problem): UserStep {
  const chat = raw.in ?? 'single';
  const via = raw.via ?? (chat === 'group' ? 'robot' : 'app');
  if (chat === 'group' && via === 'app') fail([...path, 'via'], 'group messages come through the robot (in: group needs via: robot)');
  let action: UserAction;
  if (raw.says !== undefined) action = { type: 'says', text: raw.says };
  else if (raw.sendsFile !== undefined) action = { type: 'sendsFile', path: raw.sendsFile, expired: raw.fileExpired === true };
  else if (raw.clicks !== undefined) action = { type: 'clicks', button: raw.clicks };
  else action = { type: 'event', event: raw.event as string, eventKey: raw.eventKey };
  if (action.type !== 'event' && raw.eventKey !== undefined) fail([...path, 'eventKey'], '"eventKey" goes with "event"');
  if (action.type !== 'says' && action.type !== 'sendsFile' && via === 'robot') fail(path, `"${action.type}" is supported for app single chats only (not via the robot)`);
  if (action.type === 'sendsFile' && (via !== 'robot' || chat !== 'single')) fail([...path, 'sendsFile'], 'files come through the robot single chat (via: robot, in: single)');
  if (raw.fileExpired !== undefined && action.type !== 'sendsFile') fail([...path, 'fileExpired'], '"fileExpired" goes with "sendsFile"');
  if (raw.cardUpdate !== undefined && action.type !== 'clicks') fail([...path, 'cardUpdate'], '"cardUpdate" goes with "clicks"');
  return {
    type: 'user',
    ...pos,
    user: raw.user,
    in: chat,
    via,
    action,
    bot: raw.bot.map((m, i) => messageMatcher(m, [...path, 'bot', i], fail)),
    cardUpdate: raw.cardUpdate === undefined ? undefined : textMatcherOf(raw.cardUpdate, [...path, 'cardUpdate'], fail),
  };
}

function list(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

function textMatcherOf(raw: RawMatcher, path: Array<string | number>, fail: Problem): TextMatcher {
  const m = messageMatcher(raw, path, fail);
  if (m.kind || m.buttons) fail(path, 'a card update is checked by its text only (contains, notContains, matches, equals)');
  return { contains: m.contains, notContains: m.notContains, matches: m.matches, equals: m.equals };
}

function messageMatcher(raw: RawMatcher, path: Array<string | number>, fail: Problem): MessageMatcher {
  if (typeof raw === 'string') return { contains: [raw], notContains: [], matches: [] };
  const matches = list(raw.matches);
  matches.forEach((pattern, i) => {
    try {
      new RegExp(pattern);
    } catch (error) {
      fail([...path, 'matches', ...(Array.isArray(raw.matches) ? [i] : [])], `not a regular expression: ${(error as Error).message}`);
    }
  });
  if (raw.buttons && raw.kind && raw.kind !== 'card') fail([...path, 'buttons'], `a ${raw.kind} message has no buttons`);
  return {
    contains: list(raw.contains),
    notContains: list(raw.notContains),
    matches,
    equals: raw.equals,
    kind: raw.kind ?? (raw.buttons ? 'card' : undefined),
    buttons: raw.buttons,
  };
}

function envOf(raw: Record<string, string | number | boolean> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(raw ?? {}).map(([k, v]) => [k, String(v)]));
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "90s", "31m", "1h30m", "2d", "500ms" → milliseconds. */
export function parseDuration(text: string): number {
  let total = 0;
  for (const match of text.matchAll(/([0-9]+)(ms|s|m|h|d)/g)) total += Number(match[1]) * UNIT_MS[match[2]];
  return total;
}

/** One line that says what a step does, for test output. */
export function describeStep(step: Step): string {
  switch (step.type) {
    case 'user':
      return describeUserStep(step);
    case 'together':
      return `together: ${step.steps.map((s) => describeUserStep(s)).join('; ')}`;
    case 'expect':
      return 'expect';
    case 'restart':
      return `restart${Object.keys(step.env).length ? ` with ${Object.entries(step.env).map(([k, v]) => `${k}=${v}`).join(', ')}` : ''}`;
    case 'advance':
      return `advance ${step.text}`;
    case 'wait':
      return `wait for the ${step.for}`;
    case 'store':
      return `store ${step.table}${Object.keys(step.where).length ? ` where ${JSON.stringify(step.where)}` : ''}`;
  }
}

function describeUserStep(step: UserStep): string {
  const where = step.in === 'group' ? 'in the group' : step.via === 'robot' ? 'to the robot' : 'to the app';
  const action = step.action;
  if (action.type === 'says') return `${step.user} says ${JSON.stringify(action.text)} ${where}`;
  if (action.type === 'sendsFile') return `${step.user} sends the file ${action.path}${action.expired ? ' (link already expired)' : ''} ${where}`;
  if (action.type === 'clicks') return `${step.user} clicks ${JSON.stringify(action.button)}`;
  return `${step.user} sends the event ${action.event}${action.eventKey ? ` (${action.eventKey})` : ''}`;
}
