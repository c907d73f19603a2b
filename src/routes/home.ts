import type { FastifyInstance } from 'fastify';
import { systemStatus } from '../domain/system.js';
import { render } from './page-kit.js';

export default async function homeRoutes(app: FastifyInstance): Promise<void> {
  app.get('/', async (req, reply) => {
    const status = await systemStatus(app.deps.knex);
    return render(req, reply, 'pages/home', { title: '', status, databaseKind: app.deps.databaseKind ?? 'external', signupOpen: app.deps.config.signupOpen }, { csrf: false });
  });

  /** Liveness and readiness for load balancers and the start-up check: 200 only when the DB answers. */
  app.get('/healthz', async (_req, reply) => {
    await app.deps.knex.raw('SELECT 1');
    return reply.send({ status: 'ok' });
  });
}
