/**
 * The errors every adapter hands to the app, defined once so that an app running several
 * adapters (or the ESM and CommonJS copies of one) catches one class, and each adapter holds no
 * error of its own.
 */
import type { RefusalCode } from '../challenge/codes.js';
import type { Refusal, RefusalBody } from '../challenge/refusal.js';
import { ActionGateError } from '../errors.js';

/**
 * A refusal handed to the app's error handling (`onRefusal: 'error'`). It follows the
 * `http-errors` shape (`status`, `statusCode`, `headers`, `expose`), so Express's and Koa's
 * default handlers answer with the right status and challenge, and do not log it as a server
 * error.
 */
export class ActionRefusedError extends ActionGateError {
  override readonly code = 'ERR_ACTION_REFUSED';
  /** The refusal's HTTP status. */
  readonly status: Refusal['status'];
  /** The same as `status`, for handlers that read `statusCode`. */
  readonly statusCode: Refusal['status'];
  /** The challenge headers (`www-authenticate`, or `retry-after` for a 503); send them. */
  readonly headers: Refusal['headers'];
  /** The JSON body actiongate would have sent. */
  readonly body: RefusalBody;
  /** Why the request was refused (`token_missing`, `scope_missing`, ...). */
  readonly reason: RefusalCode;
  /** Whether the message may be shown to the client: it is fixed text, except for a 5xx. */
  readonly expose: boolean;

  constructor(refusal: Refusal) {
    super(refusal.body.error_description);
    this.status = refusal.status;
    this.statusCode = refusal.status;
    this.headers = refusal.headers;
    this.body = refusal.body;
    this.reason = refusal.code;
    this.expose = refusal.status < 500;
  }
}

/**
 * A refusal hook failed with something the framework would not treat as an error (a falsy
 * value, Express's `'route'` or `'router'`): wrapped, so a hook's failure stays a failure.
 */
export class RefusalHookError extends ActionGateError {
  override readonly code = 'ERR_REFUSAL_HOOK';

  constructor(thrown: unknown) {
    super(`actiongate: the onRefusal hook threw ${JSON.stringify(thrown) ?? String(thrown)}`, { cause: thrown });
  }
}

/** A handler asked for the `AuthInfo` of a request that `requireAction()` never allowed. */
export class MissingAuthError extends ActionGateError {
  override readonly code = 'ERR_AUTH_MISSING';

  constructor() {
    super('actiongate: this request was not allowed by requireAction(); put requireAction(...) before the handler');
  }
}
