'use strict';
/**
 * Load generator for the callback benchmark, run in a worker thread so it does not share the event loop with the
 * server it measures. Modes: "open" sends at a fixed rate whatever the answers (latency at a given load),
 * "closed" keeps `concurrency` requests in flight (maximum throughput).
 */
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');

const { url, requests, mode, rate, concurrency } = workerData;
const target = new URL(url);
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

function send(req) {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const r = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: 'POST',
        path: req.path,
        agent,
        headers: { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(req.body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, status: res.statusCode }));
      },
    );
    r.on('error', () => resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, status: 0 }));
    r.end(req.body);
  });
}

async function run() {
  const results = new Array(requests.length);
  const started = process.hrtime.bigint();
  if (mode === 'open') {
    const interval = 1000 / rate;
    const pending = [];
    for (let i = 0; i < requests.length; i++) {
      const due = Number(started) / 1e6 + i * interval;
      const wait = due - Number(process.hrtime.bigint()) / 1e6;
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      pending.push(send(requests[i]).then((x) => (results[i] = x)));
    }
    await Promise.all(pending);
  } else {
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < requests.length) {
          const i = next++;
          results[i] = await send(requests[i]);
        }
      }),
    );
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  parentPort.postMessage({ seconds, latencies: results.map((r) => r.ms), statuses: results.map((r) => r.status) });
}

run();
