/**
 * A cookie-keeping client over `app.inject` for page tests: it remembers the session cookie and
 * the last CSRF token a page carried, and posts forms the way a browser does.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

export type Form = Record<string, string | string[] | undefined>;

export interface Agent {
  get(url: string, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  /** Posts a urlencoded form with the current CSRF token (unless the form sets `_csrf`). */
  post(url: string, form?: Form, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  readonly csrf: string;
  readonly cookie: string;
  signup(email?: string, password?: string): Promise<LightMyRequestResponse>;
}

let n = 0;

/** `cookie`: start with a session already signed in (e.g. through another Trellis process). */
export function agent(app: FastifyInstance, startCookie = ''): Agent {
  let cookie = startCookie;
  let csrf = '';
  const request = async (method: 'GET' | 'POST', url: string, form?: Form, extra: Record<string, string> = {}) => {
    const headers: Record<string, string> = { accept: 'text/html,application/xhtml+xml', ...(cookie ? { cookie } : {}), ...extra };
    let payload: string | undefined;
    if (form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(form)) for (const one of Array.isArray(v) ? v : v === undefined ? [] : [v]) params.append(k, one);
      payload = params.toString();
    }
    const res = await app.inject({ method, url, headers, ...(payload !== undefined ? { payload } : {}) });
    const sid = res.cookies.find((c) => c.name === 'vintner.sid');
    if (sid) cookie = sid.value ? `vintner.sid=${sid.value}` : '';
    const token = /name="_csrf" value="([^"]+)"/.exec(res.body) ?? /"x-csrf-token": "([^"]+)"/.exec(res.body);
    if (token) csrf = token[1]!;
    return res;
  };
  const self: Agent = {
    get: (url, headers) => request('GET', url, undefined, headers),
    post: (url, form = {}, headers) => request('POST', url, { _csrf: csrf, ...form }, headers),
    get csrf() {
      return csrf;
    },
    get cookie() {
      return cookie;
    },
    async signup(email = `user${++n}-${process.pid}@example.com`, password = 'correct horse battery') {
      await self.get('/signup');
      return self.post('/signup', { email, password, password_confirm: password });
    },
  };
  return self;
}

/** A signed-up user's agent and id. */
export async function signedIn(app: FastifyInstance, email?: string): Promise<{ a: Agent; userId: string; email: string }> {
  const a = agent(app);
  const res = await a.signup(email);
  if (res.statusCode !== 303) throw new Error(`signup failed: ${res.statusCode} ${res.body.slice(0, 300)}`);
  const me = await a.get('/vineyards');
  const shown = /<span class="who"[^>]*>([^<]+)</.exec(me.body)?.[1];
  const row = await app.deps.knex('users').where({ email: shown }).first('id', 'email');
  return { a, userId: row.id as string, email: row.email as string };
}

/** `<tag … id="x" …>`: whether the page has an element with this id. */
export const hasId = (html: string, id: string) => html.includes(`id="${id}"`);
