/**
 * The examples' environment (see shared/invoice-api.md, "Starting a server"). A mistake stops
 * the process before it listens, with a message naming the variable.
 */
export interface ExampleConfig {
  readonly port: number;
  readonly host: string;
  /** Set together with `jwksUri`, or neither: then the embedded demo issuer is used. */
  readonly issuer: string | undefined;
  readonly jwksUri: string | undefined;
  /** `undefined`: `http://HOST:PORT` once the real port is known. */
  readonly audience: string | undefined;
  readonly redisUrl: string | undefined;
  /** DPoP (RFC 9449) beside Bearer: `ACCEPT_DPOP`, implied by the two below. */
  readonly acceptDpop: boolean;
  /** `DPOP_NONCE`: server nonces required in proofs. */
  readonly dpopNonce: boolean;
  /** `REFUND_REQUIRES_DPOP`: `invoices.refund` accepts only DPoP-bound tokens. */
  readonly refundRequiresDpop: boolean;
  /** RFC 7662: set together (all three or none); a token that is not a JWT is checked there. */
  readonly introspection: IntrospectionConfig | undefined;
  /**
   * `INTROSPECT_REFUND` (beyond shared/invoice-api.md; needs the introspection variables): a
   * refund's JWT is checked at the introspection endpoint too, so that a token revoked at the
   * authorization server (RFC 7009) is refused.
   */
  readonly introspectRefund: boolean;
  /**
   * `REVOCATION_REDIS_URL` (beyond shared/invoice-api.md): a deny list on this Redis, shared by
   * every instance, checked on every request; any process on it may revoke by jti, sub, client
   * or grant. Every route then depends on that Redis (503 while it cannot answer).
   */
  readonly revocationRedisUrl: string | undefined;
}

export interface IntrospectionConfig {
  readonly url: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

export class ExampleConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable} ${problem}`);
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** An environment variable set to the empty string counts as unset. */
function read(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

function url(env: Env, name: string, protocols: readonly string[]): string | undefined {
  const value = read(env, name);
  if (value === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ExampleConfigError(name, `is not an absolute URL: ${JSON.stringify(value)}`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ExampleConfigError(name, `must use ${protocols.join(' or ')} (got ${parsed.protocol})`);
  }
  return value;
}

export function readConfig(env: Env): ExampleConfig {
  const portText = read(env, 'PORT') ?? '3000';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535)
    throw new ExampleConfigError('PORT', `must be a port number 0-65535 (got ${JSON.stringify(portText)})`);
  const host = read(env, 'HOST') ?? '127.0.0.1';
  const issuer = read(env, 'ISSUER');
  const jwksUri = url(env, 'JWKS_URI', ['http:', 'https:']);
  if (issuer !== undefined && jwksUri === undefined)
    throw new ExampleConfigError('JWKS_URI', 'is required when ISSUER is set');
  if (issuer === undefined && jwksUri !== undefined)
    throw new ExampleConfigError('ISSUER', 'is required when JWKS_URI is set');
  if (issuer !== undefined) url(env, 'ISSUER', ['http:', 'https:']);
  const audience = url(env, 'AUDIENCE', ['http:', 'https:']);
  if (audience?.includes('#')) throw new ExampleConfigError('AUDIENCE', 'must not contain a fragment');
  const redisUrl = url(env, 'REDIS_URL', ['redis:', 'rediss:']);
  // Switches: any non-empty value turns them on.
  const dpopNonce = read(env, 'DPOP_NONCE') !== undefined;
  const refundRequiresDpop = read(env, 'REFUND_REQUIRES_DPOP') !== undefined;
  const acceptDpop = read(env, 'ACCEPT_DPOP') !== undefined || dpopNonce || refundRequiresDpop;
  const introspectionConfig = introspection(env);
  const introspectRefund = read(env, 'INTROSPECT_REFUND') !== undefined;
  if (introspectRefund && introspectionConfig === undefined)
    throw new ExampleConfigError(
      'INTROSPECT_REFUND',
      'needs INTROSPECTION_URL, INTROSPECTION_CLIENT_ID and INTROSPECTION_CLIENT_SECRET',
    );
  return {
    port,
    host,
    issuer,
    jwksUri,
    audience,
    redisUrl,
    acceptDpop,
    dpopNonce,
    refundRequiresDpop,
    introspection: introspectionConfig,
    introspectRefund,
    revocationRedisUrl: url(env, 'REVOCATION_REDIS_URL', ['redis:', 'rediss:']),
  };
}

const INTROSPECTION_VARIABLES = [
  'INTROSPECTION_URL',
  'INTROSPECTION_CLIENT_ID',
  'INTROSPECTION_CLIENT_SECRET',
] as const;

/** All three or none: a half-configured introspection would silently refuse every opaque token. */
function introspection(env: Env): IntrospectionConfig | undefined {
  const given = INTROSPECTION_VARIABLES.filter((name) => read(env, name) !== undefined);
  if (given.length === 0) return undefined;
  const absent = INTROSPECTION_VARIABLES.find((name) => read(env, name) === undefined);
  if (absent !== undefined)
    throw new ExampleConfigError(
      absent,
      `is required when ${given.join(' and ')} ${given.length > 1 ? 'are' : 'is'} set`,
    );
  return {
    url: url(env, 'INTROSPECTION_URL', ['http:', 'https:']) as string,
    clientId: read(env, 'INTROSPECTION_CLIENT_ID') as string,
    clientSecret: read(env, 'INTROSPECTION_CLIENT_SECRET') as string,
  };
}
