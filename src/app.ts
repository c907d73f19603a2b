/**
 * Builds the Fastify app: external plugins, then app plugins, then routes. Used by bin/trellis.ts
 * and by tests (`app.inject`), so nothing here listens on a port or starts a Tendril.
 */
import Fastify, { LogController, type FastifyInstance, type FastifyError, type FastifyReply } from 'fastify';
import fastifyView from '@fastify/view';
import fastifyStatic from '@fastify/static';
import fastifyFormbody from '@fastify/formbody';
import { Eta } from 'eta';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { STATUS_CODES } from 'node:http';
import type { Knex } from 'knex';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import securityHeaders from './routes/plugins/security-headers.js';
import fastifyRateLimit from '@fastify/rate-limit';
import { DomainError, ValidationError } from './domain/errors.js';
import { createSealer } from './domain/crypto.js';
import { createUserService, type UserService } from './domain/users/service.js';
import { createIdentityService, type IdentityService } from './domain/identities/service.js';
import { createVineyardService, type VineyardService } from './domain/vineyards/service.js';
import { createVineService, type VineService } from './domain/vines/service.js';
import { createJobService, type JobService } from './domain/jobs/service.js';
import { createStateService, type StateService } from './domain/state/service.js';
import { createPoolService, type PoolService } from './domain/pools/service.js';
import { createNotifyHub, type NotifyHub } from './db/notify.js';
import { createJobLogFeeds, type JobLogFeeds } from './domain/jobs/feed.js';
import authPlugin, { sessions } from './routes/plugins/auth.js';
import pageCachePlugin from './routes/plugins/page-cache.js';
import homeRoutes from './routes/home.js';
import pagePlugins from './routes/pages.js';
import apiRoutes from './routes/api/index.js';
import { endAllStreams } from './routes/sse.js';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

export interface AppDeps {
  config: Config;
  knex: Knex;
  logger: Logger;
  /** Postgres URL, for the process's one LISTEN connection (SSE). */
  databaseUrl: string;
  /** 'embedded' or 'external', shown on the status page. */
  databaseKind?: string;
  /** The process's LISTEN hub; created (and closed with the app) when not given. */
  hub?: NotifyHub;
  /** More routes in the pages' context, with sessions and CSRF (benchmarks and tests). */
  extraPages?: (scope: FastifyInstance) => Promise<void>;
}

/** The domain services every route calls; pages and /api/v1 share them (nothing twice). */
export interface Services {
  users: UserService;
  identities: IdentityService;
  vineyards: VineyardService;
  vines: VineService;
  jobs: JobService;
  state: StateService;
  pools: PoolService;
}

declare module 'fastify' {
  interface FastifyInstance {
    deps: AppDeps;
    services: Services;
    hub: NotifyHub;
    /** One feed per followed job, shared by every log stream of it (src/domain/jobs/feed.ts). */
    jobFeeds: JobLogFeeds;
  }
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: Array<{ field: string; message: string }>;
}

