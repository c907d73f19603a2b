/**
 * What each job type does once a Tendril runs it. Terraform is only ever run through
 * src/terraform; the vine becomes tfvars in vine-context.ts; every read and write goes through the
 * job's store.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { untilReachable } from '../db/errors.js';
import { createTerraformRun, createWorkDir, type ChangeAction, type PlanSummary, type ResourceEvent } from '../terraform/index.js';
import { KIND_NAMES } from '../domain/components/catalogue.js';
import type { JobType } from '../domain/jobs/status.js';
import type { JobContext } from './index.js';
import { vineContext as buildVineContext, type VineContext } from './vine-context.js';
import { createComponentTracker } from './component-tracker.js';
import { estimateCost, infracostCost } from './cost.js';
import { identityJob } from './identity-jobs.js';

export interface HandlerOutcome {
  result?: Record<string, unknown>;
  /** A PLAN's plan file. */
  planFile?: Buffer;
}
type Handler = (ctx: JobContext) => Promise<HandlerOutcome>;

export class UnsupportedTargetError extends Error {
  override name = 'UnsupportedTargetError';
}

type TerraformRun = ReturnType<typeof createTerraformRun> & {
  onResourceEvent(fn: (ev: ResourceEvent) => void): void;
  onPlannedChange(fn: (c: { address: string; action: ChangeAction }) => void): void;
};

async function withTerraform<T>(ctx: JobContext, vc: VineContext, fn: (tf: TerraformRun, workDir: string) => Promise<T>): Promise<T> {
  const workDir = await createWorkDir(ctx.job.id);
  ctx.addSecrets(vc.secrets);
  let listener: ((ev: ResourceEvent) => void) | undefined;
  let plannedListener: ((c: { address: string; action: ChangeAction }) => void) | undefined;
  const run = createTerraformRun({
    bin: ctx.deps.terraformBin,
    target: vc.target.module,
    workDir,
    vars: vc.vars,
    sensitiveVars: vc.sensitiveVars,
    env: vc.env,
    backend: ctx.store.stateBackend(ctx.job),
    secrets: vc.secrets,
    signal: ctx.signal,
    timeoutMs: ctx.deps.terraformTimeoutMs,
    killGraceMs: ctx.deps.terraformKillGraceMs,
    ...(ctx.deps.initCache ? { initCache: ctx.deps.initCache } : {}),
    ...(ctx.deps.terraformProviderMirror ? { providerMirror: ctx.deps.terraformProviderMirror } : {}),
    onLine: (l) => ctx.logs.write(l),
    onResourceEvent: (ev) => listener?.(ev),
    onPlannedChange: (c) => plannedListener?.(c),
  });
  const tf: TerraformRun = Object.assign(run, {
    onResourceEvent: (fn: (ev: ResourceEvent) => void) => void (listener = fn),
    onPlannedChange: (fn: (c: { address: string; action: ChangeAction }) => void) => void (plannedListener = fn),
  });
  ctx.logs.system(`state: ${vc.statePath} (kept by Vintner, encrypted); target terraform/${vc.target.module}`);
  let removable = true;
  try {
    await tf.prepare();
    await tf.init();
    return await fn(tf, workDir);
  } finally {
    removable = await saveErroredState(ctx, tf, workDir);
    if (removable) await rm(workDir, { recursive: true, force: true }).catch(() => {});
  }
}

/** How long a run keeps trying to push errored.tfstate back before keeping it with its job. */
const PUSH_STATE_FOR_MS = 5 * 60_000;

/**
 * State is never lost. When Terraform could not save its state (the database unreachable), it
 * wrote errored.tfstate: pushed back as soon as the backend takes it (with the lock); failing
 * that, kept sealed with the job ("Recover state" on the job page). Answers whether the work
 * directory may go: false only when neither worked (the next Tendril start keeps it with the job).
 */
async function saveErroredState(ctx: JobContext, tf: TerraformRun, workDir: string): Promise<boolean> {
  const until = Date.now() + PUSH_STATE_FOR_MS;
  for (let attempt = 0; tf.erroredState(); attempt++) {
    if (await tf.pushErroredState()) return true;
    if (Date.now() > until) break;
    await new Promise((r) => setTimeout(r, Math.min(1000 * 2 ** attempt, 15_000)));
  }
  const state = tf.erroredState();
  if (!state) return true;
  try {
    await untilReachable(() => ctx.store.keepErroredState(ctx.job, state), { giveUpAfterMs: 15 * 60_000 });
    ctx.logs.system(`The state Terraform could not save is kept, encrypted, with this job: "Recover state" on the job page pushes it back; retry the vine afterwards`, 'error');
    return true;
  } catch (err) {
    ctx.logs.system(`The state Terraform could not save stays in ${workDir} (${(err as Error).message}); the next start of a Tendril on this machine keeps it with the job`, 'error');
    return false;
  }
}

async function vineContext(ctx: JobContext): Promise<VineContext> {
  return buildVineContext(await ctx.store.vine(ctx.job));
}

function summaryLine(s: PlanSummary): string {
  return `plan: ${s.add} to add, ${s.change} to change, ${s.destroy} to destroy`;
}

/**
 * Applies the named plan, or — without one — lets `apply` plan and apply in one Terraform run
 * (its planned_change messages tell the tracker what each component will go through), while
 * the components follow Terraform's events live.
 */
