/**
 * npm run bench:callback [-- --count 2000 --rate 200 --runs 3]   (BENCH_DATABASES=sqlite,mysql by default)
 *
 * Drives encrypted WeCom app callbacks through the whole pipeline (HTTP, verify, decrypt, dedupe, store, answer,
 * and the reply through the outbox to the fake WeCom) on SQLite and on MySQL, and through a bare Koa route that
 * only verifies and decrypts (the protocol floor). Prints throughput and p50/p99 latency of each, and the ratio
 * pipeline/floor. Targets: ratio >= 0.5; p99 < 50 ms at 200 callbacks/s.
 *
 * Each side is warmed up with `--count` callbacks first (the JIT: a cold floor runs at half its speed), then
 * measured in `--runs` closed-loop runs (the median counts; every run is printed) and one open run at `--rate`.
 * The pipeline's runs follow each other without a pause, so from the second run on it also works off the backlog
 * of replies the runs before left behind, as it would in a burst.
 */
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import Router from '@koa/router';
import Koa from 'koa';
import { importUnitsCommand } from '../../src/cli/import-units-command';
import { loadConfig } from '../../src/config/load-config';
import { createRuntime } from '../../src/main';
import { OutboxEntity } from '../../src/outbox/outbox-entity';
import { systemClock } from '../../src/shared/clock';
import { createLogger } from '../../src/shared/logger';
import { AppCallbackAdapter } from '../../src/wecom/app-callback-adapter';
import { InboxEntity } from '../../src/chat/inbox-entity';
import { buildAppTextXml, encodeQuery, WeComCallbackClient } from '../fake-wecom';
import { startThreadedFakeWeCom } from './fake-wecom-worker';
import { createTestDatabase, type TestDatabaseKind } from '../helpers/test-databases';
import { envDatabases } from './bench-env';

const CORP_ID = 'ww1a2b3c4d5e6f7a8b';
const AGENT_ID = 1000002;
const TOKEN = 'Rk3pQ8vN2xLw';
const KEY = 'aSuNNBM527N3IeSicdKtzZFS0LVM0dGuVUVHrDyMM74';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a whole number >= 1, e.g. --${name} ${fallback}; got ${JSON.stringify(process.argv[i + 1] ?? '')}`);
  return value;
}
const COUNT = arg('count', 2000);
const RATE = arg('rate', 200);
const CONCURRENCY = arg('concurrency', 16);
const RUNS = arg('runs', 3);

interface LoadResult {
  seconds: number;
  latencies: number[];
  statuses: number[];
}

let msgSeq = 7452301234567800000n;
const liaisons: string[] = [];

function buildRequests(path: string, count: number): Array<{ path: string; body: string }> {
  const client = new WeComCallbackClient({ baseUrl: 'http://unused', token: TOKEN, encodingAesKey: KEY, receiveId: CORP_ID });
  return Array.from({ length: count }, (_, i) => {
    msgSeq++;
    const xml = buildAppTextXml({
      corpId: CORP_ID,
      from: liaisons[i % liaisons.length] ?? 'zhongyutong',
      content: '帮助',
      agentId: AGENT_ID,
      msgId: msgSeq.toString(),
    });
    const request = client.buildAppRequest(path, xml);
    return { path: `${path}?${encodeQuery(request.query)}`, body: request.body ?? '' };
  });
}

function load(url: string, requests: Array<{ path: string; body: string }>, mode: 'open' | 'closed'): Promise<LoadResult> {
  return new Promise((resolveLoad, reject) => {
    const worker = new Worker(resolve(__dirname, 'load-worker.js'), {
      workerData: { url, requests, mode, rate: RATE, concurrency: CONCURRENCY },
    });
    worker.once('message', (m: LoadResult) => resolveLoad(m));
    worker.once('error', reject);
  });
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

type Summary = { throughput: number; p50: number; p99: number };

/** Warm up, then RUNS closed-loop runs: the run with the median throughput stands for them. */
async function closedRuns(url: string, path: string): Promise<Summary> {
  await load(url, buildRequests(path, COUNT), 'closed'); // warm-up
  const runs: Summary[] = [];
  for (let i = 1; i <= RUNS; i++) {
    runs.push(summary(`max throughput, run ${i} (concurrency ${CONCURRENCY})`, await load(url, buildRequests(path, COUNT), 'closed')));
  }
  const median = [...runs].sort((a, b) => a.throughput - b.throughput)[Math.floor((runs.length - 1) / 2)]!;
  console.log(`  max throughput (median of ${RUNS} runs)      ${median.throughput.toFixed(0).padStart(6)} req/s`);
  return median;
}

/** The open run, with the longest event-loop stall of the server's process while it ran. */
async function openRun(url: string, path: string): Promise<Summary> {
  const requests = buildRequests(path, COUNT);
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const result = summary(`at ${RATE}/s`, await load(url, requests, 'open'));
  delay.disable();
  console.log(`  longest event-loop delay during the run at ${RATE}/s: ${(delay.max / 1e6).toFixed(1)} ms`);
  return result;
}

function summary(name: string, r: LoadResult): Summary {
  const ok = r.statuses.filter((s) => s === 200).length;
  const throughput = r.latencies.length / r.seconds;
  const p50 = percentile(r.latencies, 50);
  const p99 = percentile(r.latencies, 99);
  console.log(
    `  ${name.padEnd(34)} ${String(r.latencies.length).padStart(5)} req  ${throughput.toFixed(0).padStart(6)} req/s  ` +
      `p50 ${p50.toFixed(2).padStart(7)} ms  p99 ${p99.toFixed(2).padStart(7)} ms  ${ok === r.latencies.length ? 'all 200' : `${r.latencies.length - ok} NOT 200`}`,
  );
  return { throughput, p50, p99 };
}

async function listen(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  return { server, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` };
}

