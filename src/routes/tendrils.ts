/** The Tendrils page: every worker with its heartbeat, running jobs and Terraform version. */
import type { FastifyInstance } from 'fastify';
import { createTendrilRepository } from '../domain/tendrils/repository.js';
import { isHtmx, render } from './page-kit.js';

export default async function tendrilPages(app: FastifyInstance): Promise<void> {
  const deadAfter = app.deps.config.tendrilDeadAfterSeconds;
  const tendrilRepo = createTendrilRepository(app.deps.knex);
  app.get('/tendrils', { preHandler: app.requirePageUser }, async (req, reply) => {
    const tendrils = await tendrilRepo.list({ userId: req.user!.id });
    return render(req, reply, isHtmx(req) ? 'pages/tendrils/_table' : 'pages/tendrils/index', { title: 'Tendrils', tendrils, deadAfter });
  });
}
