/**
 * Jobs: start one on a vine (202: it runs on a Tendril), list, read, cancel, and read its log as
 * JSON pages or live as Server-Sent Events (`Accept: text/event-stream`; event ids are the lines'
 * seq, so a reconnect with Last-Event-ID resumes with nothing lost or repeated).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { JOB_TERMINAL } from '../../domain/jobs/status.js';
import type { JobService } from '../../domain/jobs/service.js';
import { resumeSeq, streamJobLogs } from '../sse.js';
import { IdParams, Job, LogPage, LogQuery, Page, PageQuery, PoolJobBody, problems, VineJobBody } from './schemas.js';
import { decodeCursor, DEFAULT_PAGE, encodeCursor } from './validation.js';
import { invalid, isUuid } from '../../domain/validation.js';
import type { VineDetailCache } from './vine-cache.js';

const tags = ['jobs'];
/** A timestamp as Postgres prints it (`2026-11-29 18:56:56.123456+00`), as the cursors hold it. */
const PG_TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/;

/** One page of jobs, with the cursor of the next (keyset paging: see JobRepository.page). */
async function jobsPage(jobs: JobService, of: Parameters<JobService['page']>[0], query: { limit?: number; cursor?: string }) {
  const key = query.cursor !== undefined ? decodeCursor(query.cursor) : undefined;
  if (key && (key.length !== 2 || !PG_TIMESTAMP.test(key[0]!) || !isUuid(key[1]))) {
    throw invalid('query', [{ field: 'cursor', message: 'is not a cursor this API gave out' }]);
  }
  const page = await jobs.page(of, { limit: query.limit ?? DEFAULT_PAGE, after: key ? { createdAt: key[0]!, id: key[1]! } : undefined }).catch((err: { code?: string }) => {
    // 22xxx, data exceptions: a timestamp of the right shape that is no date (February 30th).
    if (key && err.code?.startsWith('22')) throw invalid('query', [{ field: 'cursor', message: 'is not a cursor this API gave out' }]);
    throw err;
  });
  return { items: page.jobs, next_cursor: page.more && page.last ? encodeCursor([page.last.createdAt, page.last.id]) : null };
}