async function floor(): Promise<{ closed: Summary; open: Summary }> {
  const adapter = new AppCallbackAdapter({ corpId: CORP_ID, agentId: AGENT_ID, token: TOKEN, encodingAesKey: KEY, maxSkewSeconds: 600, clock: systemClock });
  const app = new Koa();
  const router = new Router();
  router.post('/floor', async (ctx) => {
    const chunks: Buffer[] = [];
    for await (const c of ctx.req) chunks.push(c as Buffer);
    adapter.receive(ctx.querystring, Buffer.concat(chunks).toString('utf8'));
    ctx.status = 200;
    ctx.body = '';
  });
  app.use(router.routes());
  const { server, url } = await listen(app.callback());
  console.log('protocol floor (verify + decrypt only, no database):');
  const closed = await closedRuns(url, '/floor');
  const open = await openRun(url, '/floor');
  await new Promise<void>((r) => server.close(() => r()));
  return { closed, open };
}

async function pipeline(kind: TestDatabaseKind, floorClosed: number): Promise<void> {
  const db = await createTestDatabase(kind);
  await importUnitsCommand(db.dataSource, resolve(__dirname, '../fixtures/units.csv'), { actor: 'bench', clock: systemClock });
  const fake = await startThreadedFakeWeCom({
    corps: [{ corpId: CORP_ID, agents: [{ agentId: AGENT_ID, secret: 'bench-secret' }] }],
    users: liaisons,
    memberPerMinute: 1_000_000,
    memberPerHour: 1_000_000,
  });
  const config = loadConfig(
    {
      DATABASE_URL: db.url,
      LOG_LEVEL: 'silent',
      WECOM_API_BASE: fake.baseUrl,
      WECOM_CORP_ID: CORP_ID,
      WECOM_AGENT_ID: String(AGENT_ID),
      WECOM_SECRET: 'bench-secret',
      WECOM_TOKEN: TOKEN,
      WECOM_ENCODING_AES_KEY: KEY,
      OUTBOX_POLL_INTERVAL_MS: '100',
      OUTBOX_BATCH_SIZE: '100',
    },
    mkdtempSync(join(tmpdir(), 'bench-config-')),
  );
  const runtime = createRuntime(config, { logger: createLogger('silent') });
  await runtime.start();
  const server = await runtime.listen(0);
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  console.log(`full pipeline on ${kind} (HTTP, verify, decrypt, dedupe, store, answer; replies via outbox):`);
  const started = Date.now();
  const closed = await closedRuns(url, '/wecom/app/callback');
  const open = await openRun(url, '/wecom/app/callback');
  const expected = (RUNS + 2) * COUNT;
  const deadline = Date.now() + 120_000;
  for (;;) {
    const sent = await runtime.dataSource.getRepository(OutboxEntity).count({ where: { status: 'sent' } });
    if (sent >= expected || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const seconds = (Date.now() - started) / 1000;
  const stored = await runtime.dataSource.getRepository(InboxEntity).count();
  const sent = await runtime.dataSource.getRepository(OutboxEntity).count({ where: { status: 'sent' } });
  const delivered = await fake.appMessageCount();
  console.log(
    `  stored ${stored}/${expected} messages, ${sent} replies sent, ${delivered} received by the fake WeCom; ` +
      `all ${expected} callbacks (warm-up included) answered end to end in ${seconds.toFixed(1)} s`,
  );
  const ratio = closed.throughput / floorClosed;
  console.log(
    `  ratio pipeline/floor (median max throughput): ${ratio.toFixed(2)}  [target >= 0.5: ${ratio >= 0.5 ? 'met' : 'NOT met'}]; ` +
      `p99 at ${RATE}/s: ${open.p99.toFixed(2)} ms  [target < 50 ms: ${open.p99 < 50 ? 'met' : 'NOT met'}]`,
  );
  await runtime.stop();
  await fake.close();
  await db.destroy();
}

async function main(): Promise<void> {
  const roster = await import('../../src/domain/roster/roster-file');
  const { readFile } = await import('node:fs/promises');
  const parsed = roster.parseRoster(await roster.readTable(await readFile(resolve(__dirname, '../fixtures/units.csv')), 'units.csv'));
  if ('rows' in parsed) for (const r of parsed.rows) if (r.liaison.wecomUserId) liaisons.push(r.liaison.wecomUserId);
  console.log(
    `bench:callback: ${COUNT} callbacks per run (warm-up, ${RUNS} closed-loop runs, one at ${RATE}/s), ${liaisons.length} senders, node ${process.version}`,
  );
  const f = await floor();
  for (const kind of envDatabases()) await pipeline(kind, f.closed.throughput);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
