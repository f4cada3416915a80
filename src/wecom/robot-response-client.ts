import type { RobotResponseBody } from '../outbox/outbound-message';
import { LOCAL_REFUSAL_ERRCODE, WeComApiError, requestWeComJson } from './wecom-api-error';

/** Markdown limit of a robot active reply (PROTOCOL §8.6), in UTF-8 bytes. */
export const ROBOT_MARKDOWN_MAX_BYTES = 20480;

export interface RobotResponseOptions {
  timeoutMs: number;
  fetch?: typeof fetch;
}

const METHOD = 'aibot/response';

/**
 * One active reply to a robot message through its `response_url` (single use, 1 h). The body is plaintext JSON,
 * posted to the URL exactly as WeCom gave it — never rebuilt from parts, private deployments have other hosts.
 *
 * Rejects with a WeComApiError: errcode ≠ 0 or HTTP 4xx mean the URL was refused (used, expired, or the body is
 * not allowed); transport failures carry errcode -2 and are retryable. A 2xx answer without a JSON body counts
 * as accepted (WeCom's answer here is undocumented).
 */
export async function postRobotResponse(responseUrl: string, body: RobotResponseBody, options: RobotResponseOptions): Promise<void> {
  let url: URL;
  try {
    url = new URL(responseUrl);
  } catch {
    throw new WeComApiError({ errcode: LOCAL_REFUSAL_ERRCODE, errmsg: 'response_url is not a valid URL', method: METHOD, local: true });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new WeComApiError({ errcode: LOCAL_REFUSAL_ERRCODE, errmsg: 'response_url must be http(s)', method: METHOD, local: true });
  }
  if (body.msgtype === 'markdown') {
    const content = body.markdown.content;
    if (typeof content !== 'string' || content.trim() === '') {
      throw new WeComApiError({ errcode: 44004, errmsg: 'markdown content is empty — not sent', method: METHOD, local: true });
    }
    const bytes = Buffer.byteLength(content, 'utf8');
    if (bytes > ROBOT_MARKDOWN_MAX_BYTES) {
      throw new WeComApiError({
        errcode: 45002,
        errmsg: `markdown content is ${bytes} bytes, over the response_url limit of ${ROBOT_MARKDOWN_MAX_BYTES} bytes (UTF-8) — not sent`,
        method: METHOD,
        local: true,
      });
    }
  }
  const code = url.searchParams.get('response_code');
  const answer = await requestWeComJson({
    method: 'POST',
    url: responseUrl,
    apiMethod: METHOD,
    body,
    timeoutMs: options.timeoutMs,
    fetch: options.fetch,
    secrets: code ? [code] : [],
    tolerateNonJsonSuccess: true,
  });
  if (answer.errcode !== 0) {
    throw new WeComApiError({ errcode: answer.errcode, errmsg: answer.errmsg, method: METHOD });
  }
}
