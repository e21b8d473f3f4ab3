/**
 * OAuth 2.0 Protected Resource Metadata, RFC 9728.
 */
import { ConfigurationError } from '../errors.js';

const WELL_KNOWN = '/.well-known/oauth-protected-resource';

/** RFC 9728 §2: the metadata document. */
export interface ProtectedResourceMetadata {
  readonly resource: string;
  readonly authorization_servers?: readonly string[];
  readonly scopes_supported?: readonly string[];
  readonly bearer_methods_supported?: readonly string[];
  readonly resource_name?: string;
  readonly resource_documentation?: string;
  readonly [parameter: string]: unknown;
}

/**
 * RFC 8707 §2 / RFC 9728 §1.2: the resource identifier is an absolute http(s) URI without a
 * fragment. Returned as a URL for derivations; the identifier itself is kept as given.
 */
export function parseResourceIdentifier(resource: unknown, option = 'resource'): URL {
  let url: URL;
  try {
    url = new URL(String(resource));
  } catch {
    throw new ConfigurationError(option, 'must be an absolute URL, such as https://api.example.com');
  }
  if (typeof resource !== 'string') throw new ConfigurationError(option, 'must be a string');
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new ConfigurationError(option, 'must be an http(s) URL');
  if (resource.includes('#')) throw new ConfigurationError(option, 'must not contain a fragment (RFC 8707 §2)');
  return url;
}

/**
 * RFC 9728 §3.1: the well-known URI is formed by inserting `/.well-known/oauth-protected-resource`
 * between the host and the path of the resource identifier; a terminating `/` is removed first.
 */
export function metadataUrlFor(resource: string): string {
  const url = parseResourceIdentifier(resource);
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  return `${url.origin}${WELL_KNOWN}${path}${url.search}`;
}

/** The path part of `metadataUrlFor(resource)`, where a server mounts the document. */
export function metadataPathFor(resource: string): string {
  return new URL(metadataUrlFor(resource)).pathname;
}

export interface MetadataInput {
  readonly resource: string;
  readonly authorizationServers: readonly string[];
  readonly scopesSupported: readonly string[];
  readonly bearerMethods: readonly string[];
  readonly extra?: Readonly<Record<string, unknown>>;
}

/**
 * Builds the frozen RFC 9728 §2 document. `extra` members come first, so they can add fields
 * but never override `resource` or the lists the gate derives.
 */
export function buildMetadata(input: MetadataInput): ProtectedResourceMetadata {
  const document: Record<string, unknown> = {
    ...input.extra,
    // RFC 9728 §3.3: `resource` must be identical to the identifier the metadata was fetched for.
    resource: input.resource,
    authorization_servers: [...new Set(input.authorizationServers)],
    scopes_supported: [...new Set(input.scopesSupported)].sort(),
    bearer_methods_supported: [...input.bearerMethods],
  };
  return Object.freeze(document as ProtectedResourceMetadata);
}
