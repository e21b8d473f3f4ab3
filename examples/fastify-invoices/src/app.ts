/**
 * The invoice API (shared/invoice-api.md) on Fastify 5. Every rule lives in the action
 * declarations; this file only wires routes, each naming its action in its `config`.
 */
import { actiongate } from '@actiongate/fastify';
import type { ExampleSetup, InvoiceAction } from '@actiongate-examples/invoices-kit';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance, type FastifyServerFactory } from 'fastify';

declare module 'fastify' {
  interface ActionGateRegistry {
    action: InvoiceAction;
  }
}

const notFound = { error: 'not_found', error_description: 'No such invoice' };

export async function createApp(
  { gate, store }: ExampleSetup,
  serverFactory?: FastifyServerFactory,
): Promise<FastifyInstance> {
  const app = Fastify(serverFactory === undefined ? {} : { serverFactory });
  // Fastify reads no GET body; the contract refuses an access_token in any body (RFC 6750 §2.2
  // forbids the body method on GET), so GET bodies are parsed too, and met by the guard.
  app.addHttpMethod('GET', { hasBody: true, overrideExisting: true });
  // RFC 6750 §2.2 form bodies: Fastify parses only JSON by default.
  await app.register(formbody);
  // Any other body (none at all, sent chunked, or another type) is read within bodyLimit and
  // ignored, as Express and Koa do, instead of Fastify's 415 for a bodiless POST.
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, _body, done) => done(null, undefined));
  // Registered (and awaited) before the routes: its onRoute hook then checks each action name.
  await app.register(actiongate(gate).plugin);

  app.get('/health', async () => ({ status: 'ok' }));

  app.get('/invoices', { config: { action: 'invoices.list' } }, async () => ({ invoices: store.list() }));

  app.post('/invoices/export', { config: { action: 'invoices.export' } }, async (_request, reply) =>
    reply.code(202).send({ export_id: `exp_${crypto.randomUUID()}` }),
  );

  app.get<{ Params: { id: string } }>(
    '/invoices/:id',
    { config: { action: 'invoices.read' } },
    async (request, reply) => {
      const invoice = store.get(request.params.id);
      return invoice === undefined ? reply.code(404).send(notFound) : invoice;
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/invoices/:id',
    { config: { action: 'invoices.delete' } },
    async (request, reply) =>
      store.delete(request.params.id) ? reply.code(204).send() : reply.code(404).send(notFound),
  );

  app.post<{ Params: { id: string } }>(
    '/invoices/:id/refund',
    { config: { action: 'invoices.refund' } },
    async (request, reply) => {
      const { id } = request.params;
      const outcome = store.refund(id);
      if (outcome === undefined) return reply.code(404).send(notFound);
      if (outcome === 'already') {
        return reply.code(409).send({ error: 'conflict', error_description: 'The invoice is already refunded' });
      }
      return { id, status: 'refunded' };
    },
  );
  return app;
}
