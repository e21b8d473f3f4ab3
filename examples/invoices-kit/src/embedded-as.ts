/**
 * The contract's embedded demo authorization server, used when `ISSUER` is unset: the demo
 * oidc-provider in this process, trusting this example as its one resource.
 */
import {
  type AuthorizationServer,
  DEMO_USERS,
  startAuthorizationServer,
} from '@actiongate-examples/authorization-server';
import { invoiceScopes } from './actions.js';

export async function startEmbeddedAuthorizationServer(audience: string, host: string): Promise<AuthorizationServer> {
  return startAuthorizationServer({ host, resources: { [audience]: invoiceScopes }, clientSecret: 'demo-secret' });
}

/** A baseline token (client credentials, `invoices:read`) and ready commands, on stderr. */
export async function printHint(as: AuthorizationServer, origin: string, audience: string): Promise<void> {
  const response = await fetch(`${as.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: as.clientId,
      client_secret: as.clientSecret,
      scope: 'invoices:read',
      resource: audience,
    }),
  });
  const { access_token: token } = (await response.json()) as { access_token: string };
  process.stderr.write(
    [
      '',
      `No ISSUER set: the embedded demo authorization server runs at ${as.issuer}`,
      `(client ${as.clientId} / ${as.clientSecret}; by client credentials it gets "invoices:read" only).`,
      `Elevated scopes need the user's approval: sign in at ${as.issuer}/approvals as ${Object.entries(DEMO_USERS)
        .map(([name, password]) => `${name} / ${password}`)
        .join(' or ')}.`,
      'A baseline token with scope "invoices:read", valid for an hour:',
      '',
      `  curl -s ${origin}/invoices -H 'Authorization: Bearer ${token}'`,
      '',
      'The same token is refused for an export (403 insufficient_scope):',
      '',
      `  curl -si -X POST ${origin}/invoices/export -H 'Authorization: Bearer ${token}'`,
      '',
    ].join('\n'),
  );
}
