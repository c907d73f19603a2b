/**
 * The vine page's State tab: its Terraform state versions newest first, what one holds (resource
 * addresses and output names, no value), and restoring an older one — a confirmation page first,
 * then a POST (CSRF) that is refused with the reason while a job of the vine is queued or running
 * or the state is locked. Without JavaScript everything works the same (plain links and forms).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formAction, redirect, render } from './page-kit.js';

type Req = FastifyRequest<{ Params: { id: string; version?: string }; Querystring: { before?: string } }>;

const PAGE = 50;

export default async function vineStatePages(app: FastifyInstance): Promise<void> {
  const { vines, state } = app.services;
  const auth = { preHandler: app.requirePageUser };

  app.get('/vines/:id/state', auth, async (req: Req, reply) => {
    const userId = req.user!.id;
    const vine = await vines.getVine(userId, req.params.id);
    const before = /^\d{1,9}$/.test(req.query.before ?? '') ? Number(req.query.before) : undefined;
    const [page, blocked] = await Promise.all([state.versions(userId, vine.id, { limit: PAGE, ...(before ? { before } : {}) }), state.restoreBlocked(vine.id)]);
    const newest = before ? (await state.versions(userId, vine.id, { limit: 1 })).items[0] : page.items[0];
    return render(req, reply, 'pages/vines/state', { title: `State of ${vine.name} (${vine.stage})`, vine, versions: page.items, more: page.more, before, newest, blocked });
  });

  app.get('/vines/:id/state/:version', auth, async (req: Req, reply) => {
    const userId = req.user!.id;
    const vine = await vines.getVine(userId, req.params.id);
    const detail = await state.inspect(userId, vine.id, req.params.version!);
    return render(req, reply, 'pages/vines/state-version', { title: `State version ${detail.version} of ${vine.name}`, vine, detail, blocked: await state.restoreBlocked(vine.id) });
  });

  const confirmPage = async (req: Req, reply: FastifyReply, actionError?: string) => {
    const userId = req.user!.id;
    const vine = await vines.getVine(userId, req.params.id);
    const detail = await state.inspect(userId, vine.id, req.params.version!);
    const blocked = actionError ? undefined : await state.restoreBlocked(vine.id);
    return render(req, reply, 'pages/vines/state-restore', { title: `Restore state version ${detail.version} of ${vine.name}`, vine, detail, blocked, actionError });
  };

  app.get('/vines/:id/state/:version/restore', auth, (req: Req, reply) => confirmPage(req, reply));

  app.post('/vines/:id/state/:version/restore', auth, async (req: Req, reply) => {
    const userId = req.user!.id;
    const vine = await vines.getVine(userId, req.params.id);
    return formAction(
      reply,
      async () => {
        const made = await state.restore(userId, vine.id, req.params.version!);
        return redirect(
          req,
          reply,
          `/vines/${vine.id}/state`,
          `Version ${made.restored_from} restored: it is the current state again, as version ${made.version}. Only Terraform’s record changed, not the cloud — run a Plan to see what a harvest would change.`,
        );
      },
      (problem) => confirmPage(req, reply, problem.message),
    );
  });
}
