/**
 * DEPLOY_WORKER / DESTROY_WORKER (docs/clouds/aws-tendril.md): a pool's in-account Tendrils on AWS,
 * made by terraform/tendril-aws with the aws identity's own credentials, its state kept by Vintner
 * as the pool's (`pool:<id>`). In-house Tendrils only: they hold the identity's credentials.
 *
 * A deployment mints a new pool token for the Tendrils it runs: the plaintext reaches Terraform
 * only as TF_VAR_tendril_token (redacted from every line), goes into Secrets Manager write-only,
 * and the service rolls its tasks onto it; once the apply succeeded (the new tasks run), the tokens
 * earlier deployments minted are revoked. A failed deployment keeps its token (Secrets Manager may
 * hold it already): the next success or the destroy revokes it. The task role's policy is the aws
 * target's least-privilege document, read from AWS_TARGET_POLICY_FILE at each run.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MODULES_DIR } from '../terraform/run.js';
import { slugify } from '../domain/vines/stage.js';
import type { JobContext } from './index.js';
import type { HandlerOutcome, TerraformSetup, WithTerraform } from './handlers.js';
import type { PoolJobStore, WorkerFacts } from './store.js';
import { TARGETS } from './targets.js';

/** The module under terraform/. */
export const TENDRIL_AWS_MODULE = 'tendril-aws';
/** The aws target's least-privilege policy (generated from terraform/aws/permissions.json): the task role's. */
export const AWS_TARGET_POLICY_FILE = join(MODULES_DIR, 'aws', 'iam-policy.json');

/** `tendril-<pool name, DNS-safe, ≤ 20>-<first 8 of its id>`: unique per pool, outside the aws target's `vintner-*` names. */
export function tendrilNamePrefix(pool: { id: string; name: string }): string {
  const slug = slugify(pool.name).slice(0, 20).replace(/-+$/, '');
  return `tendril-${slug ? `${slug}-` : ''}${pool.id.slice(0, 8)}`.replace(/-{2,}/g, '-');
}

/** The task role's policy document, as the file holds it (checked to be one). */
export async function readTaskPolicy(file = AWS_TARGET_POLICY_FILE): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(`${file} is missing: the Tendrils' task role gets the aws target's least-privilege policy from it (generated from terraform/aws/permissions.json)`);
    }
    throw err;
  }
  let doc: { Statement?: unknown };
  try {
    doc = JSON.parse(text) as { Statement?: unknown };
  } catch {
    throw new Error(`${file} is not JSON: it must be an IAM policy document`);
  }
  if (!Array.isArray(doc.Statement) || doc.Statement.length === 0) throw new Error(`${file} is no IAM policy document (no statements)`);
  return text;
}

function poolStore(ctx: JobContext): PoolJobStore {
  if (!ctx.store.pools) throw new Error(`${ctx.job.type} runs on in-house Tendrils only: a pool's own Tendrils never deploy or destroy themselves`);
  return ctx.store.pools;
}

/** tfvars of terraform/tendril-aws (nothing secret: the token travels as TF_VAR_tendril_token). */
export function workerVars(facts: WorkerFacts, taskPolicyJson: string, tokenVersion: number): Record<string, unknown> {
  const s = facts.settings;
  const vars: Record<string, unknown> = {
    pool_id: facts.pool.id,
    pool_name: facts.pool.name,
    name_prefix: tendrilNamePrefix(facts.pool),
    region: TARGETS.aws.region(facts.identity),
    trellis_url: s.trellis_url,
    image: s.image,
    token_version: tokenVersion,
    task_policy_json: taskPolicyJson,
  };
  // The module's defaults for what the settings leave out.
  for (const key of ['cpu', 'memory', 'cpu_architecture', 'desired_count', 'concurrency', 'cluster_arn', 'subnet_ids', 'security_group_ids', 'assign_public_ip', 'log_retention_days'] as const) {
    if (s[key] !== undefined) vars[key] = s[key];
  }
  return vars;
}

