import type { WebhookMessageBody } from '../outbox/outbound-message';
import { redactUrl } from '../shared/logger';
import { WEBHOOK_MARKDOWN_MAX_BYTES, WEBHOOK_TEXT_MAX_BYTES } from '../outbox/webhook-text';
import { LOCAL_REFUSAL_ERRCODE, WeComApiError, requestWeComJson } from './wecom-api-error';

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
