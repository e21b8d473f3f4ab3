export {
  type Action,
  type ActionDeclaration,
  type ActionSet,
  defineActions,
  type UseBudget,
} from './actions/index.js';
export { isScopeToken } from './actions/scope-syntax.js';
export { assertAdapterArguments } from './adapter/binding.js';
export { ActionRefusedError, MissingAuthError, RefusalHookError } from './adapter/errors.js';
export { targetsPath } from './adapter/request-target.js';
export type { DecisionEvent, DecisionHook, RefusalDetail, RefusalProblem } from './audit/index.js';
export { type BearerErrorCode, REFUSALS, type RefusalCode } from './challenge/codes.js';
export type { ChallengeRequirement, Refusal, RefusalBody } from './challenge/refusal.js';
export {
  type ChallengeParams,
  type ChallengeScheme,
  isChallengeValue,
  renderBearerChallenge,
  renderChallenge,
} from './challenge/render.js';
export {
  type ActionCheck,
  type ActionCheckContext,
  type ActionCheckResult,
  type AuthorizationDetail,
  type AuthorizationDetailsRequirement,
  type BindingContext,
  type Check,
  type CheckContext,
  type CheckStage,
  grants,
  readAuthorizationDetails,
  type Shortfall,
  type ShortfallReason,
  type UserAuthenticationRequirement,
} from './checks/index.js';
export { DEFAULT_DPOP_ALGS, type DpopNonceOptions, type DpopOptions } from './dpop/options.js';
export {
  ActionGateError,
  ConfigurationError,
  IntrospectionUnavailableError,
  KeySetUnavailableError,
  ReplayStoreUnavailableError,
  RevocationUnavailableError,
  TokenRejectedError,
  UnknownActionError,
} from './errors.js';
export { accessTokenParameter, type Extraction, type ExtractOptions, extractToken } from './extract/index.js';
export { authorizationFields, dpopFields, rawFieldValues } from './extract/node-headers.js';
export type { RequestFacts } from './facts.js';
export { type Allow, type AuthInfo, createGate, type Decision, type Gate, type PreparedAction } from './gate/index.js';
export type { GateOptions } from './gate/options.js';
export {
  buildMetadata,
  metadataPathFor,
  metadataUrlFor,
  type ProtectedResourceMetadata,
} from './metadata/index.js';
export {
  type Auth0Options,
  auth0,
  type CognitoOptions,
  cognito,
  type EntraIdOptions,
  entraId,
  type HydraOptions,
  hydra,
  type KeycloakOptions,
  keycloak,
  keycloakRealmRoles,
  type OktaOptions,
  oidcProvider,
  okta,
  type Rfc9068Options,
  rfc9068,
  type ZitadelOptions,
  zitadel,
  zitadelRoles,
} from './presets/index.js';
export {
  type BudgetUse,
  type ConsumeResult,
  MemoryReplayStore,
  type MemoryReplayStoreOptions,
  type ReplayStore,
  type ReplayUse,
  type SpendResult,
} from './replay/index.js';
export {
  MemoryRevocationStore,
  type MemoryRevocationStoreOptions,
  type Revocation,
  type RevocationHook,
  type RevocationQuery,
  type RevocationRecord,
  type RevocationStore,
  recordRevokes,
  revocationLookups,
  toRevocationRecord,
} from './revocation/index.js';
export { readScopes, SCOPE_CLAIMS, type ScopeClaim, type ScopeReader, type ScopeSource } from './scopes/index.js';
export type { TokenCacheOptions } from './verify/cache.js';
export { RFC9068_REQUIRED_CLAIMS } from './verify/claims.js';
export type { AccessTokenClaims, VerifiedToken } from './verify/index.js';
export type {
  IntrospectionAccept,
  IntrospectionClientAuth,
  IntrospectionOptions,
} from './verify/introspection-options.js';
export type { ClientIdClaim, IssuerTokenRules, TokenIdClaim } from './verify/issuer-rules.js';
export type { IssuerOptions } from './verify/options.js';
export {
  applyDecisionHeaders,
  type BodyKind,
  credentialFields,
  DEFAULT_MAX_BODY_BYTES,
  decideRequest,
  isMetadataRequest,
  metadataResponse,
  RequestBodyError,
  type RequestBodyErrorCode,
  rawCredentialFields,
  refusalResponse,
  requestBodyErrorResponse,
  type WebDecision,
  type WebRequestFactsOptions,
  webRequestFacts,
  webRequestFactsNow,
} from './web/index.js';
