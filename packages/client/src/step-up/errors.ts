/** Why a step-up did not produce a retried request. A stable `code`, in the manner of `jose`. */
export type StepUpErrorCode = 'denied' | 'expired' | 'rate_limited' | 'failed' | 'body_not_replayable';

export class StepUpError extends Error {
  readonly code: StepUpErrorCode;

  constructor(code: StepUpErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StepUpError';
    this.code = code;
  }
}
