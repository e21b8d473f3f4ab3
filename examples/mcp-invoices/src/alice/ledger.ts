/**
 * What an MCP host saw on the wire, so tests (and the demo) can prove the client does not loop:
 * every MCP request with its JSON-RPC method, tool and status; every token request with its
 * grant type; every authorization Alice was shown.
 */

export interface McpRequestRecord {
  readonly httpMethod: string;
  /** The JSON-RPC method of a single POSTed message (`batch` for an array, `-` for GET/DELETE). */
  readonly method: string;
  /** `params.name` of a `tools/call`. */
  readonly tool: string | undefined;
  readonly status: number;
  /** The `WWW-Authenticate` header of a refusal. */
  readonly challenge: string | undefined;
}

export interface TokenRequestRecord {
  readonly grantType: string;
  /** The `scope` parameter sent, if any. */
  readonly scope: string | undefined;
  readonly status: number;
}

export interface AuthorizationRecord {
  /** The `scope` the client asked for in the authorization request. */
  readonly scopes: readonly string[];
  readonly prompt: string | undefined;
  /** The forms Alice submitted on the authorization server's pages, in order (`login`, `second-factor`, `consent`). */
  readonly forms: readonly string[];
  readonly decision: 'approve' | 'deny';
  /** Where the authorization server sent Alice back: the client's redirect URI with `code` or `error`. */
  readonly redirect: URL;
}

export class Ledger {
  readonly mcpRequests: McpRequestRecord[] = [];
  readonly tokenRequests: TokenRequestRecord[] = [];
  readonly authorizations: AuthorizationRecord[] = [];

  /** `tools/call` requests, optionally of one tool. */
  toolCalls(tool?: string): McpRequestRecord[] {
    return this.mcpRequests.filter((r) => r.method === 'tools/call' && (tool === undefined || r.tool === tool));
  }

  /** A mark to count from: `ledger.since(mark)` gives what happened after it. */
  mark(): LedgerMark {
    return {
      mcpRequests: this.mcpRequests.length,
      tokenRequests: this.tokenRequests.length,
      authorizations: this.authorizations.length,
    };
  }

  since(mark: LedgerMark): Pick<Ledger, 'mcpRequests' | 'tokenRequests' | 'authorizations'> {
    return {
      mcpRequests: this.mcpRequests.slice(mark.mcpRequests),
      tokenRequests: this.tokenRequests.slice(mark.tokenRequests),
      authorizations: this.authorizations.slice(mark.authorizations),
    };
  }

  /**
   * A `fetch` for the client's transport that records what it sends: requests to `endpoint` as
   * MCP requests, form posts carrying `grant_type` as token requests. Nothing is changed.
   */
  recordingFetch(
    endpoint: string,
    base: typeof fetch = fetch,
    onRecord?: (record: McpRequestRecord | TokenRequestRecord) => void,
  ): typeof fetch {
    const mcp = new URL(endpoint).href;
    return async (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const httpMethod = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
      const response = await base(input, init);
      if (url.href === mcp) {
        const { method, tool } = jsonRpcOf(init?.body);
        const record: McpRequestRecord = {
          httpMethod,
          method: httpMethod === 'POST' ? method : '-',
          tool,
          status: response.status,
          challenge: response.headers.get('www-authenticate') ?? undefined,
        };
        this.mcpRequests.push(record);
        onRecord?.(record);
      } else {
        const form = formOf(init?.body);
        const grantType = form?.get('grant_type');
        if (grantType) {
          const record: TokenRequestRecord = {
            grantType,
            scope: form?.get('scope') ?? undefined,
            status: response.status,
          };
          this.tokenRequests.push(record);
          onRecord?.(record);
        }
      }
      return response;
    };
  }
}

export interface LedgerMark {
  readonly mcpRequests: number;
  readonly tokenRequests: number;
  readonly authorizations: number;
}

function jsonRpcOf(body: unknown): { method: string; tool: string | undefined } {
  if (typeof body !== 'string') return { method: '?', tool: undefined };
  try {
    const message: unknown = JSON.parse(body);
    if (Array.isArray(message)) return { method: 'batch', tool: undefined };
    const { method, params } = message as { method?: unknown; params?: { name?: unknown } };
    return {
      method: typeof method === 'string' ? method : '(response)',
      tool: method === 'tools/call' && typeof params?.name === 'string' ? params.name : undefined,
    };
  } catch {
    return { method: '?', tool: undefined };
  }
}

function formOf(body: unknown): URLSearchParams | undefined {
  if (body instanceof URLSearchParams) return body;
  if (typeof body === 'string' && body.includes('grant_type=')) return new URLSearchParams(body);
  return undefined;
}
