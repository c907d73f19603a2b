/**
 * Vineyards: the dashboard (every vineyard with its vines counted by status), create, the
 * vineyard page with its vines, rename and delete (refused with the reason while vines are live).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { VINE_STATUSES_SHOWN } from './view-helpers.js';
import { field, formAction, isHtmx, redirect, render, type FormProblem } from './page-kit.js';

type IdReq = FastifyRequest<{ Params: { id: string } }>;

export default async function vineyardPages(app: FastifyInstance): Promise<void> {
  const { vineyards, vines } = app.services;
  const auth = { preHandler: app.requirePageUser };

  const dashboard = async (req: FastifyRequest, reply: FastifyReply, form: { name?: string; description?: string; problem?: FormProblem } = {}) => {
    const list = await vineyards.list(req.user!.id);
    const template = isHtmx(req) && !form.problem ? 'pages/vineyards/_list' : 'pages/vineyards/index';
    return render(req, reply, template, { title: 'Vineyards', vineyards: list, statuses: VINE_STATUSES_SHOWN, form });
  };

  app.get('/vineyards', auth, (req, reply) => dashboard(req, reply));

  app.post('/vineyards', auth, async (req, reply) => {
    const input = { name: field(req.body, 'name'), description: field(req.body, 'description') };
    return formAction(
      reply,
      async () => {
        const vy = await vineyards.create(req.user!.id, input);
        return redirect(req, reply, `/vineyards/${vy.id}`, `Vineyard “${vy.name}” created. Plant its first vine.`);
      },
      (problem) => dashboard(req, reply, { ...input, problem }),
    );
  });

  const show = async (req: IdReq, reply: FastifyReply, extra: Record<string, unknown> = {}) => {
    const vy = await vineyards.get(req.user!.id, req.params.id);
    const list = await vines.list(req.user!.id, vy.id);
    return render(req, reply, 'pages/vineyards/show', { title: vy.name, vineyard: vy, vines: list, rename: { name: vy.name, description: vy.description }, ...extra });
  };

  app.get('/vineyards/:id', auth, (req: IdReq, reply) => show(req, reply));

  app.post('/vineyards/:id/rename', auth, async (req: IdReq, reply) => {
    const input = { name: field(req.body, 'name'), description: field(req.body, 'description') };
    return formAction(
      reply,
      async () => {
        const vy = await vineyards.update(req.user!.id, req.params.id, input);
        return redirect(req, reply, `/vineyards/${vy.id}`, `Vineyard saved as “${vy.name}”.`);
      },
      (problem) => show(req, reply, { rename: { ...input, problem, open: true } }),
    );
  });

  app.post('/vineyards/:id/delete', auth, async (req: IdReq, reply) => {
    return formAction(
      reply,
      async () => {
        const vy = await vineyards.get(req.user!.id, req.params.id);
        await vineyards.delete(req.user!.id, vy.id);
        return redirect(req, reply, '/vineyards', `Vineyard “${vy.name}” deleted.`);
      },
      (problem) => show(req, reply, { deleteProblem: problem }),
    );
  });
}
