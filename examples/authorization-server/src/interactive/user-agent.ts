/**
 * Alice's browser over plain HTTP, for tests and the demo: follows the authorization server's
 * redirects with its own cookie jar, fills in the sign-in, second-factor and consent forms the
 * way a person would, and hands back the final redirect to the client's redirect_uri.
 */
import { ocraResponse } from './second-factor.js';

export interface UserAgentOptions {
  readonly username: string;
  readonly password: string;
  /** The hex secret of the user's OCRA authenticator (e.g. `DEMO_SECOND_FACTOR.alice`); needed for step-up scopes. */
  readonly secondFactor?: string;
  /** What to press on the consent page. Default `approve`. */
  readonly decision?: 'approve' | 'deny';
  readonly fetch?: typeof fetch;
}

export interface UserAgent {
  /**
   * Opens the authorization URL and goes through the pages. Resolves to the redirect to the
   * client's redirect_uri (with `code`, or `error`); rejects when a page refuses the user
   * (wrong password or response, a refused request) or the server answers something else.
   */
  authorize(authorizationUrl: URL | string): Promise<URL>;
}

/** Redirects and form posts one authorization may take before the agent gives up. */
const MAX_STEPS = 20;

const decodeHtml = (text: string) =>
  text.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code))).replace(/&amp;/g, '&');

export function createUserAgent(options: UserAgentOptions): UserAgent {
  const fetchFn = options.fetch ?? fetch;
  // origin → cookie name → value. Paths are ignored: the agent only ever talks to one server.
  const jar = new Map<string, Map<string, string>>();

  const remember = (origin: string, response: Response) => {
    const cookies = jar.get(origin) ?? new Map<string, string>();
    jar.set(origin, cookies);
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const at = pair.indexOf('=');
      if (at <= 0) continue;
      const name = pair.slice(0, at).trim();
      const expired = attributes.some((attribute) => {
        const [key = '', value = ''] = attribute.split('=').map((part) => part.trim());
        return (
          (key.toLowerCase() === 'max-age' && Number(value) <= 0) ||
          (key.toLowerCase() === 'expires' && Date.parse(value) <= Date.now())
        );
      });
      if (expired) cookies.delete(name);
      else cookies.set(name, pair.slice(at + 1).trim());
    }
  };
  const cookieHeader = (origin: string) =>
    [...(jar.get(origin) ?? new Map<string, string>())].map(([name, value]) => `${name}=${value}`).join('; ');

  async function authorize(authorizationUrl: URL | string): Promise<URL> {
    let target = new URL(authorizationUrl);
    const server = target.origin;
    let post: URLSearchParams | undefined;
    let previousStep: string | undefined;
    for (let step = 0; step < MAX_STEPS; step++) {
      const headers: Record<string, string> = { accept: 'text/html' };
      const cookie = cookieHeader(server);
      if (cookie !== '') headers.cookie = cookie;
      if (post !== undefined) {
        headers['content-type'] = 'application/x-www-form-urlencoded';
        headers.origin = server;
      }
      const response = await fetchFn(target, {
        method: post === undefined ? 'GET' : 'POST',
        headers,
        body: post?.toString(),
        redirect: 'manual',
      });
      remember(server, response);
      post = undefined;
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location !== null) {
        await response.body?.cancel();
        const next = new URL(location, target);
        const ours = next.origin === server && /^\/(auth|interaction)(\/|$)/.test(next.pathname);
        if (!ours) return next;
        target = next;
        continue;
      }
      const page = await response.text();
      const action = /<form method="post" action="([^"]+)">/.exec(page)?.[1];
      const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1];
      const error = /<p class="error" role="alert">([^<]*)<\/p>/.exec(page)?.[1];
      const form = action === undefined ? undefined : /\/(login|second-factor|consent)$/.exec(decodeHtml(action))?.[1];
      if (form === undefined || csrf === undefined || error !== undefined) {
        const reason =
          error ??
          page
            .replace(/<[^>]*>/g, ' ')
            .replace(/\s+/g, ' ')
            .trim()
            .slice(0, 200);
        throw new Error(
          `the authorization server refused at ${target.pathname} (${response.status}): ${decodeHtml(reason)}`,
        );
      }
      if (form === previousStep && form !== 'consent') {
        throw new Error(`the authorization server asked for ${form} again (${response.status})`);
      }
      previousStep = form;
      post = new URLSearchParams({ csrf: decodeHtml(csrf) });
      if (form === 'login') {
        post.set('username', options.username);
        post.set('password', options.password);
      } else if (form === 'second-factor') {
        const challenge = /id="challenge">(\d+)</.exec(page)?.[1];
        if (options.secondFactor === undefined || challenge === undefined) {
          throw new Error('the authorization server asks for a second factor: pass secondFactor');
        }
        post.set('response', ocraResponse(options.secondFactor, challenge));
      } else {
        post.set('decision', options.decision ?? 'approve');
      }
      target = new URL(decodeHtml(action as string), target);
    }
    throw new Error(`the authorization took more than ${MAX_STEPS} steps`);
  }

  return { authorize };
}
