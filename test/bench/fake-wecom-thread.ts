/**
 * The fake WeCom in a worker thread, for the benchmarks: in production WeCom is another machine, so its work must
 * not be counted against the bot's event loop. The parent sends { type: 'count' } or { type: 'close' } and gets
 * { type: 'count', appMessages } or { type: 'closed' }; at start it receives { type: 'ready', baseUrl }.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { startFakeWeCom } from '../fake-wecom';
import type { FakeWeComOptions } from '../fake-wecom/fake-wecom-types';

async function run(): Promise<void> {
  const fake = await startFakeWeCom(workerData as FakeWeComOptions);
  parentPort!.on('message', (message: { type: string }) => {
    if (message.type === 'count') parentPort!.postMessage({ type: 'count', appMessages: fake.appMessages().length });
    if (message.type === 'close') void fake.close().then(() => parentPort!.postMessage({ type: 'closed' }));
  });
  parentPort!.postMessage({ type: 'ready', baseUrl: fake.baseUrl });
}

void run();
