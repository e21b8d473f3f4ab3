import Koa from 'koa';
import { dpopAdapterSuite } from '../../core/test/dpop-adapter.js';
import { actiongate } from './index.js';

dpopAdapterSuite((gate) => {
  const app = new Koa();
  const guard = actiongate(gate).requireAction('read');
  app.use(async (ctx, next) => {
    if (ctx.path !== '/invoices') return;
    await guard(ctx, async () => {
      ctx.body = { ok: true };
    });
    await next();
  });
  return app.callback();
});
