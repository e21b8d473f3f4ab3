/**
 * The plain facts an adapter reads off a request. The core never sees a framework object.
 */
export interface RequestFacts {
  readonly method: string;
  readonly path: string;
  /**
   * Every `Authorization` field value, in order. Node keeps only the first of repeated
   * `Authorization` headers in `req.headers`; adapters read `req.rawHeaders` instead so
   * that a repeated header is seen and refused.
   */
  readonly authorization: string | readonly string[] | undefined;
  /**
   * Every `DPoP` field value (RFC 9449 §4.1), in order, read from `rawHeaders` like
   * `authorization`, so that a repeated proof header is seen and refused (§4.3).
   */
  readonly dpop?: string | readonly string[] | undefined;
  /** The raw `access_token` query parameter as the framework parsed it; `undefined` when absent. */
  readonly queryAccessToken?: unknown;
  /** The raw `access_token` member of a parsed request body; `undefined` when absent. */
  readonly bodyAccessToken?: unknown;
  /** Whether the body is `application/x-www-form-urlencoded` (RFC 6750 §2.2). */
  readonly bodyIsForm?: boolean;
  /** Route parameters (`/invoices/:id` → `{ id }`). */
  readonly params?: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** The parsed request body, for actions whose rules depend on it. */
  readonly body?: unknown;
}
