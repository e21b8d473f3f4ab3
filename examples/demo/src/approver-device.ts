/**
 * The user's device in the demo: it signs in to the authorization server's approval inbox with
 * the user's password, watches the inbox over HTTP, and sends each decision with the session's
 * CSRF token, exactly as the inbox pages do. It holds nothing the client holds, and the client
 * holds nothing of it: that is what makes the approval the user's.
 */

export interface InboxApproval {
  readonly id: string;
  readonly client_id: string;
  readonly resource?: string;
  readonly scope: string;
  readonly acr_values?: string;
  readonly binding_message?: string;
  readonly authorization_details?: readonly Record<string, unknown>[];
}

export type Decide = (approval: InboxApproval) => Promise<'approve' | 'deny'>;

export class ApproverDevice {
  #cookie = '';
  #stopped = false;
  #watching: Promise<void> | undefined;
  #failure: unknown;

  private constructor(readonly issuer: string) {}

  /** Signs in on the inbox's login form; throws when the password is refused. */
  static async signIn(issuer: string, username: string, password: string): Promise<ApproverDevice> {
    const device = new ApproverDevice(issuer);
    const response = await fetch(`${issuer}/approvals/login`, {
      method: 'POST',
      // A device posts as the inbox's own page does; the server refuses any other origin.
      headers: { origin: new URL(issuer).origin },
      body: new URLSearchParams({ username, password }),
      redirect: 'manual',
    });
    const cookie = response.headers.getSetCookie()[0]?.split(';')[0];
    if (response.status !== 303 || cookie === undefined) {
      throw new Error(`the authorization server refused ${username}'s sign-in (${response.status})`);
    }
    device.#cookie = cookie;
    return device;
  }

  async #inbox(): Promise<{ csrf: string; approvals: InboxApproval[] }> {
    const response = await fetch(`${this.issuer}/approvals`, {
      headers: { cookie: this.#cookie, accept: 'application/json' },
    });
    if (response.status !== 200) throw new Error(`the inbox answered ${response.status}`);
    return (await response.json()) as { csrf: string; approvals: InboxApproval[] };
  }

  /** Watches the inbox (every `intervalMs`) and decides each new request with `decide`, until `stop()`. */
  watch(decide: Decide, onError: (error: unknown) => void, intervalMs = 200): void {
    const seen = new Set<string>();
    this.#watching = (async () => {
      while (!this.#stopped) {
        const { csrf, approvals } = await this.#inbox();
        for (const approval of approvals) {
          if (seen.has(approval.id) || this.#stopped) continue;
          seen.add(approval.id);
          const decision = await decide(approval);
          const response = await fetch(`${this.issuer}/approvals/${approval.id}`, {
            method: 'POST',
            headers: { cookie: this.#cookie, origin: new URL(this.issuer).origin, accept: 'application/json' },
            body: new URLSearchParams({ decision, csrf }),
          });
          if (response.status !== 200) throw new Error(`the decision was refused (${response.status})`);
        }
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
      }
    })().catch((error: unknown) => {
      this.#failure = error;
      onError(error);
    });
  }

  /** Stops watching; rejects with whatever stopped the watch early (a refused decision, a lost server). */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#watching;
    if (this.#failure !== undefined) throw this.#failure;
  }
}
