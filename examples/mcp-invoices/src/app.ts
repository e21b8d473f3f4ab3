/**
 * The MCP invoice server's request listener: RFC 9728 metadata at both well-known paths, the
 * guarded MCP endpoint (`POST`, `GET`, `DELETE /mcp`), `/health`, and 404 for anything else.
 * The SDK's handler is stateless and serves both the 2026-07-28 revision and the 2025 ones.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { type McpGuard, mcpHandler, serveMetadata } from '@actiongate/mcp';
import type { InvoiceStore } from '@actiongate-examples/invoices-kit';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler } from '@modelcontextprotocol/server';
import type { McpInvoiceAction } from './actions.js';
import { MCP_PATH } from './config.js';
import { createInvoiceServer } from './tools.js';

export interface McpAppSetup {
  readonly guard: McpGuard<McpInvoiceAction>;
  readonly store: InvoiceStore;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

export function createMcpApp({ guard, store }: McpAppSetup): RequestListener {
  const sdk = toNodeHandler(createMcpHandler(() => createInvoiceServer(store, guard)));
  // The SDK runs only for a request the guard allowed, with the parsed body and `req.auth`.
  const mcp = mcpHandler(guard, (req, res) => sdk(req, res, req.body));

  return (req: IncomingMessage, res: ServerResponse) => {
    if (serveMetadata(guard, req, res)) return;
    const path = (req.url ?? '/').split('?')[0];
    if (path === MCP_PATH) return mcp(req, res);
    if (path === '/health' && req.method === 'GET') return json(res, 200, { status: 'ok' });
    json(res, 404, { error: 'not_found', error_description: 'No such route' });
  };
}
