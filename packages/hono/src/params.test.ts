/**
 * Route parameters reach the rules that read them. The guard builds `c.req.param()` only for an
 * action with a binding or a `check` hook (`readsParams`), so these prove that such an action still
 * sees them, and that the handler of any other action still does too.
 */
import { createGate, defineActions } from '@actiongate/core';
import { type Context, Hono, type Next } from 'hono';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestIssuer, ISSUER, RESOURCE, type TestIssuer } from '../../core/test/tokens.js';
import { actiongate } from './index.js';

const invoice = (id: string | undefined) => ({
  type: 'invoice_refund',
  locations: [`https://api.test/invoices/${id}`],
});
const actions = defineActions({
  refund: { scopes: ['payments:refund'], authorizationDetails: ({ params }) => invoice(params.id as string) },
  annotate: {
    scopes: ['invoices:read'],
    check: ({ params }) => (params.id === 'inv_1' ? undefined : 'insufficient_scope'),
  },
  read: { scopes: ['invoices:read'] },
});

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer();
});

function app() {
  const gate = createGate({ actions, resource: RESOURCE, issuers: [{ issuer: ISSUER, jwks: issuer.jwks as never }] });
  const { requireAction } = actiongate(gate);
  return new Hono()
    .post('/invoices/:id/refund', requireAction('refund'), (c) => c.json({ refunded: c.req.param('id') }))
    .post('/invoices/:id/notes', requireAction('annotate'), (c) => c.json({ annotated: c.req.param('id') }))
    .get('/invoices/:id', requireAction('read'), (c) => c.json({ read: c.req.param('id') }));
}
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('route parameters', () => {
  it('bind a grant to the invoice in the path (RFC 9396): allowed for its own, 403 naming the entry otherwise', async () => {
    const token = await issuer.mint({ scope: 'payments:refund', authorization_details: [invoice('inv_1')] });
    const own = await app().request('/invoices/inv_1/refund', { method: 'POST', headers: bearer(token) });
    expect(own.status).toBe(200);
    expect(await own.json()).toEqual({ refunded: 'inv_1' });

    const other = await app().request('/invoices/inv_2/refund', { method: 'POST', headers: bearer(token) });
    expect(other.status).toBe(403);
    expect(other.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    expect(await other.json()).toMatchObject({
      error: 'insufficient_scope',
      authorization_details: [invoice('inv_2')],
    });
  });

  it("reach the action's check hook", async () => {
    const token = await issuer.mint({ scope: 'invoices:read' });
    const allowed = await app().request('/invoices/inv_1/notes', { method: 'POST', headers: bearer(token) });
    expect(allowed.status).toBe(200);
    expect(await allowed.json()).toEqual({ annotated: 'inv_1' });
    const refused = await app().request('/invoices/inv_2/notes', { method: 'POST', headers: bearer(token) });
    expect(refused.status).toBe(403);
  });

  it('are built (c.req.param()) only for an action whose rules read them', async () => {
    const token = await issuer.mint({ scope: 'invoices:read payments:refund', authorization_details: [invoice('a')] });
    const gate = createGate({ actions, resource: RESOURCE, issuers: [{ issuer: ISSUER, jwks: issuer.jwks as never }] });
    const { requireAction } = actiongate(gate);
    let built = 0;
    // Counts the guard's calls: the handlers below read nothing.
    const counting = (c: Context, next: Next) => {
      const param = c.req.param.bind(c.req) as (...args: unknown[]) => unknown;
      Object.assign(c.req, {
        param: (...args: unknown[]) => {
          built++;
          return param(...args);
        },
      });
      return next();
    };
    const counted = new Hono()
      .get('/invoices/:id', counting, requireAction('read'), (c) => c.text('read'))
      .post('/invoices/:id/refund', counting, requireAction('refund'), (c) => c.text('refunded'));
    expect((await counted.request('/invoices/a', { headers: bearer(token) })).status).toBe(200);
    expect(built).toBe(0);
    const refund = await counted.request('/invoices/a/refund', { method: 'POST', headers: bearer(token) });
    expect(refund.status).toBe(200);
    expect(built).toBe(1);
  });

  it('stay available to the handler of an action whose rules read none', async () => {
    const token = await issuer.mint({ scope: 'invoices:read' });
    const reply = await app().request('/invoices/inv_9', { headers: bearer(token) });
    expect(reply.status).toBe(200);
    expect(await reply.json()).toEqual({ read: 'inv_9' });
  });
});
