import type { WebhookMessageBody } from '../outbox/outbound-message';
import { redactUrl } from '../shared/logger';
import { LOCAL_REFUSAL_ERRCODE, WeComApiError, requestWeComJson } from './wecom-api-error';

/** Group-bot webhook content limits (PROTOCOL §6.1), in UTF-8 bytes. */
export const WEBHOOK_TEXT_MAX_BYTES = 2048;
export const WEBHOOK_MARKDOWN_MAX_BYTES = 4096;

export interface WebhookClientOptions {
  timeoutMs: number;
  fetch?: typeof fetch;
}

const METHOD = 'webhook/send';

/**
 * Posts into a group through a group-bot webhook URL (`.../cgi-bin/webhook/send?key=...`). The URL is used as
 * given (private deployments have their own host); its key never appears in errors.
 */
export class WebhookClient {
  constructor(private readonly options: WebhookClientOptions) {}

  async send(webhookUrl: string, body: WebhookMessageBody): Promise<void> {
    const key = webhookKey(webhookUrl);
    checkWebhookBody(body);
    const answer = await requestWeComJson({
      method: 'POST',
      url: webhookUrl,
      apiMethod: METHOD,
      body,
      timeoutMs: this.options.timeoutMs,
      fetch: this.options.fetch,
      secrets: [key],
    });
    if (answer.errcode !== 0) {
      throw new WeComApiError({ errcode: answer.errcode, errmsg: answer.errmsg, method: METHOD });
    }
  }
}

/** Refuses (fatal, before sending) a body WeCom would refuse: empty or over the byte limit of its type. */
export function checkWebhookBody(body: WebhookMessageBody): void {
  const [content, limit] =
    body.msgtype === 'text' ? [body.text.content, WEBHOOK_TEXT_MAX_BYTES] : [body.markdown.content, WEBHOOK_MARKDOWN_MAX_BYTES];
  if (typeof content !== 'string' || content.trim() === '') {
    throw new WeComApiError({ errcode: 44004, errmsg: `${body.msgtype} content is empty — not sent`, method: METHOD, local: true });
  }
  const bytes = Buffer.byteLength(content, 'utf8');
  if (bytes > limit) {
    throw new WeComApiError({
      errcode: 45002,
      errmsg: `${body.msgtype} content is ${bytes} bytes, over the webhook limit of ${limit} bytes (UTF-8) — not sent; split it with splitForWebhook`,
      method: METHOD,
      local: true,
    });
  }
}

function webhookKey(webhookUrl: string): string {
  let url: URL;
  try {
    url = new URL(webhookUrl);
  } catch {
    throw new WeComApiError({ errcode: LOCAL_REFUSAL_ERRCODE, errmsg: 'webhook URL is not a valid URL', method: METHOD, local: true });
  }
  const key = url.searchParams.get('key');
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || !key) {
    throw new WeComApiError({
      errcode: LOCAL_REFUSAL_ERRCODE,
      errmsg: `webhook URL must be http(s) with a key parameter: ${redactUrl(webhookUrl)}`,
      method: METHOD,
      local: true,
    });
  }
  return key;
}

/**
 * Split text into pieces of at most `maxBytes` UTF-8 bytes, cutting at line boundaries; a single line longer
 * than the limit is cut between characters (never inside a UTF-8 sequence or a surrogate pair). The newline at a
 * cut is dropped; pieces holding only whitespace are dropped (WeCom refuses empty content). '' gives [].
 */
export function splitForWebhook(text: string, maxBytes: number): string[] {
  if (!Number.isInteger(maxBytes) || maxBytes < 4) throw new RangeError('maxBytes must be an integer ≥ 4');
  const chunks: string[] = [];
  let current: string | undefined;
  let currentBytes = 0;
  const flush = (): void => {
    if (current !== undefined && current.trim() !== '') chunks.push(current);
    current = undefined;
    currentBytes = 0;
  };
  for (const line of text.split('\n')) {
    const lineBytes = Buffer.byteLength(line, 'utf8');
    const pieces = lineBytes <= maxBytes ? [line] : splitLongLine(line, maxBytes);
    for (const piece of pieces) {
      const pieceBytes = Buffer.byteLength(piece, 'utf8');
      if (current === undefined) {
        current = piece;
        currentBytes = pieceBytes;
      } else if (currentBytes + 1 + pieceBytes <= maxBytes) {
        current += `\n${piece}`;
        currentBytes += 1 + pieceBytes;
      } else {
        flush();
        current = piece;
        currentBytes = pieceBytes;
      }
    }
  }
  flush();
  return chunks;
}

function splitLongLine(line: string, maxBytes: number): string[] {
  const pieces: string[] = [];
  let piece = '';
  let bytes = 0;
  for (const char of line) {
    // iterating a string yields whole code points, so a surrogate pair stays together
    const charBytes = Buffer.byteLength(char, 'utf8');
    if (bytes + charBytes > maxBytes) {
      pieces.push(piece);
      piece = '';
      bytes = 0;
    }
    piece += char;
    bytes += charBytes;
  }
  if (piece !== '') pieces.push(piece);
  return pieces;
}

const USERID_PATTERN = /^[A-Za-z0-9_.@-]+$/;

/** `<@userid>` tokens (space-separated) that mention members inside a webhook markdown message. */
export function mentionMarkdown(userIds: string[]): string {
  return userIds
    .map((id) => id.trim())
    .filter((id) => id !== '')
    .map((id) => {
      if (!USERID_PATTERN.test(id)) throw new Error(`Not a WeCom userid, cannot mention it: ${JSON.stringify(id)}`);
      return `<@${id}>`;
    })
    .join(' ');
}
