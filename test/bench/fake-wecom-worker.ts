import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { FakeWeComOptions } from '../fake-wecom/fake-wecom-types';

/** A handle on the fake WeCom running in its own thread (see fake-wecom-thread.ts). */
export interface ThreadedFakeWeCom {
  baseUrl: string;
  appMessageCount(): Promise<number>;
  close(): Promise<void>;
}

export async function startThreadedFakeWeCom(options: FakeWeComOptions): Promise<ThreadedFakeWeCom> {
  // the thread compiles the TypeScript of the fake with tsx, as the benchmark itself is run
  const entry = resolve(__dirname, 'fake-wecom-thread.ts');
  const worker = new Worker(`require('tsx/cjs'); require(${JSON.stringify(entry)});`, { eval: true, workerData: options });
  const next = (type: string) =>
    new Promise<Record<string, unknown>>((resolveMessage, reject) => {
      const onMessage = (message: Record<string, unknown>) => {
        if (message.type !== type) return;
        worker.off('message', onMessage);
        worker.off('error', reject);
        resolveMessage(message);
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
  const ready = await next('ready');
  return {
    baseUrl: String(ready.baseUrl),
    async appMessageCount() {
      const answer = next('count');
      worker.postMessage({ type: 'count' });
      return Number((await answer).appMessages);
    },
    async close() {
      const closed = next('closed');
      worker.postMessage({ type: 'close' });
      await closed;
      await worker.terminate();
    },
  };
}
