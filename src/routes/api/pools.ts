/**
 * Tendril pools: a user's own Tendrils and the tokens they present (TENDRIL_TOKEN, shown once).
 * Another user's pool answers 404, like a missing one. The Tendrils themselves speak to
 * /api/v1/agent with a pool token; these routes are for people and Grape (an API token).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { IdParams, NameParams, NoContent, Page, PageQuery, Pool, PoolCreate, PoolPatch, PoolTendril, PoolToken, PoolTokenCreate, PoolTokenCreated, PoolTokenParams, problems } from './schemas.js';
import { paginate } from './validation.js';

const tags = ['pools'];

const poolRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { pools } = app.services;

  app.get('/pools', {
    schema: { summary: 'List your Tendril pools (by name), with their Tendrils online and bound identities', tags, querystring: PageQuery, response: { 200: Page(Pool, 'PoolPage'), ...problems(400, 401) } },
  }, async (req) => paginate(await pools.list(req.user!.id), (p) => [p.name, p.id], req.query));

  app.post('/pools', {
    schema: {
      summary: 'Create a Tendril pool',
      description: 'Then make a token (POST /pools/{id}/tokens) and start Tendrils with it; bind identities (PATCH /identities/{id} with pool_id) so their jobs run only there.',
      tags, body: PoolCreate, response: { 201: Pool, ...problems(400, 401) },
    },
  }, async (req, reply) => reply.status(201).send(await pools.create(req.user!.id, req.body)));

  app.get('/pools/by-name/:name', {
    schema: { summary: 'A pool by its name', tags, params: NameParams, response: { 200: Pool, ...problems(401, 404) } },
  }, async (req) => pools.getByName(req.user!.id, req.params.name));

  app.get('/pools/:id', {
    schema: { summary: 'A pool, with its counts and bound identities', tags, params: IdParams, response: { 200: Pool, ...problems(401, 404) } },
  }, async (req) => pools.get(req.user!.id, req.params.id));

  app.patch('/pools/:id', {
    schema: {
      summary: 'Rename a pool or change its description',
      description: 'The name can change only while no Tendril infrastructure of the pool exists in the cloud (DEPLOY_WORKER named it after the pool).',
      tags, params: IdParams, body: PoolPatch, response: { 200: Pool, ...problems(400, 401, 404, 409) },
    },
  }, async (req) => pools.update(req.user!.id, req.params.id, req.body));

  app.delete('/pools/:id', {
    schema: {
      summary: 'Delete a pool and its tokens',
      description: 'Refused (409, naming them) while identities are bound to it, while its Tendrils run jobs, or while its Tendril infrastructure exists in the cloud.',
      tags, params: IdParams, response: { 204: NoContent, ...problems(401, 404, 409) },
    },
  }, async (req, reply) => {
    await pools.delete(req.user!.id, req.params.id);
    return reply.status(204).send(null);
  });

  app.get('/pools/:id/tendrils', {
    schema: {
      summary: 'The pool’s Tendrils: where they run, last seen, version, status, running jobs',
      description: 'Running ones first, then those that stopped or died in the last day.',
      tags, params: IdParams, querystring: PageQuery, response: { 200: Page(PoolTendril, 'PoolTendrilPage'), ...problems(400, 401, 404) },
    },
  }, async (req) => {
    const list = await pools.tendrils(req.user!.id, req.params.id);
    // The service's order (running first, then most recently seen), kept by an index key.
    const order = new Map(list.map((x, i) => [x.id, String(i).padStart(8, '0')]));
    return paginate(list, (x) => [order.get(x.id)!, x.id], req.query);
  });

  app.get('/pools/:id/tokens', {
    schema: {
      summary: 'The pool’s tokens, newest first (never the tokens themselves)',
      tags, params: IdParams, querystring: PageQuery, response: { 200: Page(PoolToken, 'PoolTokenPage'), ...problems(400, 401, 404) },
    },
  }, async (req) => {
    const list = await pools.tokens(req.user!.id, req.params.id);
    const order = new Map(list.map((x, i) => [x.id, String(i).padStart(8, '0')]));
    return paginate(list, (x) => [order.get(x.id)!, x.id], req.query);
  });

  app.post('/pools/:id/tokens', {
    schema: {
      summary: 'Make a pool token (answered this once)',
      description: 'Give it to the pool’s Tendrils as TENDRIL_TOKEN (with TRELLIS_URL). Only its SHA-256 is stored: it cannot be shown again.',
      tags, params: IdParams, body: PoolTokenCreate, response: { 201: PoolTokenCreated, ...problems(400, 401, 404) },
    },
  }, async (req, reply) => {
    const { token, row } = await pools.createToken(req.user!.id, req.params.id, req.body);
    return reply.status(201).send({ ...row, token });
  });

  app.delete('/pools/:id/tokens/:token_id', {
    schema: {
      summary: 'Revoke a pool token',
      description: 'At once: the next request of a Tendril holding it is refused. Revoking it again changes nothing.',
      tags, params: PoolTokenParams, response: { 204: NoContent, ...problems(401, 404) },
    },
  }, async (req, reply) => {
    await pools.revokeToken(req.user!.id, req.params.id, req.params.token_id);
    return reply.status(204).send(null);
  });
};

export default poolRoutes;
