/** Vineyards: a user's workspaces. Another user's vineyard answers 404, like a missing one. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { IdParams, NameParams, NoContent, Page, PageQuery, problems, Vineyard, VineyardCreate, VineyardPatch } from './schemas.js';
import { paginate } from './validation.js';
import type { VineDetailCache } from './vine-cache.js';

const tags = ['vineyards'];

const vineyardRoutes: FastifyPluginAsyncTypebox<{ cache: VineDetailCache }> = async (app, { cache }) => {
  const { vineyards } = app.services;

  app.get('/vineyards', {
    schema: { summary: 'List your vineyards (by name)', tags, querystring: PageQuery, response: { 200: Page(Vineyard, 'VineyardPage'), ...problems(400, 401) } },
  }, async (req) => paginate(await vineyards.list(req.user!.id), (v) => [v.name, v.id], req.query));

  app.post('/vineyards', {
    schema: { summary: 'Create a vineyard', tags, body: VineyardCreate, response: { 201: Vineyard, ...problems(400, 401) } },
  }, async (req, reply) => reply.status(201).send(await vineyards.create(req.user!.id, req.body)));

  app.get('/vineyards/by-name/:name', {
    schema: { summary: 'A vineyard by its name', tags, params: NameParams, response: { 200: Vineyard, ...problems(401, 404) } },
  }, async (req) => vineyards.getByName(req.user!.id, req.params.name));

  app.get('/vineyards/:id', {
    schema: { summary: 'A vineyard, with its vines counted by status', tags, params: IdParams, response: { 200: Vineyard, ...problems(401, 404) } },
  }, async (req) => vineyards.get(req.user!.id, req.params.id));

  app.patch('/vineyards/:id', {
    schema: {
      summary: 'Rename a vineyard or change its description',
      description: 'The name can change only while none of its vines may exist in the cloud (it is part of their resource names).',
      tags, params: IdParams, body: VineyardPatch, response: { 200: Vineyard, ...problems(400, 401, 404, 409) },
    },
  }, async (req) => {
    const updated = await vineyards.update(req.user!.id, req.params.id, req.body);
    cache.evictVineyard(updated.id); // its vines show the vineyard's name
    return updated;
  });

  app.delete('/vineyards/:id', {
    schema: { summary: 'Delete a vineyard and its vines (refused while a vine may exist in the cloud)', tags, params: IdParams, response: { 204: NoContent, ...problems(401, 404, 409) } },
  }, async (req, reply) => {
    await vineyards.delete(req.user!.id, req.params.id);
    cache.evictVineyard(req.params.id);
    return reply.status(204).send(null);
  });
};

export default vineyardRoutes;
