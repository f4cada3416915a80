import type { StoredOutboundFile } from '../outbox/outbound-files';
import type { AppMessageBody, OutboundFileRef, OutboundMessage, RobotResponseBody } from '../outbox/outbound-message';
import { SendError, type SendContext, type SendResult, type Sender } from '../outbox/sender';
import { systemClock, type Clock } from '../shared/clock';
import { hashUserId, redactUrl, type Logger } from '../shared/logger';
import { postRobotResponse } from './robot-response-client';
import type { WebhookClient } from './webhook-client';
import type { ApiMessageBody, WeComApiClient } from './wecom-api-client';
import { TRANSPORT_ERRCODE, WeComApiError } from './wecom-api-error';

export interface WeComSenderOptions {
  /** The self-built app; undefined when it is not configured (then 'app' messages fail and there is no fallback). */
  api?: WeComApiClient;
  webhook: WebhookClient;
  /** WECOM_GROUP_WEBHOOK_URL: used for 'webhook' messages without their own URL. */
  defaultWebhookUrl?: string;
  timeoutMs: number;
  logger: Logger;
  /** For robot response_url calls (tests); the API and webhook clients carry their own. */
  fetch?: typeof fetch;
  /** The stored files that file messages name (outbound_files); without it a file message fails. */
  files?: OutboundFileSource;
  /** For the validity of cached media_ids (default: the system clock). */
  clock?: Clock;
}

/** Where file messages get their bytes, and where the media_id of an upload is remembered (OutboundFileStore). */
export interface OutboundFileSource {
  load(fileId: number): Promise<StoredOutboundFile | null>;
  rememberMedia(fileId: number, mediaId: string, expiresAt: Date): Promise<void>;
  forgetMedia(fileId: number): Promise<void>;
}

/** A cached media_id is used only while more than this remains of its 3 days (clock skew, a slow send). */
const MEDIA_ID_SAFETY_MS = 60 * 60 * 1000;
/** WeCom's answer to a media_id it does not know (expired, or never uploaded). */
const INVALID_MEDIA_ID = 40007;

/** Webhooks allow 20 messages per minute per bot: after a 45009 wait for the window to pass. */
const WEBHOOK_RATE_LIMIT_WAIT_MS = 60_000;
const API_RATE_LIMIT_WAIT_MS = 1_000;

const APP_VARIABLES = 'WECOM_CORP_ID, WECOM_AGENT_ID and WECOM_SECRET';

/** Delivers outbox messages through WeCom: the app's message/send, group-bot webhooks, robot response_urls. */
export class WeComSender implements Sender {
  constructor(private readonly options: WeComSenderOptions) {}

  async send(message: OutboundMessage, context: SendContext): Promise<SendResult> {
    switch (message.channel) {
      case 'app':
        return this.sendApp(message.toUser, message.body, context);
      case 'webhook':
        return this.sendWebhook(message.webhookUrl, message, context);
      case 'robot-response':
        return this.sendRobotResponse(message.responseUrl, message.toUser, message.body, context);
      case 'card-update':
        return this.updateCard(message, context);
      case 'sandbox':
        throw new SendError('A sandbox message reached the WeCom sender; sandbox messages are not sent through WeCom', false);
    }
  }

  private async sendApp(toUser: string[], body: AppMessageBody, context: SendContext): Promise<SendResult> {
    const api = this.options.api;
    if (!api) {
      throw new SendError(`No WeCom self-built app is configured, cannot send an app message; set ${APP_VARIABLES}`, false);
    }
    if (body.msgtype === 'file') return this.sendFile(api, toUser, body.file, context);
    try {
      return await this.sendAppBody(api, toUser, body, context);
    } catch (err) {
      throw this.toSendError(err, 'app', context);
    }
  }

  private async sendAppBody(api: WeComApiClient, toUser: string[], body: ApiMessageBody, context: SendContext): Promise<SendResult> {
    // The duplicate check absorbs a re-send of this row after a crash; it must not swallow a legitimate repeat.
    const result = await api.sendMessage({ toUser, body, duplicateCheckSeconds: context.repeatsRecentMessage ? 0 : undefined });
    if (result.invalidUsers.length > 0) {
      this.options.logger.warn(
        { outboxId: context.outboxId, invalidUsers: result.invalidUsers.map(hashUserId) },
        'WeCom skipped some recipients (outside the app visible range or unknown)',
      );
    }
    return { remoteId: result.msgid, rejectedRecipients: result.invalidUsers };
  }

  /**
   * A stored file: upload it (media/upload) unless the media_id of an earlier upload is still valid, then send
   * msgtype file. WeCom answering 40007 (the media_id expired or is unknown) leads to one fresh upload and send.
   */
  private async sendFile(api: WeComApiClient, toUser: string[], ref: OutboundFileRef, context: SendContext): Promise<SendResult> {
    const files = this.options.files;
    if (!files) throw new SendError('A file message reached the WeCom sender, but it has no file store to read the file from', false);
    const file = await files.load(ref.fileId);
    if (!file) {
      throw new SendError(`File ${ref.fileId} (${ref.name}) is no longer stored (files are deleted after their retention period); export it again`, false);
    }
    const now = (this.options.clock ?? systemClock).now().getTime();
    try {
      const cached = file.mediaId && file.mediaExpiresAt && file.mediaExpiresAt.getTime() - now > MEDIA_ID_SAFETY_MS ? file.mediaId : null;
      const mediaId = cached ?? (await this.upload(api, files, file, context));
      try {
        return await this.sendAppBody(api, toUser, { msgtype: 'file', file: { media_id: mediaId } }, context);
      } catch (err) {
        if (!(err instanceof WeComApiError) || err.errcode !== INVALID_MEDIA_ID) throw err;
        this.options.logger.info({ outboxId: context.outboxId, fileId: file.id }, 'WeCom no longer knows the media_id of the file (40007); uploading it again');
        await files.forgetMedia(file.id);
        const fresh = await this.upload(api, files, file, context);
        return await this.sendAppBody(api, toUser, { msgtype: 'file', file: { media_id: fresh } }, context);
      }
    } catch (err) {
      throw this.toSendError(err, 'app', context);
    }
  }

