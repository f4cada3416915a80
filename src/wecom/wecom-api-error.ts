import { redactUrl } from '../shared/logger';
import { sendHttpRequest } from './http-transport';

/**
 * Errors of the WeCom REST APIs, and how we react to each errcode (PROTOCOL §3.3).
 *
 * Besides WeCom's own codes this module uses two codes of our own, never sent by WeCom:
 *
 * - `-2` (TRANSPORT_ERRCODE): the request did not produce a usable WeCom answer — network error, timeout,
 *   HTTP 5xx/429/408, or a body that is not JSON. Retryable. (`-1` is WeCom's own "system busy".)
 * - `-3` (LOCAL_REFUSAL_ERRCODE): this client refused to send the request at all (e.g. a malformed webhook URL,
 *   an empty recipient list). Never retryable.
 *
 * Content limits checked locally use the code WeCom would have answered (45002 too large, 44004 empty) and set
 * `local: true`.
 */
export const TRANSPORT_ERRCODE = -2;
export const LOCAL_REFUSAL_ERRCODE = -3;

/**
 * - `token`: the access token is bad — invalidate it, fetch a new one, retry the call once.
 * - `retry`: transient — try again later with back-off.
 * - `fatal`: retrying the same request will not help (configuration, permission, content, recipients).
 */
export type ErrcodeClass = 'token' | 'retry' | 'fatal';

const TOKEN_ERRCODES = new Set([40014, 42001, 41001]);
const RETRY_ERRCODES = new Set([-1, 45009, 45033, TRANSPORT_ERRCODE]);

/**
 * Classify a non-zero errcode. `method` is the API that answered it: 40001 means "invalid secret" when it comes
 * from gettoken (fatal configuration error) and is treated like an invalid token when a business API answers it.
 * Unknown codes are fatal (a human has to look). errcode 0 is not an error and must not be passed here.
 */
export function classifyErrcode(errcode: number, method?: string): ErrcodeClass {
  if (TOKEN_ERRCODES.has(errcode)) return 'token';
  if (errcode === 40001) return method === 'gettoken' ? 'fatal' : 'token';
  if (RETRY_ERRCODES.has(errcode)) return 'retry';
  return 'fatal';
}

export interface WeComApiErrorInit {
  errcode: number;
  errmsg: string;
  /** The API path below /cgi-bin/, e.g. 'message/send', 'gettoken', 'webhook/send', 'aibot/response'. */
  method: string;
  httpStatus?: number;
  /** Override the classification (e.g. a token error that persisted after the one retry). */
  retryable?: boolean;
  /** True when the request was refused by this client before anything was sent. */
  local?: boolean;
  cause?: unknown;
}

/** A failed WeCom call. `errmsg` is always redacted: it never contains an access token or a webhook key. */
export class WeComApiError extends Error {
  readonly errcode: number;
  readonly errmsg: string;
  readonly method: string;
  readonly httpStatus?: number;
  readonly retryable: boolean;
  readonly fatal: boolean;
  readonly local: boolean;

  constructor(init: WeComApiErrorInit) {
    const errmsg = redactUrl(init.errmsg);
    super(`WeCom ${init.method} failed: errcode ${init.errcode}${init.httpStatus ? ` (HTTP ${init.httpStatus})` : ''}: ${errmsg}`, {
      cause: init.cause,
    });
    this.name = 'WeComApiError';
    this.errcode = init.errcode;
    this.errmsg = errmsg;
    this.method = init.method;
    this.httpStatus = init.httpStatus;
    this.local = init.local ?? false;
    const cls = classifyErrcode(init.errcode, init.method);
    // A token error that escapes the client already had its refresh + retry: 42001/40014 may clear up with the
    // next token (retry later), 41001/40001 point at a bug or a wrong secret.
    const defaultRetryable = cls === 'retry' || (cls === 'token' && (init.errcode === 42001 || init.errcode === 40014));
    this.retryable = init.local ? false : (init.retryable ?? defaultRetryable);
    this.fatal = !this.retryable;
  }
}

export interface WeComJsonResponse {
  errcode: number;
  errmsg: string;
  [field: string]: unknown;
}

export interface RequestWeComJsonOptions {
  method: 'GET' | 'POST';
  url: string;
  /** The API path below /cgi-bin/, for errors and logs. */
  apiMethod: string;
  body?: unknown;
  /** A body sent as is instead of JSON (media/upload: multipart/form-data). */
  rawBody?: { contentType: string; data: Uint8Array };
  timeoutMs: number;
  /** A fetch to use instead of the built-in node:http transport (tests that inject failures). */
  fetch?: typeof fetch;
  /** Literal values to scrub from any error text (access token, secret, webhook key). */
  secrets?: string[];
  /** Accept a 2xx answer whose body is empty or not JSON as `{errcode: 0}` (robot response_url). */
  tolerateNonJsonSuccess?: boolean;
}

