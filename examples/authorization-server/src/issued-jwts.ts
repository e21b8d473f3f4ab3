/**
 * oidc-provider 8 does not store JWT access tokens (its jwt format returns no payload to save),
 * so its introspection (RFC 7662) and revocation (RFC 7009) endpoints never find one: a JWT
 * would introspect as inactive from the start, and its revocation would change nothing. Servers
 * that issue revocable JWTs keep a record of each one; this does the same for the demo: once a
 * token response carries a JWT access token, its claims are stored under its `jti` (as an opaque
 * token's would be) and the JWT itself becomes a name for that record. Revoking the token
 * destroys the record, and introspection answers `active: false` from then on.
 */
import { decodeJwt } from 'jose';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { MemoryAdapterFactory } from './adapter.js';

export function recordIssuedJwts(provider: Provider, adapter: MemoryAdapterFactory): void {
  provider.use(async (ctx: KoaContextWithOIDC, next) => {
    await next();
    if (ctx.path !== '/token' || ctx.status !== 200) return;
    const value = (ctx.body as { access_token?: unknown } | undefined)?.access_token;
    const token = ctx.oidc?.entities.AccessToken ?? ctx.oidc?.entities.ClientCredentials;
    if (typeof value !== 'string' || token === undefined || value.split('.').length !== 3) return;
    // The server signed this JWT a moment ago: its own iat and exp are the record's.
    const { iat, exp } = decodeJwt(value);
    if (typeof iat !== 'number' || typeof exp !== 'number') return;
    const fields = (token.constructor as unknown as { IN_PAYLOAD: readonly string[] }).IN_PAYLOAD;
    const payload: Record<string, unknown> = { iat, exp };
    for (const field of fields) {
      const held = (token as unknown as Record<string, unknown>)[field];
      // `format` is left out: a stored record is read back as opaque (has_format.js), whatever was issued.
      if (held !== undefined && field !== 'format') payload[field] = held;
    }
    const model = token.kind;
    await adapter(model).upsert(token.jti, payload as never, Math.max(1, exp - Math.floor(Date.now() / 1000)));
    adapter.alias(model, value, token.jti);
  });
}
