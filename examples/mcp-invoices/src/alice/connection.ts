/** One MCP client (of either SDK generation) and its Streamable HTTP transport, as the host uses it. */

export interface ToolResult {
  readonly isError: boolean;
  /** The text items of the result's content, joined by newlines. */
  readonly text: string;
}

export interface McpConnection {
  connect(): Promise<void>;
  listTools(): Promise<string[]>;
  callTool(name: string, args: Record<string, unknown>): Promise<ToolResult>;
  /** Hands the redirect back to the transport: exchanges the code (or surfaces the error). */
  finishAuth(redirect: URL): Promise<void>;
  close(): Promise<void>;
}

/** The tokens the provider holds, in the shape both generations store them. */
export interface HeldTokens {
  readonly access_token: string;
  readonly scope?: string | undefined;
  readonly refresh_token?: string | undefined;
}

/** What the host needs of an SDK generation: a client per connection, all sharing one provider. */
export interface ClientGeneration {
  readonly name: 'v1' | 'v2';
  open(): McpConnection;
  tokens(): HeldTokens | undefined;
  /** The generation's "the user must authorize" signal (`auth()` returned REDIRECT). */
  isUnauthorized(error: unknown): boolean;
}

/** The authorization server sent Alice back with `error` instead of a code. */
export class AuthorizationDeniedError extends Error {
  readonly code = 'AUTHORIZATION_DENIED';
  constructor(
    readonly error: string,
    readonly errorDescription: string | undefined,
  ) {
    super(`authorization ended with ${error}${errorDescription === undefined ? '' : `: ${errorDescription}`}`);
    this.name = 'AuthorizationDeniedError';
  }
}

export function textOf(content: readonly unknown[] | undefined): string {
  return (content ?? [])
    .filter((item): item is { type: 'text'; text: string } => (item as { type?: unknown }).type === 'text')
    .map((item) => item.text)
    .join('\n');
}
