/**
 * The vine page, its lifecycle actions and its live stream.
 *
 * Actions (Plan, Harvest, Harvest this plan, Retry — the harvest of a FAILED vine —, Destroy;
 * Cancel is in jobs.ts) are forms: without JavaScript they post and redirect; with htmx they
 * answer the refreshed panel in place (Plan goes to its job page, where the summary appears).
 *
 * The panel always carries an SSE source: the stream sends the current fragments on connect and
 * again on every change of the vine, its components or its jobs — a job started from Grape or
 * another tab shows up, with its live log, without a reload. It stays open while the page does
 * (keep-alive comments) and ends — an `end` event with its reason — when the vine is deleted, or
 * when the server closes; the job's own log
 * stream (jobs.ts) is the one that ends with its job.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { JobType } from '../domain/jobs/status.js';
import { openSse } from './sse.js';
import { NotFoundError } from '../domain/errors.js';
import { field, formAction, redirect } from './page-kit.js';
import { panelTarget, renderVinePage } from './vine-view.js';
import { createVineWatch, swapEvent } from './vine-watch.js';

type IdReq = FastifyRequest<{ Params: { id: string } }>;

export default async function vineLive(app: FastifyInstance): Promise<void> {
  const { jobs } = app.services;
  const auth = { preHandler: app.requirePageUser };

  app.get('/vines/:id', auth, (req: IdReq, reply) => renderVinePage(app, req, reply, req.params.id));

  /** Creates the job, then shows where to watch it (or why it was refused, in place). */
  const startJob = (type: JobType, opts: { toJobPage?: boolean; message: string }) => async (req: IdReq, reply: FastifyReply) => {
    const planJobId = field(req.body, 'plan_job_id') || undefined;
    const recoverJobId = field(req.body, 'recover_job_id') || undefined;
    return formAction(
      reply,
      async () => {
        const job = await jobs.create({ userId: req.user!.id, type, vineId: req.params.id, ...(planJobId ? { planJobId } : {}), ...(recoverJobId ? { recoverJobId } : {}) });
        if (opts.toJobPage) return redirect(req, reply, `/jobs/${job.id}`);
        if (panelTarget(req, req.params.id)) return renderVinePage(app, req, reply, req.params.id);
        return redirect(req, reply, `/vines/${req.params.id}`, opts.message);
      },
      async (problem) => {
        const actionError = problem.list.length ? problem.list.map((e) => e.message).join('; ') : problem.message;
        return renderVinePage(app, req, reply, req.params.id, { actionError });
      },
    );
  };

  app.post<{ Params: { id: string } }>('/vines/:id/plan', auth, startJob('PLAN', { toJobPage: true, message: 'Plan queued.' }));
  app.post<{ Params: { id: string } }>('/vines/:id/harvest', auth, startJob('DEPLOY', { message: 'Harvest queued: follow it below.' }));
  app.post<{ Params: { id: string } }>('/vines/:id/destroy', auth, startJob('DESTROY', { message: 'Destroy queued: follow it below.' }));
  // "Recover state" of a job that kept the state Terraform could not save: a BOOTSTRAP pushing it back.
  app.post<{ Params: { id: string } }>('/vines/:id/recover', auth, startJob('BOOTSTRAP', { toJobPage: true, message: 'State recovery queued.' }));

  const watch = await createVineWatch(app, app.pageCache.csrfSlot);
  app.addHook('onClose', async () => watch.close());

  app.get('/vines/:id/events', auth, async (req: IdReq, reply) => {
    const userId = req.user!.id;
    // A 404 before the stream opens; the watch then reads the whole view (one read, not two).
    const vine = await app.services.vines.getVine(userId, req.params.id);
    const csrfToken = reply.generateCsrf();
    const sse = openSse(req, reply);
    const sent: Record<string, string> = {};
    const query = req.query as { job?: string; stamp?: string };
    // The job whose panel (and log stream) the page shows; another job's panel replaces it.
    let sentJobId = query.job ?? '';
    // What the page shows already: unchanged since it was rendered, the first state is not sent.
    let pageStamp = query.stamp;
    const currentId = `vine-${vine.id}-current-job`;

    const stop = watch.watch(userId, vine.id, (update) => {
      if (sse.closed) return;
      if (update instanceof Error) {
        // Deleted meanwhile: say so and stop. Anything else: close, and the client reconnects.
        if (update instanceof NotFoundError) sse.send('end', JSON.stringify({ reason: 'deleted', message: 'this vine was deleted' }));
        else req.log.warn({ err: update }, 'vine stream: re-reading the vine failed; the client reconnects');
        return sse.end();
      }
      const newestJob = update.view.current?.job.id ?? '';
      const unchanged = pageStamp !== undefined && pageStamp === update.view.stamp && newestJob === sentJobId;
      pageStamp = undefined;
      if (unchanged) {
        Object.assign(sent, update.fragments);
        return;
      }
      const changed = Object.entries(update.fragments).filter(([id, html]) => {
        // The current job's panel holds its own log stream: replace it only for another job.
        if (id === currentId) return newestJob !== sentJobId;
        return sent[id] !== html;
      });
      Object.assign(sent, update.fragments);
      sentJobId = newestJob;
      if (changed.length) sse.write(swapEvent(update, changed.map(([id]) => id), watch.csrfSlot, csrfToken));
    }, pageStamp);
    sse.onClose(stop);
  });
}
