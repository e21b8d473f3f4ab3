/**
 * Finding an issuer's key set from its metadata: RFC 8414 authorization server metadata first,
 * then OpenID Connect Discovery 1.0, each checked to be the configured issuer's own document.
 */
import { type FetchLimits, fetchJson, KeySetFetchError } from './fetch-json.js';
import { insecureUrlProblem } from './urls.js';

/** The metadata documents to try, in order. */
export function metadataUrls(issuer: URL): URL[] {
  // A terminating `/` is removed before the well-known segment is placed (RFC 8414 §3.1;
  // OpenID Connect Discovery §4.1 "remove any terminating /").
  const path = issuer.pathname === '/' ? '' : issuer.pathname.replace(/\/$/, '');
  return [
    // RFC 8414 §3.1: inserted between the host and the path.
    new URL(`${issuer.origin}/.well-known/oauth-authorization-server${path}`),
    // OpenID Connect Discovery §4.1: appended to the issuer.
    new URL(`${issuer.origin}${path}/.well-known/openid-configuration`),
  ];
}

/** Untrusted text for a log line: quoted, shortened. */
function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

function jwksUriFrom(document: unknown, issuer: string, from: URL, allowInsecureHttp: boolean): URL {
  if (typeof document !== 'object' || document === null || Array.isArray(document))
    throw new KeySetFetchError(`${from.href} is not a metadata object`);
  const { issuer: stated, jwks_uri: jwksUri } = document as { issuer?: unknown; jwks_uri?: unknown };
  // RFC 8414 §3.3 (and OpenID Connect Discovery §4.3): the `issuer` in the document MUST be
  // identical to the one it was fetched for, or the document MUST NOT be used.
  if (stated !== issuer) {
    const slashOnly =
      typeof stated === 'string' && stated.replace(/\/$/, '') === issuer.replace(/\/$/, '') && stated !== issuer;
    throw new KeySetFetchError(
      `${from.href} names issuer ${shown(stated)}, not the configured ${shown(issuer)}` +
        (slashOnly
          ? '; they differ only by a trailing slash: set issuers[].issuer to exactly the value the ' +
            "server states (it is also the tokens' iss)"
          : ''),
    );
  }
  if (typeof jwksUri !== 'string') throw new KeySetFetchError(`${from.href} has no jwks_uri`);
  let url: URL;
  try {
    url = new URL(jwksUri);
  } catch {
    throw new KeySetFetchError(`${from.href} has a jwks_uri that is not an absolute URL: ${shown(jwksUri)}`);
  }
  const problem = insecureUrlProblem(url, allowInsecureHttp);
  if (problem !== undefined) throw new KeySetFetchError(`the discovered jwks_uri ${shown(jwksUri)} ${problem}`);
  return url;
}

/** The issuer's `jwks_uri`, from the first metadata document that answers and checks out. */
export async function discoverJwksUri(issuer: string, limits: FetchLimits, allowInsecureHttp: boolean): Promise<URL> {
  const problems: string[] = [];
  for (const from of metadataUrls(new URL(issuer))) {
    try {
      return jwksUriFrom(await fetchJson(from, limits, 'application/json'), issuer, from, allowInsecureHttp);
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error));
    }
  }
  throw new KeySetFetchError(`discovery failed for ${issuer}: ${problems.join('; ')}`);
}
