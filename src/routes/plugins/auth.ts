/**
 * Who is asking: a signed-in session (pages) or `Authorization: Bearer <token>` (API, Grape).
 * Pages that need a user redirect to /login; API routes answer 401 problem+json. CSRF protects
 * every state-changing form and htmx request made with the session cookie; bearer requests carry
 * no cookie and so need none.
 */
import fp from 'fastify-plugin';
import fastifyCookie from '@fastify/cookie';
import fastifySession from '@fastify/session';
import fastifyCsrf from '@fastify/csrf-protection';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createPgSessionStore } from './session-store.js';
import { UnauthorizedError } from '../../domain/errors.js';
import type { User } from '../../domain/users/service.js';

declare module 'fastify' {
  interface Session {
    userId?: string;
    flash?: string;
  }
  interface FastifyRequest {
    user: User | null;
    /** How the user was recognised: a page session or an API token. */
    authVia: 'session' | 'token' | null;
  }
  interface FastifyInstance {
    /** preHandler for pages: redirect to the sign-in page when nobody is signed in. */
    requirePageUser(req: FastifyRequest, reply: FastifyReply): Promise<void>;
    /** preHandler for /api: 401 problem+json without a valid token. */
    requireApiUser(req: FastifyRequest, reply: FastifyReply): Promise<void>;
  }
}

/** How long a session read is remembered; writes and sign-outs evict it everywhere at once (session-store.ts). */
const SESSION_CACHE_MS = 60_000;

/**
 * Who is asking, for every route: `Authorization: Bearer <token>` (the API, Grape), and the
 * helpers routes use to demand a user. Sessions are the pages' own (`sessions` below).
 */
export default fp(async function auth(app: FastifyInstance) {
  app.decorateRequest('user', null);
  app.decorateRequest('authVia', null);

  app.addHook('onRequest', async (req) => {
    // A pool's token is no user's: the agent routes check it themselves (src/routes/api/agent.ts).
    if (req.routeOptions.config?.auth === 'pool') return;
    const auth = req.headers.authorization;
    if (auth?.toLowerCase().startsWith('bearer ')) {
      req.user = await app.services.users.authenticateToken(auth.slice(7).trim());
      req.authVia = 'token';
    }
  });

  app.decorate('requirePageUser', async (req: FastifyRequest, reply: FastifyReply) => {
    if (req.user) return;
    if (req.headers['hx-request']) {
      reply.header('HX-Redirect', '/login');
      return reply.status(401).send('sign in again');
    }
    return reply.redirect(`/login?next=${encodeURIComponent(req.url)}`, 303);
  });
  app.decorate('requireApiUser', async (req: FastifyRequest) => {
    if (!req.user || req.authVia !== 'token') throw new UnauthorizedError('authentication required: send Authorization: Bearer <token> (grape login gets one)');
  });
});

/**
 * Signed-in pages: the session cookie, sessions in Postgres, CSRF. Registered in the pages'
 * context only (src/app.ts): an API request carries a token, and building a session object,
 * signing an id and hashing it for each of them was a tenth of an API read's cost.
 */
export const sessions = fp(async function sessions(app: FastifyInstance) {
  const { config, knex } = app.deps;
  await app.register(fastifyCookie);
  const store = createPgSessionStore(knex, { cacheMs: SESSION_CACHE_MS });
  const stopListening = await store.listen(app.hub);
  app.addHook('onClose', async () => stopListening());
  await app.register(fastifySession, {
    secret: config.sessionSecret,
    cookieName: 'vintner.sid',
    store,
    saveUninitialized: false,
    // Saved only when changed: the default (rolling) rewrote the session row on every request.
    // Sessions therefore last 7 days from sign-in rather than from the last request.
    rolling: false,
    cookie: { httpOnly: true, sameSite: 'lax', secure: config.cookieSecure, path: '/', maxAge: 7 * 24 * 3600 * 1000 },
  });
  await app.register(fastifyCsrf, {
    sessionPlugin: '@fastify/session',
    getToken: (req) => {
      const body = req.body as { _csrf?: unknown } | undefined;
      return (typeof body?._csrf === 'string' ? body._csrf : undefined) ?? (req.headers['x-csrf-token'] as string | undefined);
    },
  });

  app.addHook('onRequest', async (req) => {
    if (req.authVia === 'token') return;
    const userId = req.session?.userId;
    if (userId) {
      req.user = await app.services.users.getUser(userId).catch(() => null);
      if (req.user) req.authVia = 'session';
      else delete req.session.userId;
    }
  });

  // Every state-changing request that rides on the session cookie must carry the CSRF token.
  app.addHook('preHandler', (req, reply, done) => {
    const unsafe = !['GET', 'HEAD', 'OPTIONS'].includes(req.method);
    if (!unsafe || req.authVia === 'token') return done();
    app.csrfProtection(req, reply, done);
  });
});
