/**
 * Everything the vine page shows, read in one place: the page, its htmx panel and the fragments
 * its SSE stream sends are rendered from the same data by the same partials.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { vineActions, openJob, currentPlan, type VineAction } from '../domain/vines/actions.js';
import { toVineView, type Vine } from '../domain/vines/service.js';
import { readVinePage, type ComponentSummary } from '../domain/vines/page.js';
import type { JobRecord } from '../domain/jobs/repository.js';
import type { JobContextView } from '../domain/jobs/job-context.js';
import { NotFoundError } from '../domain/errors.js';
import { logTailView } from './log-lines.js';
import { h } from './view-helpers.js';
import { isHtmx, keepablePage, pageData, render, sendKeptPage } from './page-kit.js';
import { createCoalescer, type Coalescer } from '../domain/coalesce.js';

/** Lines of the current job shown on the vine page; the job page has the whole log. */
export const VINE_LOG_TAIL = 300;
const HISTORY = 20;

export interface CurrentJob {
  job: JobRecord;
  context: JobContextView;
  open: boolean;
  logHtml: string;
  lastSeq: number;
  truncated: boolean;
}

export interface VinePageView {
  vine: Vine;
  components: ComponentSummary[];
  jobs: JobRecord[];
  actions: Record<string, VineAction>;
  /** Disabled primary actions grouped by their reason, for one line each under the buttons. */
  reasons: Array<{ actions: string[]; reason: string }>;
  current: CurrentJob | null;
  planJobId: string | null;
  /** The job queued or running now, if any: the panel then follows it live. */
  openJob: JobRecord | null;
  live: boolean;
  /**
   * A digest of everything the page shows of the vine: the page hands it to its live stream,
   * which then sends nothing on connect unless the vine changed since the page was rendered.
   */
  stamp: string;
}

const LABELS: Record<string, string> = { plan: 'Plan', harvest: 'Harvest', retry: 'Retry', destroy: 'Destroy', edit: 'Edit' };

export async function loadVineView(app: FastifyInstance, userId: string, vineId: string): Promise<VinePageView> {
  // One statement: the vine, its components, its jobs, the newest job's context and open log tail.
  const data = await readVinePage(app.deps.knex, userId, vineId, { jobs: HISTORY, logTail: VINE_LOG_TAIL + 1 });
  if (!data) throw new NotFoundError(`vine ${vineId} not found`);
  const { jobs, components } = data;
  const vine = toVineView(data.vine);
  const list = vineActions({ status: vine.status, config_version: vine.config_version, jobs });
  const actions = Object.fromEntries(list.map((a) => [a.name, a]));
  const failed = vine.status === 'FAILED';
  const reasons: VinePageView['reasons'] = [];
  for (const a of list) {
    if (a.allowed || !LABELS[a.name] || (a.name === 'harvest' && failed) || (a.name === 'retry' && !failed)) continue;
    const group = reasons.find((r) => r.reason === a.reason);
    if (group) group.actions.push(LABELS[a.name]!);
    else reasons.push({ actions: [LABELS[a.name]!], reason: a.reason! });
  }
  const newest = jobs[0];
  let current: CurrentJob | null = null;
  if (newest && data.newest) {
    // A finished job's log is fetched when the reader opens it (GET /jobs/:id/log): most visits
    // of a vine page do not need it, and it is the heaviest part of the page.
    current = { job: newest, context: data.newest.context, open: data.newest.tail !== null, ...logTailView(data.newest.tail ?? [], VINE_LOG_TAIL) };
  }
  const open = openJob(jobs);
  return { vine, components, jobs, actions, reasons, current, planJobId: currentPlan({ ...vine, jobs })?.id ?? null, openJob: open ?? null, live: open !== undefined, stamp: data.stamp };
}

/** The fragments the vine page's live stream replaces, by element id. */
export async function renderVineFragments(app: FastifyInstance, view: VinePageView, csrfToken: string): Promise<Record<string, string>> {
  const data = { ...view, csrfToken, h };
  const id = view.vine.id;
  const names = ['status', 'components', 'jobs', 'details', 'current-job'];
  const html = await Promise.all(names.map((n) => app.view(`pages/vines/_${n}`, data)));
  return Object.fromEntries(names.map((n, i) => [`vine-${id}-${n}`, html[i]!]));
}

/**
 * Whole pages being read and rendered, by user and path: visits of one page at the same time share
 * a read that began after they came (src/domain/coalesce.ts) — the page cache's misses (a page
 * right after a change, a vine with a job running) cost one read and rendering per moment, not one
 * per visit. Keyed by the page cache, which every plugin context of one app shares.
 */
const pagesInFlight = new WeakMap<object, Coalescer<{ parts: Buffer[] }>>();

/** The vine page, or only its panel for htmx; `extra` carries e.g. an action's refusal. */
export async function renderVinePage(app: FastifyInstance, req: FastifyRequest, reply: FastifyReply, vineId: string, extra: Record<string, unknown> = {}) {
  const userId = req.user!.id;
  const cache = app.pageCache;
  // A whole page as any visit of its user would see it (no flash, no refusal, not a fragment):
  // shared by the visits that ask for it at once, and kept by the page cache unless a job runs.
  const whole = req.method === 'GET' && !isHtmx(req) && !req.session?.flash && Object.keys(extra).length === 0;
  const keepable = whole && app.deps.config.pageCacheMs > 0;
  if (keepable) {
    const kept = cache.get(vineId.toLowerCase());
    if (kept?.userId === userId) return sendKeptPage(reply, kept.parts);
  }
  if (whole) {
    let flights = pagesInFlight.get(cache);
    if (!flights) pagesInFlight.set(cache, (flights = createCoalescer()));
    const path = req.url.split('?')[0]!;
    const page = await flights.run(`${userId} ${path}`, async () => {
      const epoch = cache.epoch;
      const view = await loadVineView(app, userId, vineId);
      const data = { title: `${view.vine.name} (${view.vine.stage})`, ...view };
      // The CSRF placeholder where each visit's token goes (sendKeptPage).
      const html = await app.view('pages/vines/show', pageData(req, reply, data, { csrf: cache.csrfSlot }));
      const parts = keepablePage(html, cache.csrfSlot);
      if (keepable && !view.live) cache.set(view.vine.id, { userId, parts }, epoch);
      return { parts };
    });
    return sendKeptPage(reply, page.parts);
  }
  const view = await loadVineView(app, userId, vineId);
  const template = isHtmx(req) ? 'pages/vines/_panel' : 'pages/vines/show';
  return render(req, reply, template, { title: `${view.vine.name} (${view.vine.stage})`, ...view, ...extra });
}

/** An htmx action posted from the vine page's panel: answer the refreshed panel in place. */
export const panelTarget = (req: FastifyRequest, vineId: string) => isHtmx(req) && req.headers['hx-target'] === `vine-${vineId}-panel`;
