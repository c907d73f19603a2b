/**
 * The JSON API, registered under /api/v1. Every route declares TypeBox schemas for what it takes
 * and answers; the same schemas validate input (with per-field problem+json errors), serialize
 * output (nothing undeclared leaks) and make the OpenAPI document. Routes call the domain
 * services the pages call: nothing is implemented twice.
 *
 * Every route needs `Authorization: Bearer <token>` unless its `config.public` says otherwise;
 * the check runs onRequest, so a request without a token learns nothing from validation.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { TOKEN_REVOKED_CHANNEL } from '../../domain/users/token-cache.js';
import { CHANNEL } from '../../domain/jobs/events.js';
import { createVineDetailCache } from './vine-cache.js';
import { PAGES_CHANNEL } from '../plugins/page-cache.js';
import accountRoutes from './account.js';
import identityRoutes from './identities.js';
import jobRoutes from './jobs.js';
import { buildOpenApi, type CollectedRoute } from './openapi.js';
import { renderReference } from './reference.js';
import tendrilRoutes from './tendrils.js';
import poolRoutes from './pools.js';
import stateRoutes from './state.js';
import stateVersionRoutes from './state-versions.js';
import { apiValidatorCompiler } from './validation.js';
import vineRoutes from './vines.js';
import vineyardRoutes from './vineyards.js';
import { Type } from '@sinclair/typebox';

declare module 'fastify' {
  /** What the OpenAPI document says of a route beside its input and output schemas. */
  interface FastifySchema {
    summary?: string;
    description?: string;
    tags?: string[];
    /** Content types of a successful answer, when not only JSON (SSE, HTML). */
    produces?: string[];
  }
  interface FastifyContextConfig {
    /** An /api/v1 route anyone may call (sign-up, token creation, the API's own documents). */
    public?: boolean;
  }
}

export const API_VERSION = '1.0.0';
const VINE_CACHE_MS = 5_000;
const API_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  'cache-control': 'no-store',
};
const DESCRIPTION =
  'The JSON API of Vintner, the self-hosted infrastructure platform: everything the pages do, scriptable. ' +
  'Authenticate with `Authorization: Bearer <token>` (POST /api/v1/tokens, or `grape login`). ' +
  'Errors are `application/problem+json` with per-field `errors` for validation. Lists are pages: ' +
  '`{ items, next_cursor }`; pass `cursor` to get the next one.';

export default async function apiV1(parent: FastifyInstance) {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(apiValidatorCompiler);

  const routes: CollectedRoute[] = [];
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) {
      if (method === 'HEAD') continue;
      routes.push({ method, url: r.url, schema: r.schema as Record<string, unknown> | undefined, public: r.config?.public === true });
    }
  });
  app.addHook('onRequest', async (_req, reply) => {
    reply.headers(API_HEADERS);
  });

  app.addHook('onRequest', async (req: FastifyRequest) => {
    if (req.routeOptions.config.public) return;
    await app.requireApiUser(req, undefined as never);
  });

  // Token checks are remembered briefly (users service); a revocation anywhere must end that here.
  const { users } = app.services;
  const stop = await app.hub.subscribe(TOKEN_REVOKED_CHANNEL, (tokenId) => users.forgetToken(tokenId));
  // Vine details are remembered briefly too (vine-cache.ts); any change to a vine evicts it.
  const cache = createVineDetailCache(VINE_CACHE_MS);
  const stopVines = await app.hub.subscribe(CHANNEL.vineStatus, (vineId) => cache.evict(vineId));
  // A write through any Trellis process (a vineyard renamed on the pages, say) clears it too.
  const stopWrites = await app.hub.subscribe(PAGES_CHANNEL, () => cache.clear());
  const stopReconnect = app.hub.onReconnect(() => {
    users.forgetAllTokens();
    cache.clear();
  });
  app.addHook('onClose', async () => {
    stop();
    stopVines();
    stopWrites();
    stopReconnect();
  });

  await app.register(accountRoutes);
  await app.register(vineyardRoutes, { cache });
  await app.register(vineRoutes, { cache });
  await app.register(jobRoutes, { cache });
  await app.register(identityRoutes);
  await app.register(tendrilRoutes);
  await app.register(poolRoutes);
  await app.register(stateRoutes, { state: app.services.state });
  await app.register(stateVersionRoutes);

  let doc: Record<string, unknown> | undefined;
  let html: string | undefined;
  const openApi = () => (doc ??= buildOpenApi(routes, { title: 'Vintner API', version: API_VERSION, description: DESCRIPTION }));

  app.get('/openapi.json', {
    config: { public: true },
    schema: { summary: 'This API’s OpenAPI 3.1 document', tags: ['meta'], response: { 200: Type.Object({}, { additionalProperties: true, description: 'an OpenAPI 3.1 document' }) } },
  }, async () => openApi());

  app.get('/docs', {
    config: { public: true },
    schema: { summary: 'This API’s reference, for people (HTML)', tags: ['meta'], produces: ['text/html'] },
  }, async (_req, reply) => reply.type('text/html; charset=utf-8').send((html ??= renderReference(openApi()))));
}
