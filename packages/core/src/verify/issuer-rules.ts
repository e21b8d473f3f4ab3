/**
 * The rules that differ from one authorization server to the next, set per issuer so that a
 * gate trusting two providers keeps each one's rules apart: which `typ` headers are accepted,
 * which claims are required, which claim names the client, where scopes come from, and what
 * the audience is checked against. Each one left out falls back to the gate's setting.
 */
import { ConfigurationError } from '../errors.js';
import { type ScopeSource, validateScopeSource } from '../scopes/index.js';

/** Claims that name the OAuth client, by provider: RFC 9068 / Cognito / Hydra / ZITADEL, OIDC `azp` (Auth0, Keycloak, Entra v2), Okta, Entra v1. */
export type ClientIdClaim = 'client_id' | 'azp' | 'cid' | 'appid';
/** Claims that identify the token itself: RFC 7519 `jti`, or Entra ID's `uti`. */
export type TokenIdClaim = 'jti' | 'uti';

/**
 * Per-issuer exceptions to the gate's token rules, for authorization servers that do not follow
 * RFC 9068; the presets fill them in. Every member defaults to the gate's setting.
 */
export interface IssuerTokenRules {
  /**
   * Accepted `typ` header values for this issuer's tokens (`JWT`, `at+jwt`, compared as
   * RFC 8725 §3.11 media types); `null` accepts a token without `typ`. Default: the gate's
   * (`at+jwt`, RFC 9068 §4). Accepting anything else is a deviation from RFC 9068 for servers
   * that predate it: their ID tokens must then be kept out by the audience, which differs.
   */
  readonly tokenTypes?: readonly (string | null)[];
  /** Claims this issuer's tokens must carry. Default: the gate's `requiredClaims`. */
  readonly requiredClaims?: readonly string[];
  /** Where this issuer's scopes come from. Default: the gate's `scopes`. */
  readonly scopes?: ScopeSource;
  /** The claim naming the client, reported as `clientId` in the audit event. Default `client_id`. */
  readonly clientIdClaim?: ClientIdClaim;
  /** The claim identifying the token, used by single-use actions. Default `jti`. */
  readonly tokenIdClaim?: TokenIdClaim;
  /** Accepted audience values for this issuer. Default: the gate's `audience`. */
  readonly audience?: string | readonly string[];
  /**
   * The claim the audience is checked against: `aud` (default; RFC 9068 §4) or `client_id`,
   * for Amazon Cognito, whose access tokens carry no `aud` and name their app client instead.
   */
  readonly audienceClaim?: 'aud' | 'client_id';
  /** Claims that must hold exactly this string, e.g. `{ token_use: 'access' }` (Cognito). */
  readonly claimValues?: Readonly<Record<string, string>>;
}

/** Validated rules; `undefined` members fall back to the gate's settings. */
export interface NormalizedIssuerRules {
  readonly tokenTypes: ReadonlySet<string> | undefined;
  readonly untyped: boolean;
  readonly requiredClaims: readonly string[] | undefined;
  readonly scopes: ScopeSource | undefined;
  readonly clientIdClaim: ClientIdClaim;
  readonly tokenIdClaim: TokenIdClaim;
  readonly audience: readonly string[] | undefined;
  readonly audienceClaim: 'aud' | 'client_id';
  readonly claimValues: Readonly<Record<string, string>>;
}

/** RFC 9068 §4 / RFC 8725 §3.11: media types compare case-insensitively, `application/` optional. */
export function normalizeTyp(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.includes('/') ? lower : `application/${lower}`;
}

const CLIENT_ID_CLAIMS = new Set<string>(['client_id', 'azp', 'cid', 'appid']);
const TOKEN_ID_CLAIMS = new Set<string>(['jti', 'uti']);

function stringList(option: string, value: unknown, fix: string): readonly string[] {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || list.some((item) => typeof item !== 'string' || item.length === 0))
    throw new ConfigurationError(option, fix);
  return Object.freeze([...list]);
}

export function normalizeIssuerRules(options: IssuerTokenRules, at: string): NormalizedIssuerRules {
  let tokenTypes: Set<string> | undefined;
  let untyped = false;
  if (options.tokenTypes !== undefined) {
    const types = options.tokenTypes;
    if (!Array.isArray(types) || types.length === 0) {
      throw new ConfigurationError(
        `${at}.tokenTypes`,
        "must be a non-empty array such as ['at+jwt'], ['JWT'] or [null]",
      );
    }
    tokenTypes = new Set();
    for (const typ of types) {
      if (typ === null) untyped = true;
      else if (typeof typ === 'string' && typ.length > 0) tokenTypes.add(normalizeTyp(typ));
      else throw new ConfigurationError(`${at}.tokenTypes`, 'may hold only typ values (strings) and null for none');
    }
  }
  const requiredClaims =
    options.requiredClaims === undefined
      ? undefined
      : stringList(
          `${at}.requiredClaims`,
          options.requiredClaims,
          "must be a non-empty array of claim names, e.g. ['iss', 'exp', 'sub']",
        );
  const clientIdClaim = options.clientIdClaim ?? 'client_id';
  if (!CLIENT_ID_CLAIMS.has(clientIdClaim))
    throw new ConfigurationError(`${at}.clientIdClaim`, `must be one of: ${[...CLIENT_ID_CLAIMS].join(', ')}`);
  const tokenIdClaim = options.tokenIdClaim ?? 'jti';
  if (!TOKEN_ID_CLAIMS.has(tokenIdClaim))
    throw new ConfigurationError(`${at}.tokenIdClaim`, `must be one of: ${[...TOKEN_ID_CLAIMS].join(', ')}`);
  const audienceClaim = options.audienceClaim ?? 'aud';
  if (audienceClaim !== 'aud' && audienceClaim !== 'client_id')
    throw new ConfigurationError(`${at}.audienceClaim`, "must be 'aud' or 'client_id'");
  const audience =
    options.audience === undefined
      ? undefined
      : stringList(`${at}.audience`, options.audience, 'must be a non-empty string or array of strings');
  if (audienceClaim === 'client_id' && audience === undefined) {
    throw new ConfigurationError(
      `${at}.audience`,
      "must list the accepted client ids when audienceClaim is 'client_id'",
    );
  }
  const claimValues = options.claimValues ?? {};
  if (
    typeof claimValues !== 'object' ||
    claimValues === null ||
    Object.values(claimValues).some((v) => typeof v !== 'string')
  ) {
    throw new ConfigurationError(`${at}.claimValues`, "must map claim names to strings, e.g. { token_use: 'access' }");
  }
  return Object.freeze({
    tokenTypes,
    untyped,
    requiredClaims,
    scopes: options.scopes === undefined ? undefined : validateScopeSource(`${at}.scopes`, options.scopes),
    clientIdClaim,
    tokenIdClaim,
    audience,
    audienceClaim,
    claimValues: Object.freeze({ ...claimValues }),
  });
}
