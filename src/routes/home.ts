import type { FastifyInstance } from 'fastify';
import { systemStatus } from '../domain/system.js';

export default async function homeRoutes(app: FastifyInstance): Promise<void> {
  app.get('/', async (_req, reply) => {
    const status = await systemStatus(app.deps.knex);
    return reply.view('pages/home', { title: '', status, databaseKind: app.deps.databaseKind ?? 'external' });
  });

  /** Liveness and readiness for load balancers and the start-up check: 200 only when the DB answers. */
  app.get('/healthz', async (_req, reply) => {
    await app.deps.knex.raw('SELECT 1');
    return reply.send({ status: 'ok' });
  });
}
