/**
 * Presets for the identity providers whose access tokens differ from RFC 9068: each returns
 * the issuer options (keys, accepted `typ`, required claims, client-id claim, scope source,
 * audience) for one provider, to be listed in `issuers`. See docs/identity-providers.md.
 */
export { type Auth0Options, auth0 } from './auth0.js';
export { type CognitoOptions, cognito } from './cognito.js';
export { type EntraIdOptions, entraId } from './entra-id.js';
export { type HydraOptions, hydra } from './hydra.js';
export { type KeycloakOptions, keycloak, keycloakRealmRoles } from './keycloak.js';
export { oidcProvider, type Rfc9068Options, rfc9068 } from './oidc-provider.js';
export { type OktaOptions, okta } from './okta.js';
export { type ZitadelOptions, zitadel, zitadelRoles } from './zitadel.js';