  private async upload(api: WeComApiClient, files: OutboundFileSource, file: StoredOutboundFile, context: SendContext): Promise<string> {
    const uploaded = await api.uploadMedia({ type: 'file', filename: file.name, data: file.content, contentType: file.contentType });
    await files.rememberMedia(file.id, uploaded.mediaId, uploaded.expiresAt);
    this.options.logger.debug({ outboxId: context.outboxId, fileId: file.id, bytes: file.content.length }, 'File uploaded to WeCom');
    return uploaded.mediaId;
  }

  private async updateCard(message: Extract<OutboundMessage, { channel: 'card-update' }>, context: SendContext): Promise<SendResult> {
    const api = this.options.api;
    if (!api) throw new SendError(`No WeCom self-built app is configured, cannot update a card; set ${APP_VARIABLES}`, false);
    try {
      const result = await api.updateTemplateCard({ userids: message.toUser, responseCode: message.responseCode, replaceName: message.replaceName });
      return { rejectedRecipients: result.invalidUsers };
    } catch (err) {
      throw this.toSendError(err, 'app', context);
    }
  }

  private async sendWebhook(
    webhookUrl: string | undefined,
    message: Extract<OutboundMessage, { channel: 'webhook' }>,
    context: SendContext,
  ): Promise<SendResult> {
    const url = webhookUrl ?? this.options.defaultWebhookUrl;
    if (!url) {
      throw new SendError('Webhook message without a webhook URL and no default group configured; set WECOM_GROUP_WEBHOOK_URL', false);
    }
    try {
      await this.options.webhook.send(url, message.body);
      this.options.logger.debug({ outboxId: context.outboxId, webhook: redactUrl(url) }, 'WeCom webhook message accepted');
      return {};
    } catch (err) {
      throw this.toSendError(err, 'webhook', context);
    }
  }

  private async sendRobotResponse(responseUrl: string, toUser: string, body: RobotResponseBody, context: SendContext): Promise<SendResult> {
    try {
      await postRobotResponse(responseUrl, body, { timeoutMs: this.options.timeoutMs, fetch: this.options.fetch });
      return {};
    } catch (err) {
      if (!(err instanceof WeComApiError) || !isRefusedResponseUrl(err)) throw this.toSendError(err, 'robot-response', context);
      const api = this.options.api;
      if (!api) {
        throw new SendError(
          `Robot response_url refused (errcode ${err.errcode}: ${err.errmsg}) and no self-built app is configured for the fallback; set ${APP_VARIABLES}`,
          false,
          undefined,
          err,
        );
      }
      this.options.logger.info(
        { outboxId: context.outboxId, errcode: err.errcode, httpStatus: err.httpStatus, user: hashUserId(toUser) },
        'Robot response_url refused (used or expired); falling back to an app message',
      );
      return this.sendApp([toUser], robotBodyToApp(body), context);
    }
  }

  private toSendError(err: unknown, channel: 'app' | 'webhook' | 'robot-response', context: SendContext): SendError {
    if (err instanceof SendError) return err;
    if (err instanceof WeComApiError) {
      let retryAfterMs: number | undefined;
      if (err.retryable && (err.errcode === 45009 || err.errcode === 45033)) {
        retryAfterMs = err.errcode === 45009 && channel === 'webhook' ? WEBHOOK_RATE_LIMIT_WAIT_MS : API_RATE_LIMIT_WAIT_MS;
      } else if (err.retryable && err.errcode === -1) {
        retryAfterMs = API_RATE_LIMIT_WAIT_MS;
      }
      this.options.logger.warn(
        { outboxId: context.outboxId, attempt: context.attempt, channel, method: err.method, errcode: err.errcode, httpStatus: err.httpStatus, retryable: err.retryable },
        'WeCom send failed',
      );
      return new SendError(err.message, err.retryable, retryAfterMs, err);
    }
    const text = err instanceof Error ? err.message : String(err);
    return new SendError(`Unexpected error while sending through WeCom (${channel}): ${redactUrl(text)}`, true, undefined, err);
  }
}

/** The response_url was refused by WeCom (used, expired, not allowed) rather than unreachable. */
function isRefusedResponseUrl(err: WeComApiError): boolean {
  if (err.local) return false;
  if (err.errcode !== TRANSPORT_ERRCODE) return true;
  return err.httpStatus !== undefined && err.httpStatus >= 400 && err.httpStatus < 500;
}

function robotBodyToApp(body: RobotResponseBody): AppMessageBody {
  if (body.msgtype === 'markdown') return { msgtype: 'markdown', markdown: { content: body.markdown.content } };
  return { msgtype: 'template_card', template_card: body.template_card };
}
