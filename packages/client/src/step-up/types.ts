import type { DPoPHandle } from 'oauth4webapi';

/** What a step-up must obtain, read off a refusal's challenge and body, checked against the client's policy. */
export interface StepUpRequest {
  /** The challenge's error: why the request fell short. */
  readonly reason: 'insufficient_scope' | 'insufficient_user_authentication';
  /** The scopes to ask for: the union of what the client holds and what the challenge names. */
  readonly scope: readonly string[];
  /** RFC 9470 §3. */
  readonly acrValues?: readonly string[];
  readonly maxAge?: number;
  /** RFC 9396 entries from the refusal's body. */
  readonly authorizationDetails?: readonly Record<string, unknown>[];
  /**
   * The RFC 8707 resource indicator to ask for: the `resource` of the RFC 9728 metadata, once
   * verified to describe the URL called, or else the configured allowed resource covering it.
   * Never a value the responding server chose unchecked.
   */
  readonly resource: string;
  /** RFC 9728 §5.1: the metadata document the challenge named (verified before this request exists). */
  readonly resourceMetadata?: string;
  /** The refused request. */
  readonly method: string;
  readonly url: string;
  /**
   * Set when the fetch has a DPoP key: the step-up must obtain a token bound to it (RFC 9449 §5:
   * a proof on the token request) and return it with `tokenType: 'DPoP'`; the fetch refuses anything else.
   */
  readonly dpop?: DPoPHandle;
}

/** A short-lived elevated token. */
export interface ElevatedToken {
  /** An RFC 6750 §2.1 b64token. */
  readonly accessToken: string;
  /** Milliseconds since the epoch. Without it the token is used for the request that asked for it only. */
  readonly expiresAt?: number;
  /** Good for one request: never reused. */
  readonly singleUse?: boolean;
  /**
   * How it is presented: `DPoP` for a token bound to the fetch's key (RFC 9449 §7.1, with a
   * proof on every request), `Bearer` (the default) for any other.
   */
  readonly tokenType?: TokenType;
}

/** RFC 9449 §7.1 / RFC 6750 §2.1: the `Authorization` scheme a token is sent with. */
export type TokenType = 'Bearer' | 'DPoP';

/**
 * What `getToken` may answer: a Bearer token as a string, or a token with its type, e.g. a
 * baseline obtained with a proof by the same key as the fetch's (`{ accessToken, tokenType: 'DPoP' }`).
 */
export type BaselineToken = string | { readonly accessToken: string; readonly tokenType: TokenType };

/** Obtains an elevated token; rejects with a `StepUpError` when the approval fails. */
export type StepUp = (request: StepUpRequest) => Promise<ElevatedToken>;

/**
 * What {@link StepUpFetchOptions.onEvent} reports: a step-up started (`pending`) and how it ended.
 * Shared approvals report once, not per waiting request.
 */
export type StepUpEvent =
  | { readonly type: 'step-up:pending'; readonly request: StepUpRequest }
  | { readonly type: 'step-up:approved'; readonly request: StepUpRequest; readonly token: ElevatedToken }
  | { readonly type: 'step-up:denied'; readonly request: StepUpRequest }
  | { readonly type: 'step-up:expired'; readonly request: StepUpRequest }
  | { readonly type: 'step-up:failed'; readonly request: StepUpRequest; readonly error: Error };