/**
 * One HTTP call to a WeCom JSON API. Resolves with the parsed body whatever its errcode (the caller decides);
 * rejects with a WeComApiError only when there is no usable answer (network, timeout, HTTP error, bad JSON).
 */
export async function requestWeComJson(options: RequestWeComJsonOptions): Promise<WeComJsonResponse> {
  const scrub = (text: string): string => scrubSecrets(redactUrl(text), options.secrets);
  const fail = (errmsg: string, httpStatus?: number, retryable = true, cause?: unknown): WeComApiError =>
    new WeComApiError({
      errcode: TRANSPORT_ERRCODE,
      errmsg: scrub(errmsg),
      method: options.apiMethod,
      httpStatus,
      retryable,
      cause: cause !== undefined ? new Error(scrub(describeNetworkError(cause))) : undefined,
    });

  let response: { status: number };
  let text: string;
  const headers: Record<string, string> | undefined = options.rawBody
    ? { 'content-type': options.rawBody.contentType }
    : options.body === undefined
      ? undefined
      : { 'content-type': 'application/json; charset=utf-8' };
  const body = options.rawBody ? options.rawBody.data : options.body === undefined ? undefined : JSON.stringify(options.body);
  try {
    if (options.fetch) {
      const answer = await options.fetch(options.url, { method: options.method, headers, body, signal: AbortSignal.timeout(options.timeoutMs) });
      response = answer;
      text = await answer.text();
    } else {
      ({ text, ...response } = await sendHttpRequest({ method: options.method, url: options.url, headers, body, timeoutMs: options.timeoutMs }));
    }
  } catch (err) {
    if (isTimeout(err)) throw fail(`transport: no answer within ${options.timeoutMs} ms`, undefined, true, err);
    throw fail(`transport: ${describeNetworkError(err)}`, undefined, true, err);
  }

  const parsed = parseJsonObject(text);
  if (response.status < 200 || response.status >= 300) {
    // A proxy's or gateway's answer, or WeCom failing. 5xx, 408 and 429 are worth another try; other 4xx are not.
    const retryable = response.status >= 500 || response.status === 408 || response.status === 429;
    if (parsed && typeof parsed.errcode === 'number' && parsed.errcode !== 0) {
      throw new WeComApiError({
        errcode: parsed.errcode,
        errmsg: scrub(String(parsed.errmsg ?? '')),
        method: options.apiMethod,
        httpStatus: response.status,
        retryable: retryable || undefined,
      });
    }
    throw fail(`transport: HTTP ${response.status} ${snippet(text)}`, response.status, retryable);
  }
  if (!parsed || typeof parsed.errcode !== 'number') {
    if (options.tolerateNonJsonSuccess && (!parsed || parsed.errcode === undefined)) {
      return { errcode: 0, errmsg: 'ok (no JSON answer)' };
    }
    throw fail(`transport: answer is not WeCom JSON: ${snippet(text)}`, response.status);
  }
  return { ...parsed, errcode: parsed.errcode, errmsg: scrub(String(parsed.errmsg ?? '')) };
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function isTimeout(err: unknown): boolean {
  // duck-typed: the DOMException of AbortSignal.timeout() is not always an instance of this realm's Error
  const name = err !== null && typeof err === 'object' ? (err as { name?: unknown }).name : undefined;
  return name === 'TimeoutError' || name === 'AbortError';
}

function describeNetworkError(err: unknown): string {
  if (err === null || typeof err !== 'object') return String(err);
  const { message, cause, code: ownCode } = err as { message?: unknown; cause?: unknown; code?: unknown };
  // fetch puts the system error (ECONNREFUSED …) in `cause`; node:http raises it directly
  const code =
    cause && typeof cause === 'object' && 'code' in cause
      ? String((cause as { code: unknown }).code)
      : typeof ownCode === 'string'
        ? ownCode
        : undefined;
  const text = typeof message === 'string' ? message : String(err);
  return code ? `${text} (${code})` : text;
}

function snippet(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > 120 ? `${oneLine.slice(0, 120)}…` : oneLine;
}

function scrubSecrets(text: string, secrets: string[] | undefined): string {
  let out = text;
  for (const secret of secrets ?? []) {
    if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  return out;
}
