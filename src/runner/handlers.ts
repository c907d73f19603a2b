/**
 * What each job type does once a Tendril runs it. Terraform is only ever run through
 * src/terraform (createTerraformRun); the vine's rows become tfvars in vine-context.ts.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { execa } from 'execa';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTerraformRun, type ChangeAction, type PlanSummary, type ResourceEvent } from '../../terraform/index.js';
import { JobType, type JobType as JobTypeT } from './status.js';
import type { JobContext } from './runner.js';
import { loadVineContext, type VineContext } from './vine-context.js';
import { createComponentTracker } from './component-tracker.js';
import { estimateCost, infracostCost } from './cost.js';
import { terraformSessionName } from '../tendrils/reaper.js';

export interface HandlerOutcome {
  result?: Record<string, unknown>;
  patch?: Record<string, unknown>;
}
type Handler = (ctx: JobContext) => Promise<HandlerOutcome>;

export const STATE_SCHEMA = 'terraform_state';

export class UnsupportedTargetError extends Error {
  override name = 'UnsupportedTargetError';
}

/** The Terraform module a vine's identity points at; only the local sandbox is built so far. */
function targetFor(vc: VineContext): string {
  if (vc.identity.provider === 'local') return 'local';
  throw new UnsupportedTargetError(`target not supported yet: ${vc.identity.provider} (cloud targets arrive with the cloud issue); use a local identity`);
}

type TerraformRun = ReturnType<typeof createTerraformRun> & {
  onResourceEvent(fn: (ev: ResourceEvent) => void): void;
  onPlannedChange(fn: (c: { address: string; action: ChangeAction }) => void): void;
};

async function withTerraform<T>(ctx: JobContext, vc: VineContext, fn: (tf: TerraformRun, workDir: string) => Promise<T>): Promise<T> {
  const target = targetFor(vc);
  const workDir = await mkdtemp(join(tmpdir(), `vintner-job-${ctx.job.id.slice(0, 8)}-`));
  ctx.addSecrets(vc.secrets);
  let listener: ((ev: ResourceEvent) => void) | undefined;
  let plannedListener: ((c: { address: string; action: ChangeAction }) => void) | undefined;
  const run = createTerraformRun({
    bin: ctx.deps.terraformBin,
    target,
    workDir,
    vars: vc.vars,
    backend: { connStr: stateConnStr(ctx.deps.databaseUrl, ctx.job.id), schemaName: STATE_SCHEMA, workspace: vc.workspace },
    secrets: vc.secrets,
    signal: ctx.signal,
    timeoutMs: ctx.deps.terraformTimeoutMs,
    killGraceMs: ctx.deps.terraformKillGraceMs,
    ...(ctx.deps.initCache ? { initCache: ctx.deps.initCache } : {}),
    onLine: (l) => ctx.logs.write(l),
    onResourceEvent: (ev) => listener?.(ev),
    onPlannedChange: (c) => plannedListener?.(c),
  });
  const tf: TerraformRun = Object.assign(run, {
    onResourceEvent: (fn: (ev: ResourceEvent) => void) => void (listener = fn),
    onPlannedChange: (fn: (c: { address: string; action: ChangeAction }) => void) => void (plannedListener = fn),
  });
  ctx.logs.system(`state: ${vc.statePath} (pg backend, workspace ${vc.workspace})`);
  try {
    await tf.prepare();
    await tf.init();
    return await fn(tf, workDir);
  } finally {
    await rm(workDir, { recursive: true, force: true }).catch(() => {});
  }
}

/**
 * The state backend connects with the job's own application_name, so if this Tendril dies the
 * reaper can end that session — and with it the state lock Terraform holds.
 */
function stateConnStr(databaseUrl: string, jobId: string): string {
  const u = new URL(databaseUrl);
  u.searchParams.set('application_name', terraformSessionName(jobId));
  if (!u.searchParams.has('sslmode')) u.searchParams.set('sslmode', 'disable');
  return u.toString();
}

function vineContext(ctx: JobContext): Promise<VineContext> {
  return loadVineContext(ctx.deps.knex, ctx.deps.sealer, ctx.job.vine_id!);
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
      const plan = await ctx.deps.knex('provision_jobs').where({ id: ctx.job.plan_job_id }).first('id', 'config_version', 'result', 'plan_file_encrypted');
      if (!plan?.plan_file_encrypted) throw new Error(`plan ${ctx.job.plan_job_id} has no stored plan file`);
      if (plan.config_version !== vc.vine.config_version) {
        throw new Error(`plan ${plan.id} is stale: the vine's configuration changed since it was planned; run a new plan`);
      }
      planFile = join(workDir, 'harvest.tfplan');
      await writeFile(planFile, ctx.deps.sealer.openBytes(plan.plan_file_encrypted), { mode: 0o600 });
      planned = plan.result.summary as PlanSummary;
      ctx.logs.system(`applying the stored plan of job ${plan.id} (${summaryLine(planned).replace('plan: ', '')})`);
    }
    const tracker = createComponentTracker(ctx.deps.knex, vc.vine.id, vc.components, planned?.components ?? [], (l) => ctx.logs.system(l, 'warn'));
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
    const tracker = createComponentTracker(ctx.deps.knex, vc.vine.id, vc.components, summary.components, (l) => ctx.logs.system(l, 'warn'));
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
    let cost = estimateCost(vc.components.filter((c) => !c.removed_at));
    if (ctx.deps.infracost) {
      const planJsonFile = join(workDir, 'plan.json');
      await writeFile(planJsonFile, JSON.stringify(planJson), { mode: 0o600 });
      const r = await infracostCost({ ...ctx.deps.infracost, planJsonFile, signal: ctx.signal }, cost);
      if (r.note) ctx.logs.system(r.note, 'warn');
      cost = r.cost;
    }
    ctx.logs.system(`monthly cost ${cost.label}: ${cost.currency} ${cost.total.toFixed(2)}`);
    // The plan file holds every variable in clear (secrets included): only its sealed form is kept.
    const sealed = ctx.deps.sealer.sealBytes(await readFile(planFile));
    return { result: { summary, cost, config_version: vc.vine.config_version }, patch: { plan_file_encrypted: sealed } };
  });
}

