/**
 * The pure parts of DEPLOY_WORKER / DESTROY_WORKER (src/runner/worker-jobs.ts): the names a pool's
 * Tendrils get (always what terraform/tendril-aws accepts), the tfvars, the task policy file's
 * checks, and the refusal to run on a Tendril without in-house access to pools.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { deployWorker, destroyWorker, readTaskPolicy, tendrilNamePrefix, workerVars } from '../../src/runner/worker-jobs.js';
import type { JobContext } from '../../src/runner/index.js';
import type { WorkerFacts } from '../../src/runner/store.js';

const MODULE = join(import.meta.dirname, '../../terraform/tendril-aws');
// The module's own rule for name_prefix (variables.tf), read from it so the two cannot drift apart.
const variables = readFileSync(join(MODULE, 'variables.tf'), 'utf8');
const rule = new RegExp(/can\(regex\("(\^\[a-z\][^"]+)", var\.name_prefix\)\)/.exec(variables)![1]!.replace(/\\\\/g, '\\'));

t.test('a pool’s name prefix is one terraform/tendril-aws accepts, whatever the pool is called', async (t) => {
  const id = '3f2a9c1b-0d4e-4a5b-8c6d-7e8f9a0b1c2d';
  t.equal(tendrilNamePrefix({ id, name: 'CI runners' }), 'tendril-ci-runners-3f2a9c1b');
  t.equal(tendrilNamePrefix({ id, name: 'Ünïcödé  pool!!' }), 'tendril-unicode-pool-3f2a9c1b', 'accents dropped, punctuation a hyphen');
  t.equal(tendrilNamePrefix({ id, name: '生产' }), 'tendril-3f2a9c1b', 'nothing latin left: the id alone');
  t.equal(tendrilNamePrefix({ id, name: 'a very long pool name that goes on and on' }), 'tendril-a-very-long-pool-nam-3f2a9c1b', 'at most 20 characters of the name');
  for (const name of ['CI runners', 'x', '---', 'Vintner', 'vintner-prod', 'A'.repeat(63), 'trailing-', '9 lives', '生产', 'a--b']) {
    const p = tendrilNamePrefix({ id, name });
    t.ok(rule.test(p) && !p.includes('--') && !p.startsWith('vintner') && p.length <= 38, `${JSON.stringify(name)} → ${p}`);
  }
});

const facts: WorkerFacts = {
  pool: { id: '3f2a9c1b-0d4e-4a5b-8c6d-7e8f9a0b1c2d', name: 'CI runners' },
  identity: { id: 'i', name: 'prod-aws', provider: 'aws', config: { region: 'eu-west-1' }, credentials: { access_key_id: 'AKIA', secret_access_key: 's' } },
  settings: { image: 'ghcr.io/x/tendril:1', trellis_url: 'https://v.example.com', desired_count: 2, subnet_ids: ['subnet-0a'] },
};

t.test('tfvars: the pool, the identity’s region, the settings given and nothing secret', async (t) => {
  const vars = workerVars(facts, '{"Statement":[{}]}', 1700000000);
  t.same(vars, {
    pool_id: facts.pool.id,
    pool_name: 'CI runners',
    name_prefix: 'tendril-ci-runners-3f2a9c1b',
    region: 'eu-west-1',
    trellis_url: 'https://v.example.com',
    image: 'ghcr.io/x/tendril:1',
    token_version: 1700000000,
    task_policy_json: '{"Statement":[{}]}',
    desired_count: 2,
    subnet_ids: ['subnet-0a'],
  }, 'settings left out are left to the module’s defaults');
  t.notOk('tendril_token' in vars, 'the token never goes into the tfvars file');
  const declared = new Set([...variables.matchAll(/^variable "([a-z_]+)"/gm)].map((m) => m[1]));
  for (const k of Object.keys(workerVars({ ...facts, settings: { ...facts.settings, cpu: 512, memory: 1024, cpu_architecture: 'ARM64', concurrency: 1, cluster_arn: null, security_group_ids: [], assign_public_ip: null, log_retention_days: 7 } }, '{}', 1))) {
    t.ok(declared.has(k), `${k} is a variable of terraform/tendril-aws`);
  }
});

t.test('the task policy file: read as it is, or a clear reason', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vintner-policy-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'iam-policy.json');
  await t.rejects(readTaskPolicy(file), /iam-policy\.json is missing: the Tendrils' task role gets the aws target's least-privilege policy from it/);
  writeFileSync(file, 'not json');
  await t.rejects(readTaskPolicy(file), /is not JSON/);
  writeFileSync(file, '{"Version":"2012-10-17","Statement":[]}');
  await t.rejects(readTaskPolicy(file), /no IAM policy document/);
  const sample = readFileSync(join(MODULE, 'tests/aws-target-policy.json'), 'utf8');
  writeFileSync(file, sample);
  t.equal(await readTaskPolicy(file), sample, 'a policy document is answered as the file holds it');
});

t.test('a Tendril without in-house access to pools refuses both job types', async (t) => {
  const ctx = { job: { type: 'DEPLOY_WORKER' }, store: {} } as unknown as JobContext;
  const never = (() => Promise.reject(new Error('Terraform must not run'))) as never;
  await t.rejects(deployWorker(ctx, never), /DEPLOY_WORKER runs on in-house Tendrils only/);
  await t.rejects(destroyWorker({ ...ctx, job: { type: 'DESTROY_WORKER' } } as unknown as JobContext, never), /DESTROY_WORKER runs on in-house Tendrils only/);
});
