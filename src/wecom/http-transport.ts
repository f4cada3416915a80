import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export interface TransportRequest {
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  timeoutMs: number;
}

export interface TransportResponse {
  status: number;
  text: string;
}

/** Raised when no complete answer came within the time limit (`name` is 'TimeoutError', as with fetch). */
export class TransportTimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

// One pool of kept-alive connections per process: a busy bot sends many small requests to the same API host, and a
// new TCP (and TLS) connection for each would cost more than the request itself.
const agents = {
  'http:': new HttpAgent({ keepAlive: true, maxSockets: 64, scheduling: 'lifo' }),
  'https:': new HttpsAgent({ keepAlive: true, maxSockets: 64, scheduling: 'lifo' }),
};

/**
 * One HTTP request with node:http(s) and kept-alive connections, the whole exchange (connect, send, read the
 * answer) bounded by `timeoutMs`. Used for the WeCom APIs instead of the global fetch, whose web-streams machinery
 * cost more CPU per call than the rest of sending a message.
 */
export function sendHttpRequest(request: TransportRequest): Promise<TransportResponse> {
  return new Promise((resolve, reject) => {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch (error) {
      reject(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      reject(new Error(`unsupported protocol ${url.protocol} (http: or https: expected)`));
      return;
    }
    const body = request.body === undefined ? undefined : typeof request.body === 'string' ? Buffer.from(request.body, 'utf8') : request.body;
    const headers: Record<string, string | number> = { ...request.headers };
    if (body) headers['content-length'] = body.byteLength;
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    let settled = false;
    const finish = (error: Error | undefined, response?: TransportResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(response!);
    };
    const req = send(url, { method: request.method, headers, agent: agents[url.protocol] }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => finish(undefined, { status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (error) => finish(error));
      res.on('close', () => {
        if (!res.complete) finish(new Error('the connection closed before the whole answer arrived'));
      });
    });
    const timer = setTimeout(() => {
      const timeout = new TransportTimeoutError(`no answer within ${request.timeoutMs} ms`);
      finish(timeout);
      req.destroy(timeout);
    }, request.timeoutMs);
    req.on('error', (error) => finish(error));
    req.end(body);
  });
}
