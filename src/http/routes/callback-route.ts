import type Router from '@koa/router';
import type { Context } from 'koa';
import type { InboundMessage } from '../../chat/inbound-message';
import { hashUserId, type Logger } from '../../shared/logger';
import { CallbackRejectedError } from '../../wecom/callback-crypto';
import type { CallbackLoad } from '../callback-load';
import { BodyTooLargeError, readRawBody } from '../raw-body';

/** What a WeCom channel's callback needs: verify the URL, turn a POST into a message. */
export interface CallbackAdapter {
  verifyUrl(rawQuery: string): string;
  receive(rawQuery: string, body: string): InboundMessage;
}

export interface CallbackRouteDeps {
  channel: 'app' | 'robot';
  path: string;
  adapter: CallbackAdapter | undefined;
  /** The environment variables that switch the channel on, for the log when it is off. */
  enableHint: string;
  accept(message: InboundMessage): Promise<'accepted' | 'duplicate'>;
  bodyLimitBytes: number;
  /** Counts the callbacks waiting for their answer, so background work can step back. */
  load?: CallbackLoad;
}

/** Message types that are not conversation: stream refreshes of the robot (we never leave a stream open). */
const NOT_STORED = new Set(['stream']);

/**
 * GET (URL verification, answered synchronously well inside WeCom's 1 s) and POST (verify, decrypt, store once,
 * answer 200 with an empty body at once; the conversation continues through the outbox).
 * A refused callback gets a 4xx with no detail; the log says why. Nothing refused is processed.
 */
export function mountCallbackRoute(router: Router, deps: CallbackRouteDeps): void {
  const logger = (ctx: Context): Logger => ctx.state.logger as Logger;
  const refuse = (ctx: Context, error: unknown) => {
    if (error instanceof CallbackRejectedError) {
      logger(ctx).warn({ channel: deps.channel, code: error.code, reason: error.reason }, 'callback refused');
      ctx.status = error.code === -40001 || error.code === -40005 ? 403 : 400;
    } else if (error instanceof BodyTooLargeError) {
      logger(ctx).warn({ channel: deps.channel, limit: error.limit }, 'callback refused: body too large');
      ctx.status = 413;
    } else {
      throw error;
    }
    ctx.body = '';
  };
  const channelOff = (ctx: Context) => {
    logger(ctx).warn({ channel: deps.channel }, `callback refused: the ${deps.channel} channel is not configured (set ${deps.enableHint})`);
    ctx.status = 404;
    ctx.body = '';
  };

  router.get(deps.path, (ctx) => {
    if (!deps.adapter) return channelOff(ctx);
    try {
      const echo = deps.adapter.verifyUrl(ctx.querystring);
      ctx.type = 'text/plain';
      ctx.body = echo;
      logger(ctx).info({ channel: deps.channel }, 'callback URL verified');
    } catch (error) {
      refuse(ctx, error);
    }
  });

  router.post(deps.path, async (ctx) => {
    const end = deps.load?.begin();
    try {
      await receiveCallback(ctx);
    } finally {
      end?.();
    }
  });

  const receiveCallback = async (ctx: Context) => {
    if (!deps.adapter) {
      ctx.req.resume();
      return channelOff(ctx);
    }
    let message: InboundMessage;
    try {
      const body = await readRawBody(ctx, deps.bodyLimitBytes);
      message = deps.adapter.receive(ctx.querystring, body);
    } catch (error) {
      return refuse(ctx, error);
    }
    const log = { channel: deps.channel, msgKey: message.msgKey, msgType: message.msgType, userHash: hashUserId(message.userId) };
    if (NOT_STORED.has(message.msgType)) {
      logger(ctx).debug(log, 'callback ignored (not a conversation message)');
    } else {
      // Stored before the answer: if the database is down this throws, WeCom gets a 500 and retries.
      const outcome = await deps.accept(message);
      logger(ctx).info({ ...log, outcome }, 'callback accepted');
    }
    ctx.status = 200;
    ctx.body = '';
  };
}
