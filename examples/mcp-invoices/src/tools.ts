/**
 * The invoice tools on an MCP server (SDK v2). Every rule is in the actions; a handler runs only
 * for a request the guard allowed, and `scopeChallenge` is the SDK's own second line behind it.
 */
import { actionAuth, type McpGuard } from '@actiongate/mcp';
import type { InvoiceStore } from '@actiongate-examples/invoices-kit';
import { type CallToolResult, McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { McpInvoiceAction } from './actions.js';

const byId = z.object({ id: z.string().min(1).max(64).describe('The invoice id, e.g. inv_1001') });

function result(value: unknown): CallToolResult {
  return {
    content: [{ type: 'text', text: JSON.stringify(value) }],
    structuredContent: value as Record<string, unknown>,
  };
}

function failure(error: string, description: string): CallToolResult {
  return {
    isError: true,
    content: [{ type: 'text', text: JSON.stringify({ error, error_description: description }) }],
  };
}

const noSuchInvoice = () => failure('not_found', 'No such invoice');

export function createInvoiceServer(store: InvoiceStore, guard: McpGuard<McpInvoiceAction>): McpServer {
  const server = new McpServer({ name: 'actiongate-invoices', version: '1.0.0' });
  const options = (tool: string, description: string) => ({
    description,
    scopeChallenge: guard.scopeChallenge(tool),
  });

  server.registerTool('list_invoices', options('list_invoices', 'List every invoice.'), async () =>
    result({ invoices: store.list() }),
  );

  server.registerTool(
    'get_invoice',
    { ...options('get_invoice', 'Read one invoice.'), inputSchema: byId },
    async ({ id }) => {
      const invoice = store.get(id);
      return invoice === undefined ? noSuchInvoice() : result(invoice);
    },
  );

  server.registerTool(
    'export_invoices',
    options('export_invoices', 'Start an export of every invoice (needs invoices:export or invoices:admin).'),
    async () => result({ export_id: `exp_${crypto.randomUUID()}` }),
  );

  server.registerTool(
    'delete_invoice',
    {
      ...options('delete_invoice', 'Delete an invoice (needs invoices:write and invoices:delete, a recent token).'),
      inputSchema: byId,
    },
    async ({ id }) => (store.delete(id) ? result({ id, deleted: true }) : noSuchInvoice()),
  );

  server.registerTool(
    'refund_invoice',
    {
      ...options(
        'refund_invoice',
        'Refund an invoice (needs payments:refund, granted after a strong, recent sign-in; one refund per grant).',
      ),
      inputSchema: byId,
    },
    async ({ id }, ctx) => {
      // The guard allowed this call for invoices.refund and spent the token's refund grant.
      const auth = actionAuth(ctx.http?.authInfo);
      const outcome = store.refund(id);
      if (outcome === undefined) return noSuchInvoice();
      if (outcome === 'already') return failure('conflict', 'The invoice is already refunded');
      return result({ id, status: 'refunded', refunded_by: auth?.claims.sub ?? null });
    },
  );

  return server;
}
