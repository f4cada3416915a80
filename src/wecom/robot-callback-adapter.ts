import type { Clock } from '../shared/clock';
import { CallbackErrorCode, CallbackRejectedError, decodeEncodingAesKey, openCallback } from './callback-crypto';
import { parseCallbackQuery } from './callback-query';
import { parseRobotEnvelope, parseRobotMessage, type RobotInboundMessage } from './robot-message-parser';

export interface RobotCallbackOptions {
  token: string;
  encodingAesKey: string;
  /** When set, callbacks of another robot (aibotid) are refused. */
  robotId?: string;
  robotName?: string;
  maxSkewSeconds: number;
  clock: Clock;
}

/**
 * The intelligent robot's callback (JSON, receiveid = ""): single chats and group messages that @-mention it.
 * In a group the leading @<robot name> is stripped from the text by the parser.
 */
export class RobotCallbackAdapter {
  private readonly aesKey: Buffer;

  constructor(private readonly options: RobotCallbackOptions) {
    try {
      this.aesKey = decodeEncodingAesKey(options.encodingAesKey);
    } catch (error) {
      throw new Error(
        `WECOM_ROBOT_ENCODING_AES_KEY is not usable: ${(error as Error).message}. Copy it again from the admin console (智能机器人 → API 模式).`,
        { cause: error },
      );
    }
  }

  verifyUrl(rawQuery: string): string {
    const query = parseCallbackQuery(rawQuery);
    if (!query.echostr) throw new CallbackRejectedError(CallbackErrorCode.ValidateSignature, 'echostr missing');
    return this.open(rawQuery, query.echostr);
  }

  receive(rawQuery: string, body: string): RobotInboundMessage {
    const envelope = parseRobotEnvelope(body);
    const plaintext = this.open(rawQuery, envelope.encrypt);
    const message = parseRobotMessage(plaintext, this.options.clock.now(), { robotName: this.options.robotName });
    if (this.options.robotId && message.botId && message.botId !== this.options.robotId) {
      throw new CallbackRejectedError(CallbackErrorCode.ParseMessage, `aibotid ${message.botId} is not ours`);
    }
    return message;
  }

  private open(rawQuery: string, encrypt: string): string {
    return openCallback({
      token: this.options.token,
      aesKey: this.aesKey,
      receiveId: '',
      query: parseCallbackQuery(rawQuery),
      encrypt,
      maxSkewSeconds: this.options.maxSkewSeconds,
      now: this.options.clock.now(),
    });
  }
}