async function setup(ctx: JobContext, facts: WorkerFacts, vars: Record<string, unknown>, sensitiveVars: Record<string, unknown>): Promise<TerraformSetup> {
  if (facts.identity.provider !== 'aws') throw new Error(`${ctx.job.type} needs an aws identity; ${facts.identity.name} is ${facts.identity.provider}`);
  if (facts.settings.region && facts.settings.region !== vars.region) throw new Error(`the pool's Tendrils are in ${facts.settings.region}, identity ${facts.identity.name} is for ${String(vars.region)}`);
  const access = await TARGETS.aws.access(facts.identity);
  return { target: { module: TENDRIL_AWS_MODULE }, vars, sensitiveVars, env: access.env, secrets: access.secrets, statePath: `pools/${facts.pool.name}` };
}

const OUTPUTS = ['cluster_arn', 'service_name', 'task_definition_arn', 'task_role_arn', 'execution_role_arn', 'log_group_name', 'token_secret_arn', 'subnet_ids', 'security_group_ids'] as const;

export async function deployWorker(ctx: JobContext, withTerraform: WithTerraform): Promise<HandlerOutcome> {
  const pools = poolStore(ctx);
  const facts = await pools.facts(ctx.job);
  const policy = await readTaskPolicy();
  // Changes with every deployment (the database's clock, at the claim): Secrets Manager takes the new token.
  const claimedAt = ctx.job.claimed_at ? Date.parse(String(ctx.job.claimed_at)) : Date.now();
  const tokenVersion = Math.floor((Number.isFinite(claimedAt) ? claimedAt : Date.now()) / 1000);
  const vars = workerVars(facts, policy, tokenVersion);
  const tf = await setup(ctx, facts, vars, {});
  const minted = await pools.mintToken(ctx.job);
  ctx.addSecrets([minted.token]);
  tf.sensitiveVars = { tendril_token: minted.token };
  ctx.logs.system(
    `deploying the in-account Tendrils of pool ${facts.pool.name}: ${String(vars.desired_count ?? 1)} × ${String(vars.image)} in ${String(vars.region)} ` +
      `(${vars.cluster_arn ? `cluster ${String(vars.cluster_arn)}` : 'a cluster of their own'}; Trellis at ${String(vars.trellis_url)}); a new pool token ${minted.prefix}… for them`,
  );
  return withTerraform(ctx, tf, async (run) => {
    const { outputs, summary } = await run.apply();
    const retired = await pools.retireTokens(ctx.job, minted.id);
    ctx.logs.system(`the Tendrils run with pool token ${minted.prefix}… (kept in ${String(outputs.token_secret_arn)}); ${retired} token(s) of earlier deployments revoked`);
    const tendrils: Record<string, unknown> = {};
    for (const k of OUTPUTS) if (k in outputs) tendrils[k] = outputs[k];
    return { result: { summary, tendrils, name_prefix: vars.name_prefix, token_prefix: minted.prefix } };
  });
}

export async function destroyWorker(ctx: JobContext, withTerraform: WithTerraform): Promise<HandlerOutcome> {
  const pools = poolStore(ctx);
  const facts = await pools.facts(ctx.job);
  // Destroying needs neither the policy nor a token: the state knows what exists.
  const vars = workerVars(facts, '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}', 1);
  const tf = await setup(ctx, facts, vars, {});
  ctx.logs.system(`destroying the in-account Tendrils of pool ${facts.pool.name} in ${String(vars.region)}`);
  return withTerraform(ctx, tf, async (run) => {
    const { planFile, summary } = await run.plan({ destroy: true });
    ctx.logs.system(`plan: ${summary.destroy} to destroy`);
    await run.apply({ planFile });
    const retired = await pools.retireTokens(ctx.job, null);
    ctx.logs.system(`the pool's in-account Tendrils are gone; ${retired} pool token(s) they used revoked`);
    return { result: { summary, tokens_revoked: retired } };
  });
}
