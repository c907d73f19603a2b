/**
 * The vine page, its lifecycle actions and its live stream.
 *
 * Actions (Plan, Harvest, Harvest this plan, Retry — the harvest of a FAILED vine —, Destroy;
 * Cancel is in jobs.ts) are forms: without JavaScript they post and redirect; with htmx they
 * answer the refreshed panel in place (Plan goes to its job page, where the summary appears). While a job of the vine is open the panel carries an SSE
 * source; the stream sends the current fragments on connect, again on every change of the vine,
 * its components or its jobs, and ends once no job is open.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CHANNEL, parseJobStatusPayload } from '../domain/jobs/events.js';
import type { JobType } from '../domain/jobs/status.js';
import { openSse } from './sse.js';
import { field, formProblem, redirect } from './page-kit.js';
import { loadVineView, panelTarget, renderVineFragments, renderVinePage } from './vine-view.js';

type IdReq = FastifyRequest<{ Params: { id: string } }>;

export default async function vineLive(app: FastifyInstance): Promise<void> {
  const { jobs } = app.services;
  const auth = { preHandler: app.requirePageUser };

  app.get('/vines/:id', auth, (req: IdReq, reply) => renderVinePage(app, req, reply, req.params.id));

  /** Creates the job, then shows where to watch it (or why it was refused, in place). */
  const startJob = (type: JobType, opts: { toJobPage?: boolean; message: string }) => async (req: IdReq, reply: FastifyReply) => {
    const planJobId = field(req.body, 'plan_job_id') || undefined;
    try {
      const job = await jobs.create({ userId: req.user!.id, type, vineId: req.params.id, ...(planJobId ? { planJobId } : {}) });
      if (opts.toJobPage) return redirect(req, reply, `/jobs/${job.id}`);
      if (panelTarget(req, req.params.id)) return renderVinePage(app, req, reply, req.params.id);
      return redirect(req, reply, `/vines/${req.params.id}`, opts.message);
    } catch (err) {
      const problem = formProblem(err);
      if (!problem) throw err;
      reply.status(problem.status);
      const actionError = problem.list.length ? problem.list.map((e) => e.message).join('; ') : problem.message;
      return renderVinePage(app, req, reply, req.params.id, { actionError });
    }
  };

  app.post<{ Params: { id: string } }>('/vines/:id/plan', auth, startJob('PLAN', { toJobPage: true, message: 'Plan queued.' }));
  app.post<{ Params: { id: string } }>('/vines/:id/harvest', auth, startJob('DEPLOY', { message: 'Harvest queued: follow it below.' }));
  app.post<{ Params: { id: string } }>('/vines/:id/destroy', auth, startJob('DESTROY', { message: 'Destroy queued: follow it below.' }));

  app.get('/vines/:id/events', auth, async (req: IdReq, reply) => {
    const userId = req.user!.id;
    let view = await loadVineView(app, userId, req.params.id); // a 404 before the stream opens, re-read once subscribed
    const vineId = view.vine.id;
    const csrfToken = reply.generateCsrf();
    const sse = openSse(req, reply);
    const sent: Record<string, string> = {};
    // The job whose panel (and log stream) the page shows; another job's panel replaces it.
    let sentJobId = (req.query as { job?: string }).job ?? '';
    let running: Promise<void> | undefined;
    let again = false;

    const push = async () => {
      const fragments = await renderVineFragments(app, view, csrfToken);
      const currentId = `vine-${vineId}-current-job`;
      const newestJob = view.current?.job.id;
      const changed = Object.entries(fragments).filter(([id, html]) => {
        // The current job's panel holds its own log stream: replace it only for another job.
        if (id === currentId) return (newestJob ?? '') !== sentJobId;
        return sent[id] !== html;
      });
      for (const [id, html] of Object.entries(fragments)) sent[id] = html;
      sentJobId = newestJob ?? '';
      if (changed.length) sse.send('swap', changed.map(([, html]) => html).join('\n'));
      if (!view.live) {
        sse.send('end', JSON.stringify({ status: view.vine.status }));
        sse.end();
      }
    };
    const refresh = () => {
      if (running) {
        again = true;
        return;
      }
      running = (async () => {
        do {
          again = false;
          if (sse.closed) return;
          try {
            view = await loadVineView(app, userId, vineId);
          } catch {
            sse.end(); // the vine was deleted meanwhile
            return;
          }
          await push();
        } while (again);
      })().finally(() => (running = undefined));
    };

    let unsubs: Array<() => void>;
    try {
      unsubs = await Promise.all([
        app.hub.subscribe(CHANNEL.vineStatus, (p) => p === vineId && refresh()),
        app.hub.subscribe(CHANNEL.jobStatus, (p) => parseJobStatusPayload(p)?.vineId === vineId && refresh()),
      ]);
    } catch (err) {
      req.log.warn({ err }, 'vine stream: LISTEN failed; the client retries');
      return sse.end();
    }
    const offReconnect = app.hub.onReconnect(refresh);
    sse.onClose(() => {
      unsubs.forEach((u) => u());
      offReconnect();
    });
    // Current state first, read after subscribing so no change falls between the read and the
    // subscription; the page may be older than this connection anyway.
    refresh();
    await running;
  });
}
