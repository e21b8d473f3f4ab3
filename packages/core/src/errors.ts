/**
 * Errors as classes with a stable `code`, in the manner of `jose`.
 *
 * Two families:
 * - start-up errors (`ConfigurationError`, `UnknownActionError`) are thrown to the developer;
 * - verification errors are thrown inside the verifier and turned by the gate into a refusal.
 *   Their `message` is fixed per code: text from `jose`, the network or the token is kept only
 *   as `cause`, so nothing untrusted can reach a header or a body.
 */
import type { RefusalDetail } from './audit/detail.js';
import type { RefusalCode } from './challenge/codes.js';

/**
 * The base class of every error actiongate throws; catch it to tell actiongate's errors apart,
 * and switch on `code` rather than on the message, which may change.
 */
export class ActionGateError extends Error {
  /** A stable, machine-readable code. */
  readonly code: string = 'ERR_ACTIONGATE';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A configuration mistake, thrown at start-up. The message names the option and the fix. */
export class ConfigurationError extends ActionGateError {
  override readonly code = 'ERR_CONFIGURATION';
  /** The option at fault, as a dotted path (`issuers[0].jwksUri`). */
  readonly option: string;

  constructor(option: string, problem: string) {
    super(`actiongate: option "${option}" ${problem}`);
    this.option = option;
  }
}

/** `requireAction()` or `gate.decide()` named an action that was never declared. */
export class UnknownActionError extends ActionGateError {
  override readonly code = 'ERR_UNKNOWN_ACTION';
  readonly action: string;

  constructor(action: string, declared: readonly string[]) {
    super(
      `actiongate: unknown action "${action}"; declare it in defineActions() (declared: ${declared.join(', ') || 'none'})`,
    );
    this.action = action;
  }
}

/** The token was refused by verification; `reason` selects the fixed refusal. */
export class TokenRejectedError extends ActionGateError {
  override readonly code = 'ERR_TOKEN_REJECTED';
  readonly reason: RefusalCode;
  /** For the audit event only: which claim failed and how, sanitised; never sent to the client. */
  readonly detail: RefusalDetail | undefined;

  constructor(reason: RefusalCode, options?: { cause?: unknown; detail?: RefusalDetail }) {
    super(`access token rejected: ${reason}`, options);
    this.reason = reason;
    this.detail = options?.detail;
  }
}

/** The keys needed to verify a token could not be had (timeout, refused, non-200, not a JWKS). */
export class KeySetUnavailableError extends ActionGateError {
  override readonly code = 'ERR_KEYS_UNAVAILABLE';
  /** Whole seconds until the key set will be tried again, when a backoff is running. */
  readonly retryAfter: number | undefined;

  constructor(options?: { cause?: unknown; retryAfter?: number }) {
    super('the key set could not be fetched', options);
    this.retryAfter = options?.retryAfter;
  }
}

/** The introspection endpoint could not answer (timeout, refused, non-200, not JSON, too large, not RFC 7662). */
export class IntrospectionUnavailableError extends ActionGateError {
  override readonly code = 'ERR_INTROSPECTION_UNAVAILABLE';
  /** Whole seconds until the endpoint will be tried again, when a backoff is running. */
  readonly retryAfter: number | undefined;

  constructor(options?: { cause?: unknown; retryAfter?: number }) {
    super('the introspection endpoint could not answer', options);
    this.retryAfter = options?.retryAfter;
  }
}

/** The replay store could not record a use (unreachable, slow, full): the request fails closed. */
export class ReplayStoreUnavailableError extends ActionGateError {
  override readonly code = 'ERR_REPLAY_STORE_UNAVAILABLE';

  constructor(message = 'the replay store is unavailable', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * The revocation store or the `isRevoked` hook could not answer (unreachable, slow, full, a
 * nonsense answer): the request fails closed with 503.
 */
export class RevocationUnavailableError extends ActionGateError {
  override readonly code = 'ERR_REVOCATION_UNAVAILABLE';

  constructor(message = 'the revocation check is unavailable', options?: { cause?: unknown }) {
    super(message, options);
  }
}
