/**
 * What an MCP host application does with a real client: connect, list, call tools; when the
 * client reports that the user must authorize (its `UnauthorizedError` after `auth()` returned
 * REDIRECT), hand Alice's redirect to `transport.finishAuth` and retry the interrupted step once,
 * never more. Every MCP request, token request and authorization is recorded in the ledger.
 */
import { decodeJwt } from 'jose';
import { Alice, type AuthorizationRequestView, type Decision } from './alice.js';
import { clientV1 } from './client-v1.js';
import { clientV2 } from './client-v2.js';
import type { ClientGeneration, HeldTokens, McpConnection, ToolResult } from './connection.js';
import { type AuthorizationRecord, Ledger, type McpRequestRecord, type TokenRequestRecord } from './ledger.js';

export interface McpHostOptions {
  readonly generation: 'v1' | 'v2';
  /** The MCP endpoint (`…/mcp`). */
  readonly endpoint: string;
  /** `grant_types` the host registers with; unset leaves the SDK's default (see provider-v2.ts). */
  readonly grantTypes?: readonly string[];
  /** Alice's decision on each consent page; approves by default. */
  readonly decide?: (request: AuthorizationRequestView) => Decision;
  readonly ledger?: Ledger;
  /** Told of each authorization once it ends, and of each MCP or token request (the demo narrates). */
  readonly onAuthorization?: (record: AuthorizationRecord) => void;
  readonly onRequest?: (record: McpRequestRecord | TokenRequestRecord) => void;
}

/** The claims of the access token the host holds that tell what it may do. */
export interface TokenView {
  readonly scope: string;
  readonly acr: string | undefined;
  readonly authTime: number | undefined;
  readonly iat: number | undefined;
  readonly aud: string | readonly string[] | undefined;
  readonly hasRefreshToken: boolean;
}

/** Loopback redirect URI (RFC 8252 §7.3): Alice's browser stops there, nothing listens. */
const REDIRECT_URL = 'http://127.0.0.1/callback';

export class McpHost {
  readonly ledger: Ledger;
  readonly generation: 'v1' | 'v2';
  readonly #alice: Alice;
  readonly #client: ClientGeneration;
  #connection: McpConnection | undefined;

  private constructor(options: McpHostOptions) {
    this.ledger = options.ledger ?? new Ledger();
    this.generation = options.generation;
    this.#alice = new Alice({
      ledger: this.ledger,
      ...(options.decide === undefined ? {} : { decide: options.decide }),
      ...(options.onAuthorization === undefined ? {} : { onAuthorization: options.onAuthorization }),
    });
    const host = {
      clientName: `invoice assistant (${options.generation})`,
      redirectUrl: REDIRECT_URL,
      ...(options.grantTypes === undefined ? {} : { grantTypes: options.grantTypes }),
    };
    const fetch = this.ledger.recordingFetch(options.endpoint, globalThis.fetch, options.onRequest);
    this.#client = (options.generation === 'v2' ? clientV2 : clientV1)(options.endpoint, this.#alice, host, fetch);
  }

  /**
   * Connects; the first request meets the server's 401, the client discovers the metadata,
   * registers, and sends Alice to sign in; then the host finishes the authorization and
   * connects again with a new transport, once.
   */
  static async connect(options: McpHostOptions): Promise<McpHost> {
    const host = new McpHost(options);
    const first = host.#client.open();
    try {
      await first.connect();
      host.#connection = first;
      return host;
    } catch (error) {
      try {
        await host.#finish(first, error);
      } finally {
        await first.close();
      }
    }
    const second = host.#client.open();
    try {
      await second.connect();
    } catch (error) {
      await second.close();
      throw error;
    }
    host.#connection = second;
    return host;
  }

  listTools(): Promise<string[]> {
    return this.#withAuthorization((connection) => connection.listTools());
  }

  callTool(name: string, args: Record<string, unknown> = {}): Promise<ToolResult> {
    return this.#withAuthorization((connection) => connection.callTool(name, args));
  }

  /** The held access token's claims (decoded only: the resource server is what verifies it). */
  token(): TokenView | undefined {
    const tokens: HeldTokens | undefined = this.#client.tokens();
    if (tokens === undefined) return undefined;
    const claims = decodeJwt(tokens.access_token);
    return {
      scope: typeof claims.scope === 'string' ? claims.scope : '',
      acr: typeof claims.acr === 'string' ? claims.acr : undefined,
      authTime: typeof claims.auth_time === 'number' ? claims.auth_time : undefined,
      iat: claims.iat,
      aud: claims.aud,
      hasRefreshToken: tokens.refresh_token !== undefined,
    };
  }

  async close(): Promise<void> {
    const connection = this.#connection;
    this.#connection = undefined;
    await connection?.close();
  }

  async #withAuthorization<T>(step: (connection: McpConnection) => Promise<T>): Promise<T> {
    const connection = this.#connection;
    if (connection === undefined) throw new Error('not connected');
    try {
      return await step(connection);
    } catch (error) {
      await this.#finish(connection, error);
    }
    // Once: a second refusal is the client's (or the server's) answer, not a reason to loop.
    return step(connection);
  }

  /** Rethrows `error` unless it is the client's "the user must authorize" and Alice came back. */
  async #finish(connection: McpConnection, error: unknown): Promise<void> {
    const redirect = this.#client.isUnauthorized(error) ? this.#alice.takeRedirect() : undefined;
    if (redirect === undefined) throw error;
    await connection.finishAuth(redirect);
  }
}