async function deploy(ctx: JobContext): Promise<HandlerOutcome> {
  const vc = await vineContext(ctx);
  return withTerraform(ctx, vc, async (tf, workDir) => {
    let planFile: string | undefined;
    let planned: PlanSummary | undefined;
    if (ctx.job.plan_job_id) {
      const plan = await ctx.store.plan(ctx.job, ctx.job.plan_job_id);
      if (plan.config_version !== vc.vine.config_version) {
        throw new Error(`plan ${plan.id} is stale: the vine's configuration changed since it was planned; run a new plan`);
      }
      planFile = join(workDir, 'harvest.tfplan');
      await writeFile(planFile, plan.file, { mode: 0o600 });
      planned = plan.summary as PlanSummary;
      ctx.logs.system(`applying the stored plan of job ${plan.id} (${summaryLine(planned).replace('plan: ', '')})`);
    }
    const tracker = createComponentTracker(ctx.store, ctx.job, vc.components, planned?.components ?? [], (l) => ctx.logs.system(l, 'warn'));
    if (!planned) tf.onPlannedChange(tracker.onPlanned);
    tf.onResourceEvent(tracker.onEvent);
    try {
      const { outputs, summary } = await tf.apply(planFile ? { planFile } : {});
      await tracker.succeeded(componentOutputs(outputs));
      return { result: { summary: planned ?? summary } };
    } catch (err) {
      await tracker.failed(ctx.redact(err instanceof Error ? err.message.split('\n')[0]! : String(err)));
      throw err;
    }
  });
}

async function destroy(ctx: JobContext): Promise<HandlerOutcome> {
  const vc = await vineContext(ctx);
  return withTerraform(ctx, vc, async (tf) => {
    const { planFile, summary } = await tf.plan({ destroy: true });
    ctx.logs.system(summaryLine(summary));
    const tracker = createComponentTracker(ctx.store, ctx.job, vc.components, summary.components, (l) => ctx.logs.system(l, 'warn'));
    tf.onResourceEvent(tracker.onEvent);
    try {
      await tf.apply({ planFile });
      await tracker.succeeded({}, true);
    } catch (err) {
      await tracker.failed(ctx.redact(err instanceof Error ? err.message.split('\n')[0]! : String(err)));
      throw err;
    }
    return { result: { summary } };
  });
}

async function plan(ctx: JobContext): Promise<HandlerOutcome> {
  const vc = await vineContext(ctx);
  return withTerraform(ctx, vc, async (tf, workDir) => {
    const { planFile, summary, planJson } = await tf.plan();
    ctx.logs.system(summaryLine(summary));
    let cost = estimateCost(vc.target.module, vc.components.filter((c) => !c.removed_at), vc.vine.stage);
    if (ctx.deps.infracost) {
      const planJsonFile = join(workDir, 'plan.json');
      await writeFile(planJsonFile, JSON.stringify(planJson), { mode: 0o600 });
      const r = await infracostCost({ ...ctx.deps.infracost, planJsonFile, signal: ctx.signal }, cost);
      if (r.note) ctx.logs.system(r.note, 'warn');
      cost = r.cost;
    }
    ctx.logs.system(`monthly cost ${cost.label}: ${cost.currency} ${cost.total.toFixed(2)}`);
    // The plan file holds every variable in clear: the store keeps only its sealed form.
    return { result: { summary, cost, config_version: vc.vine.config_version }, planFile: await readFile(planFile) };
  });
}

async function bootstrap(ctx: JobContext): Promise<HandlerOutcome> {
  const vc = await vineContext(ctx);
  return withTerraform(ctx, vc, async (tf) => {
    const from = ctx.job.recover_job_id;
    if (from) {
      const state = await ctx.store.keptState(ctx.job, from);
      if (!state) throw new Error(`job ${from} keeps no state of this vine (already recovered?)`);
      ctx.logs.system(`pushing the state kept with job ${from} back to the vine's workspace`);
      await tf.pushState(state);
      await ctx.store.clearKeptState(ctx.job, from);
      ctx.logs.system('state recovered: the next plan or harvest sees every resource that run created');
    }
    const resources = await tf.stateList();
    const version = await tf.terraformVersion();
    ctx.logs.system(`the vine's state answers (${resources.length} resources in it); Terraform ${version}`);
    return { result: { backend: 'http', state_path: vc.statePath, resources: resources.length, terraform: version } };
  });
}

const notYet: Handler = async (ctx) => {
  throw new UnsupportedTargetError(`${ctx.job.type}: target not supported yet (Tendrils inside a cloud account arrive with the remote Tendrils issue)`);
};

/** Each kind's output of a target (`<kind>`: name → outputs) as "<kind>/<name>" → that component's outputs. */
export function componentOutputs(outputs: Record<string, unknown>): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const kind of KIND_NAMES) {
    const raw = outputs[kind] as { value?: unknown } | Record<string, unknown> | undefined;
    const value = raw && typeof raw === 'object' && 'value' in raw ? raw.value : raw;
    if (!value || typeof value !== 'object') continue;
    for (const [name, o] of Object.entries(value as Record<string, unknown>)) if (o && typeof o === 'object') out[`${kind}/${name}`] = o as Record<string, unknown>;
  }
  return out;
}

export const HANDLERS: Record<JobType, Handler> = {
  DEPLOY: deploy,
  DESTROY: destroy,
  PLAN: plan,
  BOOTSTRAP: bootstrap,
  CONNECTION_TEST: (ctx) => identityJob(ctx, 'test'),
  FETCH_RESOURCES: (ctx) => identityJob(ctx, 'discover'),
  DEPLOY_WORKER: notYet,
  DESTROY_WORKER: notYet,
};
