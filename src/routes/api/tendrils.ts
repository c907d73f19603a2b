/** The workers: which Tendrils run, where, and how busy they are. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { createTendrilRepository } from '../../domain/tendrils/repository.js';
import { TendrilSchema } from '../../domain/tendrils/schema.js';
import { Page, PageQuery, problems } from './schemas.js';
import { paginate } from './validation.js';

const tendrilRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tendrils = createTendrilRepository(app.deps.knex);
  app.get('/tendrils', {
    schema: {
      summary: 'List the Tendrils: Vintner’s own and your pools’ — running ones, and those that stopped or died in the last day',
      tags: ['tendrils'], querystring: PageQuery, response: { 200: Page(TendrilSchema, 'TendrilPage'), ...problems(400, 401) },
    },
  }, async (req) => paginate(await tendrils.list({ userId: req.user!.id }), (t) => [t.status === 'RUNNING' ? '0' : '1', t.name, t.id], req.query));
};

export default tendrilRoutes;
