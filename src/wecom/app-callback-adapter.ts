import type { InboundMessage } from '../chat/inbound-message';
import type { Clock } from '../shared/clock';
import { CallbackErrorCode, CallbackRejectedError, decodeEncodingAesKey, openCallback } from './callback-crypto';
import { parseCallbackQuery } from './callback-query';
import { parseAppEnvelope, parseAppMessage } from './app-message-parser';

export interface AppCallbackOptions {
  corpId: string;
  agentId: number;
  token: string;
  encodingAesKey: string;
  maxSkewSeconds: number;
  clock: Clock;
}

/**
 * The self-built app's callback (XML, receiveid = CorpID): URL verification and message/event POSTs, verified and
 * decrypted strictly. Everything refused throws CallbackRejectedError with the reason for the log.
 */
export class AppCallbackAdapter {
  private readonly aesKey: Buffer;

  constructor(private readonly options: AppCallbackOptions) {
    try {
      this.aesKey = decodeEncodingAesKey(options.encodingAesKey);
    } catch (error) {
      throw new Error(
        `WECOM_ENCODING_AES_KEY is not usable: ${(error as Error).message}. Copy it again from the admin console (应用管理 → 接收消息 → 设置API接收).`,
        { cause: error },
      );
    }
  }

  /** GET: the plaintext to answer verbatim. */
  verifyUrl(rawQuery: string): string {
    const query = parseCallbackQuery(rawQuery);
    if (!query.echostr) throw new CallbackRejectedError(CallbackErrorCode.ValidateSignature, 'echostr missing');
    return this.open(rawQuery, query.echostr);
  }

  /** POST: the message or event, ready for the inbox. */
  receive(rawQuery: string, body: string): InboundMessage {
    const envelope = parseAppEnvelope(body);
    if (envelope.agentId !== undefined && envelope.agentId.trim() !== String(this.options.agentId)) {
      throw new CallbackRejectedError(CallbackErrorCode.ParseMessage, `AgentID ${envelope.agentId} is not ours`);
    }
    const plaintext = this.open(rawQuery, envelope.encrypt);
    return parseAppMessage(plaintext, this.options.clock.now());
  }

  private open(rawQuery: string, encrypt: string): string {
    return openCallback({
      token: this.options.token,
      aesKey: this.aesKey,
      receiveId: this.options.corpId,
      query: parseCallbackQuery(rawQuery),
      encrypt,
      maxSkewSeconds: this.options.maxSkewSeconds,
      now: this.options.clock.now(),
    });
  }
}