/** Turns any thrown error into a problem document; 5xx details never leave the server. */
export function toProblem(err: FastifyError | Error): Problem {
  if (err instanceof DomainError) {
    return {
      type: `https://vintner.dev/problems/${err.name.replace(/Error$/, '').toLowerCase()}`,
      title: err.name.replace(/Error$/, '').replace(/([a-z])([A-Z])/g, '$1 $2'),
      status: err.statusCode,
      detail: err.message,
      ...(err instanceof ValidationError && err.errors.length ? { errors: err.errors } : {}),
    };
  }
  const fe = err as FastifyError;
  if (fe.validation) {
    return {
      type: 'https://vintner.dev/problems/validation',
      title: 'Validation',
      status: 400,
      detail: `invalid ${fe.validationContext ?? 'request'}: ${fe.message}`,
      errors: fe.validation.map((v) => ({
        field: (v.instancePath || `/${(v.params as { missingProperty?: string }).missingProperty ?? ''}`).replace(/^\//, '').replace(/\//g, '.') || (fe.validationContext ?? 'body'),
        message: v.message ?? 'is invalid',
      })),
    };
  }
  const status = fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500 ? fe.statusCode : 500;
  return status === 500
    ? { type: 'about:blank', title: 'Internal Server Error', status, detail: 'something went wrong on our side; the error was logged' }
    : { type: 'about:blank', title: STATUS_CODES[status] ?? 'Client Error', status, detail: fe.message };
}

/**
 * Remembers where each template name resolves to, from where: Eta works it out again for every
 * `include` (a JSON key, path joins, a check that it stays inside the views directory), which was
 * a third of rendering the vine page's partials. Names and the views directory never change.
 */
function withResolvedPaths(eta: Eta): Eta {
  const resolve = eta.resolvePath.bind(eta);
  const known = new Map<string, string>();
  eta.resolvePath = (template, options) => {
    const key = `${options?.filepath ?? ''}\0${template}`;
    let path = known.get(key);
    if (path === undefined) known.set(key, (path = resolve(template, options)));
    return path;
  };
  return eta;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  // The pino logger is passed in; Fastify's generic logger type is kept for plugins' sake.
  const app = Fastify({
    loggerInstance: deps.logger,
    trustProxy: deps.config.trustProxy,
    bodyLimit: 1024 * 1024,
    logController: new LogController({ disableRequestLogging: deps.config.logLevel !== 'debug' && deps.config.logLevel !== 'trace' }),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: true } },
    // A name in a path (`/api/v1/vineyards/by-name/…`) may be 63 characters of 4-byte UTF-8, percent-encoded.
    routerOptions: { maxParamLength: 1024 },
    // Refused before routing (bad percent-encoding, an over-long parameter): the same problem+json as every error.
    frameworkErrors: (err, _req, reply) => {
      const problem = toProblem(err);
      void (reply as unknown as FastifyReply).status(problem.status).type('application/problem+json').send(problem);
    },
  });
  app.decorate('deps', deps);
  const sealer = createSealer(deps.config.secretKey);
  app.decorate('services', {
    users: createUserService({ knex: deps.knex, tokenCacheMs: 10_000, userCacheMs: 60_000 }),
    identities: createIdentityService({ knex: deps.knex, sealer }),
    vineyards: createVineyardService({ knex: deps.knex }),
    vines: createVineService({ knex: deps.knex, sealer }),
    jobs: createJobService(deps.knex),
    state: createStateService({ knex: deps.knex, sealer }),
    pools: createPoolService({ knex: deps.knex }),
  } satisfies Services);
  const hub = deps.hub ?? createNotifyHub(deps.databaseUrl, (m) => deps.logger.warn(m));
  app.decorate('hub', hub);
  if (!deps.hub) app.addHook('onClose', () => hub.close());
  const jobFeeds = await createJobLogFeeds(deps.knex, hub, { onError: (err) => deps.logger.warn({ err }, 'job log feed: reading the log failed; trying again') });
  app.decorate('jobFeeds', jobFeeds);
  app.addHook('onClose', async () => jobFeeds.close());

  await app.register(securityHeaders, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        // Alpine's standard build evaluates expressions with Function(): it needs unsafe-eval.
        scriptSrc: ["'self'", "'unsafe-eval'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        upgradeInsecureRequests: null,
      },
    },
    hsts: false, // set by the TLS-terminating proxy, which knows whether HTTPS is in use
  });
  await app.register(fastifyRateLimit, { global: false });
  await app.register(fastifyFormbody);
  await app.register(fastifyStatic, { root: join(here, '..', 'public'), prefix: '/static/' });
  // The pages link public/favicon.svg; browsers and tools still ask for /favicon.ico by name.
  app.get('/favicon.ico', (_req, reply) => reply.sendFile('favicon.ico', { maxAge: '1d' }));
  // htmx and Alpine straight from node_modules: no bundler, no CDN (the machines are offline).
  await app.register(fastifyStatic, {
    root: [dirname(require.resolve('htmx.org/dist/htmx.min.js')), dirname(require.resolve('alpinejs/dist/cdn.min.js'))],
    prefix: '/vendor/',
    decorateReply: false,
    allowedPath: (path) => ['/htmx.min.js', '/cdn.min.js'].includes(path),
    maxAge: '1d',
  });
  await app.register(fastifyView, {
    engine: { eta: withResolvedPaths(new Eta({ autoEscape: true, cache: !deps.config.viewsReload })) },
    root: join(here, 'views'),
    viewExt: 'eta',
    production: !deps.config.viewsReload,
    defaultContext: { appName: 'Vintner' },
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const problem = toProblem(err);
    if (problem.status >= 500) req.log.error({ err }, 'request failed');
    reply.status(problem.status);
    const wantsHtml = !req.url.startsWith('/api/') && (req.headers.accept ?? '').includes('text/html');
    if (wantsHtml) return reply.view('pages/error', { title: problem.title, problem });
    return reply.type('application/problem+json').send(problem);
  });
  app.setNotFoundHandler((req, reply) => {
    const problem: Problem = { type: 'about:blank', title: 'Not Found', status: 404, detail: `nothing at ${req.method} ${req.url.split('?')[0]}` };
    reply.status(404);
    if (!req.url.startsWith('/api/') && (req.headers.accept ?? '').includes('text/html')) {
      return reply.view('pages/error', { title: 'Not found', problem });
    }
    return reply.type('application/problem+json').send(problem);
  });

  // Live streams are hijacked responses: end them, or closing the server waits for their clients.
  app.addHook('preClose', async () => endAllStreams(app));
  await app.register(authPlugin);
  await app.register(pageCachePlugin);
  // Pages (src/routes/*.ts) in their own context with sessions and CSRF; /api/v1
  // (src/routes/api/*.ts) beside it, with tokens only.
  await app.register(async function pages(scope) {
    await scope.register(sessions);
    await scope.register(homeRoutes);
    await scope.register(pagePlugins);
    if (deps.extraPages) await scope.register(deps.extraPages);
  });
  await app.register(apiRoutes, { prefix: '/api/v1' });
  return app as unknown as FastifyInstance;
}
