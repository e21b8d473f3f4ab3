export {
  type BearerChallenge,
  type Challenge,
  type ChallengeSource,
  findBearerChallenge,
  findChallenge,
  parseChallenges,
  toBearerChallenge,
} from './challenges/index.js';
export { type CibaStepUpOptions, cibaStepUp, defaultBindingMessage } from './ciba/index.js';
export type { DpopOption } from './dpop/key.js';
export { ConfigurationError, StepUpError, type StepUpErrorCode } from './step-up/errors.js';
export { createStepUpFetch, type StepUpFetch, type StepUpFetchOptions } from './step-up/fetch.js';
export type { MetadataOptions } from './step-up/metadata.js';
export type { StepUpPolicy } from './step-up/policy.js';
export { readStepUpRequest, type UnverifiedStepUpRequest } from './step-up/read-refusal.js';
export { resourceCovers } from './step-up/resource.js';
export { type TokenEndpointStepUpOptions, tokenEndpointStepUp } from './step-up/token-endpoint.js';
export type {
  BaselineToken,
  ElevatedToken,
  StepUp,
  StepUpEvent,
  StepUpRequest,
  TokenType,
} from './step-up/types.js';