const jobRoutes: FastifyPluginAsyncTypebox<{ cache: VineDetailCache }> = async (app, { cache }) => {
  const { jobs, vines, identities } = app.services;

  app.post('/vines/:id/jobs', {
    schema: {
      summary: 'Start a job on a vine: PLAN, DEPLOY (harvest), DESTROY or BOOTSTRAP',
      description: 'Answers 202 with the QUEUED job. A DEPLOY may apply a successful, current PLAN (`plan_job_id`).',
      tags, params: IdParams, body: VineJobBody, response: { 202: Job, ...problems(400, 401, 404, 409) },
    },
  }, async (req, reply) => {
    const { type, plan_job_id: planJobId, recover_job_id: recoverJobId } = req.body;
    const job = await jobs.create({ userId: req.user!.id, vineId: req.params.id, type, ...(planJobId !== undefined ? { planJobId } : {}), ...(recoverJobId !== undefined ? { recoverJobId } : {}) });
    cache.evict(req.params.id); // a harvest or destroy moved the vine's status
    return reply.status(202).send(job);
  });

  app.get('/vines/:id/jobs', {
    schema: { summary: 'A vine’s jobs, newest first', tags, params: IdParams, querystring: PageQuery, response: { 200: Page(Job, 'JobPage'), ...problems(400, 401, 404) } },
  }, async (req) => {
    const vine = await vines.getVine(req.user!.id, req.params.id); // 404 unless it is the user's
    return jobsPage(jobs, { vineId: vine.id }, req.query);
  });

  app.get('/identities/:id/jobs', {
    schema: { summary: 'The jobs that used an identity (connection tests, discovery, and its vines’ plans, harvests and destroys), newest first', tags: ['identities', ...tags], params: IdParams, querystring: PageQuery, response: { 200: Page(Job, 'IdentityJobPage'), ...problems(400, 401, 404) } },
  }, async (req) => {
    const identity = await identities.get(req.user!.id, req.params.id); // 404 unless it is the user's
    return jobsPage(jobs, { identityId: identity.id }, req.query);
  });

  app.post('/pools/:id/jobs', {
    schema: {
      summary: 'Deploy or destroy a pool’s in-account Tendrils: DEPLOY_WORKER or DESTROY_WORKER',
      description:
        'Answers 202 with the QUEUED job; it runs on an in-house Tendril with the aws identity’s credentials (terraform/tendril-aws, docs/clouds/aws-tendril.md). ' +
        'Settings left out keep the last successful deployment’s; `image` defaults to TENDRIL_IMAGE and `trellis_url` to TRELLIS_PUBLIC_URL, else the address this request came to. ' +
        'A destroy takes the last deployment’s identity and settings unless `identity_id` names another.',
      tags: ['pools', ...tags], params: IdParams, body: PoolJobBody, response: { 202: Job, ...problems(400, 401, 404, 409) },
    },
  }, async (req, reply) => {
    const { type, identity_id: identityId, settings } = req.body;
    const trellisUrl = app.deps.config.trellisPublicUrl ?? `${req.protocol}://${req.host}`;
    const job = await jobs.create({
      userId: req.user!.id,
      poolId: req.params.id,
      type,
      ...(identityId !== undefined ? { identityId } : {}),
      ...(settings !== undefined ? { settings } : {}),
      workerDefaults: { image: app.deps.config.tendrilImage, trellisUrl },
    });
    return reply.status(202).send(job);
  });

  app.get('/pools/:id/jobs', {
    schema: { summary: 'A pool’s DEPLOY_WORKER and DESTROY_WORKER jobs, newest first', tags: ['pools', ...tags], params: IdParams, querystring: PageQuery, response: { 200: Page(Job, 'PoolJobPage'), ...problems(400, 401, 404) } },
  }, async (req) => {
    const pool = await jobs.pool(req.user!.id, req.params.id); // 404 unless it is the user's
    return jobsPage(jobs, { poolId: pool.id }, req.query);
  });

  app.get('/jobs/:id', {
    schema: { summary: 'A job', tags, params: IdParams, response: { 200: Job, ...problems(401, 404) } },
  }, async (req) => jobs.get(req.user!.id, req.params.id));

  app.post('/jobs/:id/cancel', {
    schema: {
      summary: 'Cancel a job',
      description: 'QUEUED: cancelled at once. Running: the Tendril interrupts Terraform (it saves its state) and records CANCELLED.',
      tags, params: IdParams, response: { 200: Job, ...problems(401, 404, 409) },
    },
  }, async (req) => {
    const job = await jobs.cancel(req.user!.id, req.params.id);
    if (job.vine_id) cache.evict(job.vine_id);
    return job;
  });

  app.get('/jobs/:id/logs', {
    schema: {
      summary: 'A job’s log: a JSON page of lines, or with `Accept: text/event-stream` a live stream',
      description:
        'JSON: lines with seq > `after`, at most `limit`; `done` once the job finished and the page holds its last line. ' +
        'SSE: events `status` ({status}), `line` (a LogLine; the event id is its seq) and `end` ({status}); resume with Last-Event-ID or `after`.',
      tags, params: IdParams, querystring: LogQuery, response: { 200: LogPage, ...problems(400, 401, 404) },
      produces: ['application/json', 'text/event-stream'],
    },
  }, async (req, reply) => {
    const job = await jobs.get(req.user!.id, req.params.id);
    if ((req.headers.accept ?? '').includes('text/event-stream')) return streamJobLogs(req, reply, job.id, resumeSeq(req), { status: job.status });
    const after = req.query.after ?? 0;
    const limit = req.query.limit ?? 1000;
    const lines = await jobs.logs(req.user!.id, job.id, after, limit);
    // The status was read before the lines: if it was final then, every line was already stored.
    const done = JOB_TERMINAL.includes(job.status) && lines.length < limit;
    return { job_id: job.id, status: job.status, lines, next_after: lines.length ? lines[lines.length - 1]!.seq : after, done };
  });
};

export default jobRoutes;
