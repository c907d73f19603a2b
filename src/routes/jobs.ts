/**
 * Job pages: recent jobs, one job (type, status, who started it, timings, the Tendril, a PLAN's
 * summary and cost with "Harvest this plan"), its log streamed live, cancel.
 *
 * The log stream is the API's (sse.ts), rendered in HTML: event ids are the lines' `seq`, so a
 * reconnecting EventSource sends `Last-Event-ID` and gets exactly the lines after it; `status`
 * events carry the partials the page renders; `end` closes it with the job.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { loadJobContext } from '../domain/jobs/job-context.js';
import { readLogTail } from '../domain/jobs/log-writer.js';
import { JOB_OPEN, JOB_TERMINAL, type JobStatus } from '../domain/jobs/status.js';
import type { StatusEvent } from '../domain/jobs/feed.js';
import type { JobRecord } from '../domain/jobs/repository.js';
import type { VineStatus } from '../domain/vines/status.js';
import { planRefusal } from '../domain/vines/actions.js';
import { resumeSeq, streamJobLogs } from './sse.js';
import { logLineHtml, logTailView } from './log-lines.js';
import { field, formAction, isHtmx, redirect, render, safeLocalPath } from './page-kit.js';
import { h } from './view-helpers.js';
import { panelTarget, renderVinePage, VINE_LOG_TAIL } from './vine-view.js';

type IdReq = FastifyRequest<{ Params: { id: string } }>;

/** Lines a job page renders at once; longer logs show their tail (the rest is in the API). */
export const JOB_PAGE_LINES = 5000;

export default async function jobPages(app: FastifyInstance): Promise<void> {
  const { jobs } = app.services;
  const { knex } = app.deps;
  const auth = { preHandler: app.requirePageUser };

  /** Whether "Harvest this plan" can apply this job's plan now, or why not. */
  const harvestability = async (userId: string, job: JobRecord, vine: { status: VineStatus; config_version: number } | null) => {
    if (job.type !== 'PLAN' || job.status !== 'SUCCESS' || !vine || !job.vine_id) return null;
    const reason = planRefusal(job, { ...vine, jobs: await jobs.listForVine(userId, job.vine_id, { limit: 50 }) });
    return { allowed: reason === undefined, reason: reason ?? '' };
  };

  const jobData = async (userId: string, jobId: string) => {
    const job = await jobs.get(userId, jobId);
    const context = await loadJobContext(knex, job);
    return { job, context, harvest: await harvestability(userId, job, context.vine), open: JOB_OPEN.includes(job.status) };
  };

  app.get('/jobs', auth, async (req, reply) => {
    // ?identity=<id>: the jobs that used one identity (404 unless it is the user's).
    const identityParam = (req.query as { identity?: unknown }).identity;
    const identity = typeof identityParam === 'string' && identityParam ? await app.services.identities.get(req.user!.id, identityParam) : undefined;
    const list = await jobs.listForUser(req.user!.id, { limit: 100, ...(identity ? { identityId: identity.id } : {}) });
    const vineIds = [...new Set(list.map((j) => j.vine_id).filter((v): v is string => v !== null))];
    const names = vineIds.length
      ? await knex('vines as v').join('vineyards as vy', 'vy.id', 'v.vineyard_id').whereIn('v.id', vineIds).select('v.id', 'v.name', 'v.stage', 'vy.name as vineyard_name')
      : [];
    return render(req, reply, 'pages/jobs/index', { title: identity ? `Jobs of ${identity.name}` : 'Jobs', jobs: list, identity: identity ?? null, vines: Object.fromEntries(names.map((n) => [n.id, n])) });
  });

  const showJob = async (req: FastifyRequest, reply: FastifyReply, jobId: string, extra: Record<string, unknown> = {}) => {
    const data = await jobData(req.user!.id, jobId);
    const log = logTailView(await readLogTail(knex, data.job.id, JOB_PAGE_LINES + 1), JOB_PAGE_LINES);
    const template = isHtmx(req) ? 'pages/jobs/_job' : 'pages/jobs/show';
    return render(req, reply, template, { title: `${data.job.type} job`, ...data, ...log, ...extra });
  };

  app.get('/jobs/:id', auth, (req: IdReq, reply) => showJob(req, reply, req.params.id));

  /** The tail of a log, for the vine page's "Log" of a finished job (htmx); the job page otherwise. */
  app.get('/jobs/:id/log', auth, async (req: IdReq, reply) => {
    const job = await jobs.get(req.user!.id, req.params.id);
    if (!isHtmx(req)) return reply.redirect(`/jobs/${job.id}#log`, 303);
    const log = logTailView(await readLogTail(knex, job.id, VINE_LOG_TAIL + 1), VINE_LOG_TAIL);
    return render(req, reply, 'pages/jobs/_log', { job, ...log, live: false });
  });

  app.post('/jobs/:id/cancel', auth, async (req: IdReq, reply) => {
    const back = safeLocalPath(field(req.body, 'return_to'), `/jobs/${req.params.id}`);
    return formAction(
      reply,
      async () => {
        const job = await jobs.cancel(req.user!.id, req.params.id);
        if (job.vine_id && panelTarget(req, job.vine_id)) return renderVinePage(app, req, reply, job.vine_id);
        return redirect(req, reply, back, job.status === 'CANCELLED' ? 'Job cancelled.' : 'Cancelling: the Tendril is stopping Terraform.');
      },
      async (problem) => {
        const job = await jobs.get(req.user!.id, req.params.id);
        if (job.vine_id && (panelTarget(req, job.vine_id) || back === `/vines/${job.vine_id}`)) return renderVinePage(app, req, reply, job.vine_id, { actionError: problem.message });
        return showJob(req, reply, job.id, { actionError: problem.message });
      },
    );
  });

  // A status change's fragments, rendered once per change and user for every stream of the job,
  // with the CSRF placeholder that each stream replaces with its own token.
  const slot = app.pageCache.csrfSlot;
  const statusHtml = new WeakMap<StatusEvent, Map<string, Promise<string>>>();
  const renderStatus = async (data: Awaited<ReturnType<typeof jobData>>, status: JobStatus) => {
    const templates = ['pages/jobs/_status', 'pages/jobs/_actions', ...(JOB_TERMINAL.includes(status) ? ['pages/jobs/_result'] : [])];
    const all = { ...data, csrfToken: slot, h };
    return (await Promise.all(templates.map((tpl) => app.view(tpl, all)))).join('\n');
  };

  app.get('/jobs/:id/events', auth, async (req: IdReq, reply) => {
    const userId = req.user!.id;
    const first = await jobData(userId, req.params.id); // a 404 before the stream opens
    const jobId = first.job.id;
    const csrfToken = reply.generateCsrf();
    const initial: StatusEvent = { status: first.job.status };
    statusHtml.set(initial, new Map([[userId, renderStatus(first, initial.status)]]));
    // The same stream as the API's, in HTML: a line's row; a status change's fragments (and the
    // result once the job is over), which the page swaps in.
    return streamJobLogs(req, reply, jobId, resumeSeq(req), initial, {
      line: logLineHtml,
      async status(event) {
        let byUser = statusHtml.get(event);
        if (!byUser) statusHtml.set(event, (byUser = new Map()));
        let html = byUser.get(userId);
        if (!html) byUser.set(userId, (html = jobData(userId, jobId).then((data) => renderStatus(data, event.status))));
        return (await html).split(slot).join(csrfToken);
      },
    });
  });
}
