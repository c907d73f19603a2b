/**
 * Vines: plant (POST a spec), read (the spec with statuses and outputs beside it), replace (PUT a
 * spec), preview a replace (diff), delete. Addressed by id; `by-name` serves Grape's `acme/shop`.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { isUuid } from '../../domain/validation.js';
import {
  IdParams, NoContent, Page, PageQuery, problems, StageQuery, Vine, VineByNameParams, VineCreated, VineDetail, VineDiff, VineListQuery, VineReplaced, VineSpec,
} from './schemas.js';
import { paginate } from './validation.js';
import type { VineDetailCache } from './vine-cache.js';

const JSON_TYPE = 'application/json; charset=utf-8';

const tags = ['vines'];
const byName = (v: { name: string; stage: string; id: string }) => [v.name, v.stage, v.id];

const vineRoutes: FastifyPluginAsyncTypebox<{ cache: VineDetailCache }> = async (app, { cache }) => {
  const { vines, vineyards } = app.services;

  app.get('/vineyards/:id/vines', {
    schema: { summary: 'List a vineyard’s vines (by name, then stage)', tags, params: IdParams, querystring: PageQuery, response: { 200: Page(Vine, 'VinePage'), ...problems(400, 401, 404) } },
  }, async (req) => paginate(await vines.list(req.user!.id, req.params.id), byName, req.query));

  app.post('/vineyards/:id/vines', {
    schema: {
      summary: 'Plant a vine: a spec in, a DRAFT vine out (every component PENDING)',
      description: 'An `existing_network_id` or `existing_zone_id` the identity’s last discovery did not list is accepted (discovery may be stale) with a warning in `warnings`.',
      tags, params: IdParams, body: VineSpec, response: { 201: VineCreated, ...problems(400, 401, 404) },
    },
  }, async (req, reply) => reply.status(201).send(await vines.create(req.user!.id, req.params.id, req.body)));

  app.get('/vines', {
    schema: {
      summary: 'List your vines, across vineyards or in one (by vineyard, name, stage)',
      tags, querystring: VineListQuery, response: { 200: Page(Vine, 'VinePage'), ...problems(400, 401, 404) },
    },
  }, async (req) => {
    const { vineyard, ...page } = req.query;
    const userId = req.user!.id;
    const list = vineyard === undefined
      ? await vines.listAll(userId)
      : await vines.list(userId, isUuid(vineyard) ? vineyard : (await vineyards.getByName(userId, vineyard)).id);
    return paginate(list, (v) => [v.vineyard_name, ...byName(v)], page);
  });

  app.get('/vines/by-name/:vineyard/:vine', {
    schema: {
      summary: 'A vine by its vineyard’s name and its own (`stage` when it exists in several)',
      tags, params: VineByNameParams, querystring: StageQuery, response: { 200: VineDetail, ...problems(400, 401, 404) },
    },
  }, async (req) => vines.findByNames(req.user!.id, req.params.vineyard, req.params.vine, req.query.stage));

  app.get('/vines/:id', {
    schema: { summary: 'A vine: its spec, with statuses and outputs beside it', tags, params: IdParams, response: { 200: VineDetail, ...problems(401, 404) } },
  }, async (req, reply) => {
    const userId = req.user!.id;
    const known = cache.get(req.params.id, userId);
    const raw = reply as FastifyReply; // sends text already serialized by this route's schema
    if (known) return raw.type(JSON_TYPE).send(known);
    const epoch = cache.epoch;
    const detail = await vines.get(userId, req.params.id);
    // Serialized once by the route's own response schema, then served as is while it holds.
    const json = reply.serialize(detail) as string;
    cache.set(detail.vine.id, userId, detail.vine.vineyard_id, json, epoch);
    return raw.type(JSON_TYPE).send(json);
  });

  app.put('/vines/:id', {
    schema: {
      summary: 'Replace a vine’s spec',
      description: 'New components are PENDING until the next harvest; removed ones that exist in the cloud are destroyed by it. Name, stage and identity change only while the vine is DRAFT or DESTROYED.',
      tags, params: IdParams, body: VineSpec, response: { 200: VineReplaced, ...problems(400, 401, 404, 409) },
    },
  }, async (req) => {
    const replaced = await vines.replace(req.user!.id, req.params.id, req.body);
    cache.evict(replaced.vine.vine.id);
    return replaced;
  });

  app.post('/vines/:id/diff', {
    schema: { summary: 'What replacing the spec would change, changing nothing', tags, params: IdParams, body: VineSpec, response: { 200: VineDiff, ...problems(400, 401, 404) } },
  }, async (req) => vines.diff(req.user!.id, req.params.id, req.body));

  app.delete('/vines/:id', {
    schema: { summary: 'Delete a vine (only DRAFT or DESTROYED, with no job running)', tags, params: IdParams, response: { 204: NoContent, ...problems(401, 404, 409) } },
  }, async (req, reply) => {
    await vines.delete(req.user!.id, req.params.id);
    cache.evict(req.params.id);
    return reply.status(204).send(null);
  });
};

export default vineRoutes;
