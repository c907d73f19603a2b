/** The workers: which Tendrils run, where, and how busy they are. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { listTendrils } from '../../domain/tendrils/list.js';
import { Page, PageQuery, problems, Tendril } from './schemas.js';
import { paginate } from './validation.js';

const tendrilRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/tendrils', {
    schema: {
      summary: 'List the Tendrils: running ones, and those that stopped or died in the last day',
      tags: ['tendrils'], querystring: PageQuery, response: { 200: Page(Tendril, 'TendrilPage'), ...problems(400, 401) },
    },
  }, async (req) => paginate(await listTendrils(app.deps.knex), (t) => [t.status === 'RUNNING' ? '0' : '1', t.name, t.id], req.query));
};

export default tendrilRoutes;
