/**
 * Why a step-up did not produce a retried request. A stable `code`, in the manner of `jose`:
 *
 * - `denied`, `expired`, `rate_limited`, `failed`: the approval itself did not succeed;
 * - `body_not_replayable`: the request's body was consumed before it could be sent again;
 * - `metadata_unavailable`, `metadata_not_allowed`, `resource_mismatch`: the resource's
 *   RFC 9728 metadata could not be fetched, lives somewhere the client does not trust, or
 *   describes a resource other than the one called;
 * - `scope_not_allowed`, `details_not_allowed`, `acr_not_allowed`, `max_age_not_allowed`: the
 *   challenge asked for more than the client's policy lets it request;
 * - `malformed_token`: `getToken` or `stepUp` produced something that is not a Bearer token;
 * - `token_not_bound`: the fetch has a DPoP key but the step-up produced a token not bound to it
 *   (the authorization server answered `token_type` Bearer to a request with a proof, RFC 9449 §5).
 */
export type StepUpErrorCode =
  | 'denied'
  | 'expired'
  | 'rate_limited'
  | 'failed'
  | 'body_not_replayable'
  | 'metadata_unavailable'
  | 'metadata_not_allowed'
  | 'resource_mismatch'
  | 'scope_not_allowed'
  | 'details_not_allowed'
  | 'acr_not_allowed'
  | 'max_age_not_allowed'
  | 'malformed_token'
  | 'token_not_bound';

/**
 * Why a step-up did not produce a retried request; switch on `code` (see {@link StepUpErrorCode}).
 * A refusal of the retried request is not an error: the caller gets that response.
 */
export class StepUpError extends Error {
  readonly code: StepUpErrorCode;

  constructor(code: StepUpErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StepUpError';
    this.code = code;
  }
}

/** An option of `createStepUpFetch` is missing or wrong; thrown at creation, never per request. */
export class ConfigurationError extends Error {
  readonly code = 'ERR_CONFIGURATION';
  /** The option at fault (`allowedResources[1]`). */
  readonly option: string;

  constructor(option: string, problem: string) {
    super(`@actiongate/client: option "${option}" ${problem}`);
    this.name = 'ConfigurationError';
    this.option = option;
  }
}
