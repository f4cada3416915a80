import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { OutboxEntity } from '../../src/outbox/outbox-entity';
import { enqueueOutbox, type OutboxItem } from '../../src/outbox/outbox-writer';
import { startFakeWeCom, type FakeWeCom } from '../fake-wecom';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../helpers/test-databases';

const CORP_ID = 'ww1a2b3c4d5e6f7a8b';
const MESSAGES = 40;
const ROOT = resolve(__dirname, '../..');

function startWorker(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', resolve(__dirname, '../helpers/outbox-worker.ts')], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(child.exitCode) : child.once('exit', (code) => r(code))));
}

/**
 * Kill the dispatcher process (SIGKILL) at random moments while it sends, start it again, until the outbox is
 * empty. Nothing may be lost, and no member may receive a message twice: a row re-sent after a kill carries the
 * same request JSON, which WeCom's duplicate check (enable_duplicate_check) does not deliver again.
 */
describe.each(testDatabaseKinds())('outbox survives kill -9 on %s', (kind) => {
  let db: TestDatabase;
  let fake: FakeWeCom;
  beforeEach(async () => {
    db = await createTestDatabase(kind);
    const users = Array.from({ length: MESSAGES }, (_, i) => `member${i + 1}`);
    fake = await startFakeWeCom({ corps: [{ corpId: CORP_ID, agents: [{ agentId: 1000002, secret: 'kill-secret' }] }], users });
  });
  afterEach(async () => {
    await fake.close();
    await db.destroy();
  });

  it('delivers every message exactly once across repeated kills', async () => {
    const items: OutboxItem[] = Array.from({ length: MESSAGES }, (_, i) => ({
      dedupeKey: `kill-test:${i + 1}`,
      origin: 'test',
      message: { channel: 'app', toUser: [`member${i + 1}`], body: { msgtype: 'text', text: { content: `提醒 第${i + 1}条` } } },
    }));
    await db.dataSource.transaction((m) => enqueueOutbox(m, items, new Date(), 50));
    // every send is slow, so kills land in the middle of sending
    for (let i = 0; i < MESSAGES * 3; i++) fake.inject({ path: '/cgi-bin/message/send', delayMs: 60 });

    const env = {
      WORKER_CONFIG: JSON.stringify({ database: db.config, apiBase: fake.baseUrl, corpId: CORP_ID, agentId: 1000002, secret: 'kill-secret' }),
    };
    let kills = 0;
    for (let round = 0; round < 40; round++) {
      const child = startWorker(env);
      let stderr = '';
      child.stderr?.on('data', (d) => (stderr += String(d)));
      // the kill is timed from the moment the worker starts sending, not from its start-up (which varies with the
      // machine's load): sending the whole outbox takes ≥ 600 ms, so a kill 50–450 ms in lands in the middle of it
      const killAfter = 50 + Math.floor(Math.random() * 400);
      const sending = new Promise<void>((r) => child.stdout?.on('data', (d) => String(d).includes('ready') && r()));
      const outcome = await Promise.race([
        exited(child).then((code) => ({ code })),
        sending.then(() => new Promise<'kill'>((r) => setTimeout(() => r('kill'), killAfter))),
      ]);
      if (outcome === 'kill') {
        child.kill('SIGKILL');
        await exited(child);
        kills++;
        continue;
      }
      if (outcome.code !== 0) throw new Error(`worker failed (${outcome.code}): ${stderr}`);
      const open = await db.dataSource.getRepository(OutboxEntity).count({ where: [{ status: 'pending' }, { status: 'sending' }] });
      if (open === 0) break;
    }
    // on a loaded machine every round may have been killed before finishing: one last worker runs to the end
    const left = await db.dataSource.getRepository(OutboxEntity).count({ where: [{ status: 'pending' }, { status: 'sending' }] });
    if (left > 0) {
      const child = startWorker(env);
      let stderr = '';
      child.stderr?.on('data', (d) => (stderr += String(d)));
      const code = await exited(child);
      if (code !== 0) throw new Error(`final worker failed (${code}): ${stderr}`);
    }
    const rows = await db.dataSource.getRepository(OutboxEntity).find();
    expect(rows.filter((r) => r.status !== 'sent')).toEqual([]);
    expect(kills).toBeGreaterThan(0);

    const delivered = fake.appMessages().filter((m) => m.deliveredTo.length > 0);
    const counts = new Map<string, number>();
    for (const m of delivered) counts.set(m.content ?? '', (counts.get(m.content ?? '') ?? 0) + 1);
    for (let i = 1; i <= MESSAGES; i++) expect([`提醒 第${i}条`, counts.get(`提醒 第${i}条`)]).toEqual([`提醒 第${i}条`, 1]);
    expect(counts.size).toBe(MESSAGES);
    if (process.env.TEST_LOG_LEVEL) console.error(`kills: ${kills}, resends suppressed by the duplicate check: ${fake.duplicates().length}`);
  }, 120000);
});
