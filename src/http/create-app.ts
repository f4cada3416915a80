import { randomUUID } from 'node:crypto';
import Router from '@koa/router';
import Koa from 'koa';
import type { InboundMessage } from '../chat/inbound-message';
import type { Logger } from '../shared/logger';
import type { AppCallbackAdapter } from '../wecom/app-callback-adapter';
import type { RobotCallbackAdapter } from '../wecom/robot-callback-adapter';
import type { CallbackLoad } from './callback-load';
import { mountCallbackRoute } from './routes/callback-route';
import { mountHealthRoute } from './routes/health-route';

export interface AppDeps {
  logger: Logger;
  /** Store an inbound message once (the inbox). */
  accept(message: InboundMessage): Promise<'accepted' | 'duplicate'>;
  /** True when the database answers. */
  databaseReachable(): Promise<boolean>;
  appCallback?: AppCallbackAdapter;
  robotCallback?: RobotCallbackAdapter;
  bodyLimitBytes: number;
  /** Counts callbacks waiting for their answer (see CallbackLoad). */
  callbackLoad?: CallbackLoad;
  /** Extra routes mounted by other channels (the sandbox). */
  extraRoutes?: (router: Router) => void;
}

/** The Koa application, built without listening: tests drive app.callback() directly. */
export function createApp(deps: AppDeps): Koa {
  const app = new Koa();
  app.proxy = true;
  const router = new Router();

  app.use(async (ctx, next) => {
    const reqId = (ctx.get('x-request-id') || randomUUID()).slice(0, 64);
    ctx.state.reqId = reqId;
    ctx.state.logger = deps.logger.child({ reqId });
    ctx.set('x-request-id', reqId);
    const started = process.hrtime.bigint();
    try {
      await next();
    } catch (error) {
      ctx.state.logger.error({ err: error, method: ctx.method, path: ctx.path }, 'request failed');
      ctx.status = 500;
      ctx.body = '';
    } finally {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      ctx.state.logger.debug({ method: ctx.method, path: ctx.path, status: ctx.status, ms }, 'request');
    }
  });

  mountCallbackRoute(router, {
    channel: 'app',
    path: '/wecom/app/callback',
    adapter: deps.appCallback,
    enableHint: 'WECOM_CORP_ID, WECOM_AGENT_ID, WECOM_SECRET, WECOM_TOKEN, WECOM_ENCODING_AES_KEY',
    accept: deps.accept,
    bodyLimitBytes: deps.bodyLimitBytes,
    load: deps.callbackLoad,
  });
  mountCallbackRoute(router, {
    channel: 'robot',
    path: '/wecom/robot/callback',
    adapter: deps.robotCallback,
    enableHint: 'WECOM_ROBOT_TOKEN, WECOM_ROBOT_ENCODING_AES_KEY',
    accept: deps.accept,
    bodyLimitBytes: deps.bodyLimitBytes,
    load: deps.callbackLoad,
  });
  mountHealthRoute(router, deps.databaseReachable);
  deps.extraRoutes?.(router);

  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}
