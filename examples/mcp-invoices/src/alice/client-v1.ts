/** The v1 client, `@modelcontextprotocol/sdk` 1.x, with its Streamable HTTP transport and Alice's provider. */
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Alice } from './alice.js';
import { AuthorizationDeniedError, type ClientGeneration, type McpConnection, textOf } from './connection.js';
import type { HostOptions } from './provider.js';
import { AliceProviderV1 } from './provider-v1.js';

export function clientV1(
  endpoint: string,
  alice: Alice,
  host: HostOptions,
  fetch: typeof globalThis.fetch,
): ClientGeneration {
  const provider = new AliceProviderV1(alice, host);
  return {
    name: 'v1',
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
          return {
            isError: result.isError === true,
            text: textOf(Array.isArray(result.content) ? result.content : undefined),
          };
        },
        async finishAuth(redirect) {
          // v1's finishAuth takes the code only: an error redirect ends here.
          const code = redirect.searchParams.get('code');
          if (code === null) {
            throw new AuthorizationDeniedError(
              redirect.searchParams.get('error') ?? 'no_code',
              redirect.searchParams.get('error_description') ?? undefined,
            );
          }
          await transport.finishAuth(code);
        },
        close: () => client.close(),
      };
    },
  };
}
