/** The v2 client, `@modelcontextprotocol/client`, with its Streamable HTTP transport and Alice's provider. */
import { Client, StreamableHTTPClientTransport, UnauthorizedError } from '@modelcontextprotocol/client';
import type { Alice } from './alice.js';
import { type ClientGeneration, type McpConnection, textOf } from './connection.js';
import type { HostOptions } from './provider.js';
import { AliceProviderV2 } from './provider-v2.js';

export function clientV2(
  endpoint: string,
  alice: Alice,
  host: HostOptions,
  fetch: typeof globalThis.fetch,
): ClientGeneration {
  const provider = new AliceProviderV2(alice, host);
  return {
    name: 'v2',
    tokens: () => provider.tokens(),
    isUnauthorized: (error) => error instanceof UnauthorizedError,
    open(): McpConnection {
      const transport = new StreamableHTTPClientTransport(new URL(endpoint), { authProvider: provider, fetch });
      const client = new Client({ name: host.clientName, version: '1.0.0' });
      return {
        connect: () => client.connect(transport),
        listTools: async () => (await client.listTools()).tools.map((tool) => tool.name),
        async callTool(name, args) {
          const result = await client.callTool({ name, arguments: args });
          return { isError: result.isError === true, text: textOf(result.content) };
        },
        // The callback's parameters, not just the code: the SDK checks `iss` (RFC 9207) and
        // turns an `error` into an OAuthError itself.
        finishAuth: (redirect) => transport.finishAuth(redirect.searchParams),
        close: () => client.close(),
      };
    },
  };
}
