/**
 * The OAuth client provider of an MCP host, kept in memory (one host, one server): "redirecting
 * the user" hands the authorization URL to Alice, who goes through the authorization server's
 * pages. The two SDK generations declare the same provider shape with their own types;
 * `provider-v1.ts` and `provider-v2.ts` bind this class to each.
 */
import type { Alice } from './alice.js';

/** How an MCP host registers itself with the authorization server (RFC 7591). */
export interface HostOptions {
  readonly clientName: string;
  /** Loopback redirect URI (RFC 8252 §7.3); Alice's browser stops at it, nothing listens there. */
  readonly redirectUrl: string;
  /** `grant_types` of the client metadata; unset leaves the SDK's default. */
  readonly grantTypes?: readonly string[];
}

export interface HostMetadata {
  client_name: string;
  redirect_uris: string[];
  response_types: string[];
  token_endpoint_auth_method: string;
  grant_types?: string[];
}

export function hostMetadata(options: HostOptions): HostMetadata {
  return {
    client_name: options.clientName,
    redirect_uris: [options.redirectUrl],
    response_types: ['code'],
    // A public client: PKCE protects its code (RFC 7636), it holds no secret.
    token_endpoint_auth_method: 'none',
    ...(options.grantTypes === undefined ? {} : { grant_types: [...options.grantTypes] }),
  };
}

type CredentialScope = 'all' | 'client' | 'tokens' | 'verifier' | 'discovery';

export class InMemoryProvider<Metadata extends HostMetadata, ClientInformation, Tokens, Discovery> {
  readonly #alice: Alice;
  readonly #metadata: Metadata;
  #client: ClientInformation | undefined;
  #tokens: Tokens | undefined;
  #verifier: string | undefined;
  #discovery: Discovery | undefined;

  constructor(alice: Alice, metadata: Metadata) {
    this.#alice = alice;
    this.#metadata = metadata;
  }

  get redirectUrl(): string {
    return this.#metadata.redirect_uris[0] as string;
  }

  get clientMetadata(): Metadata {
    return this.#metadata;
  }

  clientInformation(): ClientInformation | undefined {
    return this.#client;
  }

  saveClientInformation(information: ClientInformation): void {
    this.#client = information;
  }

  tokens(): Tokens | undefined {
    return this.#tokens;
  }

  saveTokens(tokens: Tokens): void {
    this.#tokens = tokens;
  }

  async redirectToAuthorization(authorizationUrl: URL): Promise<void> {
    await this.#alice.authorize(authorizationUrl);
  }

  saveCodeVerifier(codeVerifier: string): void {
    this.#verifier = codeVerifier;
  }

  codeVerifier(): string {
    if (this.#verifier === undefined) throw new Error('no PKCE code verifier saved');
    return this.#verifier;
  }

  // SEP-2352 (v2): the callback leg checks that the code comes from the authorization server discovered.
  saveDiscoveryState(state: Discovery): void {
    this.#discovery = state;
  }

  discoveryState(): Discovery | undefined {
    return this.#discovery;
  }

  invalidateCredentials(scope: CredentialScope): void {
    if (scope === 'all' || scope === 'client') this.#client = undefined;
    if (scope === 'all' || scope === 'tokens') this.#tokens = undefined;
    if (scope === 'all' || scope === 'verifier') this.#verifier = undefined;
    if (scope === 'all' || scope === 'discovery') this.#discovery = undefined;
  }
}
