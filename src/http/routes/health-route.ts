import type Router from '@koa/router';

/** GET /healthz: 200 when the database answers, 503 otherwise (for load balancers and operators). */
export function mountHealthRoute(router: Router, databaseReachable: () => Promise<boolean>): void {
  router.get('/healthz', async (ctx) => {
    const database = await databaseReachable();
    ctx.status = database ? 200 : 503;
    ctx.body = { status: database ? 'ok' : 'unavailable', database: database ? 'up' : 'down' };
  });
}
