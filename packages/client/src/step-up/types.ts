/** What a step-up must obtain, read off a refusal's challenge and body. */
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
  /** RFC 9728 §5.1: where the resource describes itself. */
  readonly resourceMetadata?: string;
  /** The refused request. */
  readonly method: string;
  readonly url: string;
}

/** A short-lived elevated token. */
export interface ElevatedToken {
  readonly accessToken: string;
  /** Milliseconds since the epoch. */
  readonly expiresAt?: number;
  /** Good for one request: never reused. */
  readonly singleUse?: boolean;
}

/** Obtains an elevated token; rejects with a `StepUpError` when the approval fails. */
export type StepUp = (request: StepUpRequest) => Promise<ElevatedToken>;

export type StepUpEvent =
  | { readonly type: 'step-up:pending'; readonly request: StepUpRequest }
  | { readonly type: 'step-up:approved'; readonly request: StepUpRequest; readonly token: ElevatedToken }
  | { readonly type: 'step-up:denied'; readonly request: StepUpRequest }
  | { readonly type: 'step-up:expired'; readonly request: StepUpRequest };
