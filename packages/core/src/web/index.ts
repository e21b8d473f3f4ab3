/**
 * The Web-standard `Request` and `Response` (Fetch) module: facts from a `Request`, a
 * `Response` from a refusal, the metadata document, and one call that does all three.
 */
export { type BodyKind, RequestBodyError, type RequestBodyErrorCode } from './body.js';
export { decideRequest, type WebDecision } from './decide.js';
export { DEFAULT_MAX_BODY_BYTES, type WebRequestFactsOptions, webRequestFacts, webRequestFactsNow } from './facts.js';
export { applyDecisionHeaders, credentialFields, rawCredentialFields } from './headers.js';
export { isMetadataRequest, metadataResponse, refusalResponse, requestBodyErrorResponse } from './response.js';