async function bootstrap(ctx: JobContext): Promise<HandlerOutcome> {
  const vc = await vineContext(ctx);
  return withTerraform(ctx, vc, async (tf) => {
    await tf.ensureWorkspace();
    const version = await tf.terraformVersion();
    ctx.logs.system(`workspace ${vc.workspace} is ready in the pg backend (schema ${STATE_SCHEMA}); ${version}`);
    return { result: { backend: 'pg', schema: STATE_SCHEMA, workspace: vc.workspace, state_path: vc.statePath, terraform: version } };
  });
}

async function identityJob(ctx: JobContext, kind: 'test' | 'discover'): Promise<HandlerOutcome> {
  const { knex } = ctx.deps;
  const identity = await knex('cloud_identities').where({ id: ctx.job.identity_id }).first('id', 'name', 'provider');
  if (identity.provider !== 'local') {
    const msg = `${identity.provider} connection tests arrive with the cloud issue; only local identities can be checked so far`;
    if (kind === 'test') await knex('cloud_identities').where({ id: identity.id }).update({ last_test_status: 'FAILED', last_test_message: msg, last_tested_at: knex.fn.now() });
    throw new UnsupportedTargetError(msg);
  }
  const version = (await execa(ctx.deps.terraformBin, ['version'], { cancelSignal: ctx.signal, timeout: 30_000, env: { CHECKPOINT_DISABLE: '1', TF_CLI_CONFIG_FILE: '/dev/null' } })).stdout.split('\n')[0]!;
  ctx.logs.system(`terraform: ${version}`);
  await knex.raw('SELECT 1');
  ctx.logs.system('state backend: Vintner database reachable (pg backend)');
  const hasSchema = (await knex('information_schema.schemata').where({ schema_name: STATE_SCHEMA }).first()) !== undefined;
  const workspaces: string[] = hasSchema ? await knex(`${STATE_SCHEMA}.states`).orderBy('name').pluck('name') : [];
  ctx.logs.system(`state workspaces: ${workspaces.length}`);
  if (kind === 'test') {
    await knex('cloud_identities').where({ id: identity.id }).update({ last_test_status: 'SUCCESS', last_test_message: `${version}; pg state backend reachable`, last_tested_at: knex.fn.now() });
    return { result: { terraform: version, backend: 'pg', workspaces: workspaces.length } };
  }
  await knex.transaction(async (trx) => {
    await trx('discovered_resources').where({ identity_id: identity.id }).delete();
    if (workspaces.length) {
      await trx('discovered_resources').insert(workspaces.map((w) => ({ identity_id: identity.id, kind: 'state_workspace', external_id: w, name: w, region: 'local', data: JSON.stringify({ backend: 'pg', schema: STATE_SCHEMA }) })));
    }
  });
  return { result: { discovered: workspaces.length, kinds: { state_workspace: workspaces.length } } };
}

const notYet: Handler = async (ctx) => {
  throw new UnsupportedTargetError(`${ctx.job.type}: target not supported yet (Tendrils inside a cloud account arrive with the cloud issue)`);
};

/** `components` output of a target: map "<kind>/<name>" → that component's outputs. */
function componentOutputs(outputs: Record<string, unknown>): Record<string, Record<string, unknown>> {
  const raw = outputs.components as { value?: unknown } | Record<string, unknown> | undefined;
  const value = raw && typeof raw === 'object' && 'value' in raw ? raw.value : raw;
  return (value && typeof value === 'object' ? value : {}) as Record<string, Record<string, unknown>>;
}

export const HANDLERS: Record<JobTypeT, Handler> = {
  [JobType.DEPLOY]: deploy,
  [JobType.DESTROY]: destroy,
  [JobType.PLAN]: plan,
  [JobType.BOOTSTRAP]: bootstrap,
  [JobType.CONNECTION_TEST]: (ctx) => identityJob(ctx, 'test'),
  [JobType.FETCH_RESOURCES]: (ctx) => identityJob(ctx, 'discover'),
  [JobType.DEPLOY_WORKER]: notYet,
  [JobType.DESTROY_WORKER]: notYet,
};
