/**
 * Revocation at the authorization server (RFC 7009), as the invoice API sees it through
 * introspection (RFC 7662): the client revokes an elevated token it holds, and the authorization
 * server's introspection endpoint answers `active: false` for it from then on.
 */
import * as oauth from 'oauth4webapi';

const insecure = { [oauth.allowInsecureRequests]: true };

/** The invoice API's credentials at the authorization server: it may introspect, nothing else. */
export const INVOICE_API_CLIENT = { clientId: 'invoice-api', clientSecret: crypto.randomUUID() } as const;

/** Revokes `token` as its client (RFC 7009 §2.1); resolves once the server confirmed it (200). */
export async function revokeAtAuthorizationServer(
  metadata: oauth.AuthorizationServer,
  client: oauth.Client,
  clientAuth: oauth.ClientAuth,
  token: string,
): Promise<void> {
  const response = await oauth.revocationRequest(metadata, client, clientAuth, token, {
    ...insecure,
    additionalParameters: { token_type_hint: 'access_token' },
  });
  await oauth.processRevocationResponse(response);
}

/** What the authorization server now says of `token` to the invoice API (RFC 7662 §2.2). */
export async function introspectAsInvoiceApi(metadata: oauth.AuthorizationServer, token: string): Promise<boolean> {
  const response = await oauth.introspectionRequest(
    metadata,
    { client_id: INVOICE_API_CLIENT.clientId },
    oauth.ClientSecretBasic(INVOICE_API_CLIENT.clientSecret),
    token,
    insecure,
  );
  return (await oauth.processIntrospectionResponse(metadata, { client_id: INVOICE_API_CLIENT.clientId }, response))
    .active;
}
