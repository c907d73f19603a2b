/** terraform/local through src/terraform with the real binary and the pg backend. */
import t from 'tap';
import { createTerraformRun, type PlanSummary } from '../../src/terraform/index.js';
import { freshDatabase } from '../helpers.js';
import { ALL_COMPONENTS, CANARY, localVars, recorder, runOptions, testState, workDir } from './helpers.js';
import { componentOutputs } from '../../src/runner/handlers.js';
import { componentKind, KIND_NAMES } from '../../src/domain/components/catalogue.js';

const key = (c: { kind: string; name: string }) => `${c.kind}/${c.name}`;
const changed = (s: PlanSummary) => s.components.filter((c) => c.action !== 'noop').map((c) => `${key(c)}:${c.action}`);

interface StateResource { type: string; name: string; instances: Array<{ index_key?: unknown; attributes: Record<string, unknown> }> }
// terraform_data keeps `input` as a dynamic value: { value: <the input object>, type: … }.
const generatedSecret = (s: { resources: StateResource[] }) =>
  (s.resources.find((r) => r.name === 'secrets')?.instances.find((i) => i.index_key === 'generated')?.attributes.input as { value?: { value?: string } } | undefined)
    ?.value?.value;

t.test('apply every kind, update one database, destroy', async (t) => {
  const db = await freshDatabase(t);
  const rec = recorder();
  const dir = workDir(t);
  const vars = localVars();
  const st = await testState(t, db);
  const timings: Record<string, number> = {};
  const timed = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    try {
      return await fn();
    } finally {
      timings[name] = Date.now() - t0;
    }
  };

  let run = createTerraformRun(runOptions(t, { state: st, vars, rec, dir }));
  t.match(await run.terraformVersion(), /^1\.\d+\.\d+$/, 'terraform version');
  await run.prepare();
  await timed('init', () => run.init());
  const first = await timed('plan', () => run.plan());
  t.same(first.summary.components.map(key), ALL_COMPONENTS, 'the plan lists every component of every kind');
  t.ok(first.summary.components.every((c) => c.action === 'create'), 'all to be created');
  t.ok(first.planFile.startsWith(dir), 'the plan file is in the work directory');

  const { outputs } = await timed('apply', () => run.apply({ planFile: first.planFile }));
  const comps = componentOutputs(outputs);
  t.same(Object.keys(comps).sort(), [...ALL_COMPONENTS].sort(), 'outputs for every component');
  for (const [key, o] of Object.entries(comps)) {
    t.same(Object.keys(o).sort(), [...componentKind(key.split('/')[0]!)!.outputs].sort(), `${key}: exactly the contract's output keys (the catalogue's)`);
  }
  t.equal(outputs.name_prefix, 'acme-shop-dev');
  t.match(comps['databases/main'], {
    arn: 'arn:vintner:local:development:acme-shop-dev:databases/acme-shop-dev-db-main',
    endpoint: 'acme-shop-dev-db-main.db.development.vintner.local:5432',
    port: 5432,
    url: 'postgres://vintner@acme-shop-dev-db-main.db.development.vintner.local:5432/main',
    password_secret: /:secrets\/acme-shop-dev-db-main-password$/,
  });
  t.match(comps['caches/main'], { port: 6379, endpoint: /^acme-shop-dev-cache-main\.cache\..+:6379$/, url: /^redis:\/\// });
  t.match(comps['network/network'], { id: /^vpc-[0-9a-f]{17}$/, cidr_block: '10.0.0.0/16', private_subnets: [/^subnet-[0-9a-f]{17}$/], availability_zones: ['local-1a'], nat_gateways: [/^nat-[0-9a-f]{17}$/] });
  t.match(comps['cluster/cluster'], { endpoint: /^https:\/\/acme-shop-dev-k8s\.k8s\..+:6443$/, kubernetes_version: '1.31', argocd_url: /^https:\/\/argocd\./ });
  t.match(comps['dns/dns'], { zone_id: /^Z[0-9A-F]{20}$/, domain_name: 'example.com', name_servers: Array });
  t.match(comps['repositories/repositories'], { repo_url: 'https://github.com/example/deploy.git', branch: 'development' });
  t.match(comps['queues/main'], { url: /^https:\/\/queue\..+\/000000000000\/acme-shop-dev-q-main$/, arn: /:queues\/acme-shop-dev-q-main$/ });
  t.match(comps['topics/main'], { subscriptions: ['arn:vintner:local:development:acme-shop-dev:queues/acme-shop-dev-q-main'] });
  t.match(comps['nosql_tables/main'], { partition_key: 'pk', arn: /:nosql_tables\/acme-shop-dev-tbl-main$/ });
  t.match(comps['container_registries/main'], { repository_url: '000000000000.registry.development.vintner.local/acme-shop-dev-reg-main' });
  t.match(comps['secrets/main'], { arn: 'arn:vintner:local:development:acme-shop-dev:secrets/acme-shop-dev-sec-main', value_source: 'user' });
  t.match(comps['secrets/generated'], { value_source: 'generated' });
  t.notOk(JSON.stringify(outputs).includes(CANARY), 'no secret value in the outputs');

  const completed = new Set(rec.events.filter((e) => e.phase === 'complete' && e.action === 'create').map(key));
  t.same([...completed].sort(), [...ALL_COMPONENTS].sort(), 'create events completed for every component');
  t.notOk(rec.events.some((e) => e.phase === 'errored'), 'no errored events');

  const s1 = await st.read();
  t.ok(s1.raw.includes(CANARY), 'the user’s secret value went through Terraform (it is in the state)');
  const generated = generatedSecret(s1);
  t.match(generated, /^[0-9a-f]{32}$/, 'a 32-character value generated for the secret without one');

  // Change one database setting: an update of that component, in place.
  const db2 = { ...(vars.databases as Record<string, object>) };
  db2.main = { ...db2.main, storage_gb: 40 };
  const rec2 = recorder();
  run = createTerraformRun(runOptions(t, { state: st, vars: { ...vars, databases: db2 }, rec: rec2, dir }));
  await run.prepare();
  await run.init();
  const second = await run.plan();
  t.same(changed(second.summary), ['databases/main:update'], 'the plan updates databases/main only');
  await timed('apply-update', () => run.apply({ planFile: second.planFile }));
  const mainEvents = rec2.events.filter((e) => e.address === 'terraform_data.databases["main"]');
  t.same(mainEvents.map((e) => `${e.phase}:${e.action}`), ['start:update', 'complete:update'], 'update events for the database');
  t.same([...new Set(rec2.events.map(key))], ['databases/main'], 'no other component touched');
  const s2 = await st.read();
  t.equal(generatedSecret(s2), generated, 'the generated secret is stable across applies');

  const destroyPlan = await run.plan({ destroy: true, out: 'destroy.tfplan' });
  t.ok(destroyPlan.summary.components.every((c) => c.action === 'delete') && destroyPlan.summary.components.length === ALL_COMPONENTS.length, 'a destroy plan deletes all');
  t.notOk(JSON.stringify(destroyPlan.planJson).includes(CANARY), 'the returned plan JSON is redacted');

  await timed('destroy', () => run.destroy());
  t.same((await st.read()).resources, [], 'no resource left in the vine’s state');
  t.same(await run.outputs(), {}, 'no outputs left');
  t.ok(rec2.events.filter((e) => e.action === 'delete' && e.phase === 'complete').length > 2 * ALL_COMPONENTS.length, 'delete events');

  const allLines = [...rec.lines, ...rec2.lines];
  t.notOk(allLines.some((l) => l.line.includes(CANARY)), `the canary secret is in none of the ${allLines.length} log lines`);
  t.notOk(allLines.some((l) => /CLI configuration|\.terraformrc.*does not exist/.test(l.line)), 'no CLI configuration warning');
  t.ok(allLines.some((l) => l.stream === 'system' && l.line.startsWith('$ terraform apply -json')), 'commands are logged');
  t.comment(`timings (ms): ${JSON.stringify(timings)}`);
});

t.test('an empty vine and null sections plan nothing', async (t) => {
  const db = await freshDatabase(t);
  const rec = recorder();
  const vars = { vineyard: 'acme', vine: 'empty', stage: 'production', name_prefix: 'acme-empty-prod', region: 'local', network: null, cluster: null, dns: null, repositories: null, databases: null, secrets: {} };
  const run = createTerraformRun(runOptions(t, { state: await testState(t, db), vars, rec }));
  await run.prepare();
  await run.init();
  const p = await run.plan();
  t.same(p.summary, { add: 0, change: 0, destroy: 0, components: [] });
  const { outputs } = await run.apply({ planFile: p.planFile });
  t.same(outputs, { ...Object.fromEntries(KIND_NAMES.map((k) => [k, {}])), name_prefix: 'acme-empty-prod' }, 'an empty output per kind');
  t.same(componentOutputs(outputs), {}, 'no component');
});

t.test('the state is kept encrypted, with its history and the job that wrote it; a second run waits for the lock, then fails cleanly', async (t) => {
  const db = await freshDatabase(t);
  const st = await testState(t, db);
  const run = createTerraformRun(runOptions(t, { state: st, vars: localVars({ names: { databases: ['main'], caches: [], queues: [], nosql_tables: [], container_registries: [] }, extra: { topics: {}, secrets: {} } }), rec: recorder() }));
  await run.prepare();
  await run.init();
  await run.apply();
  const rows = await db.knex('terraform_states').where({ vine_id: st.vineId }).orderBy('id').select('serial', 'job_id', 'resources', 'state_encrypted');
  t.ok(rows.length >= 1, 'versions stored');
  t.equal(rows.at(-1).job_id, st.jobId, 'with the job that wrote it');
  t.ok(rows.every((r) => !r.state_encrypted.toString('utf8').includes('terraform_data')), 'sealed: not a word of the state in clear');
  t.ok((await st.read()).resources.length > 0, 'opened, it is the state');
  t.same((await db.knex('terraform_state_locks')).length, 0, 'no lock left after the run');

  // Another holder of the lock: the run waits its -lock-timeout, then fails with the holder named.
  await db.knex('terraform_state_locks').insert({ state_key: `vine:${st.vineId}`, vine_id: st.vineId, lock_id: 'other-run', info: JSON.stringify({ ID: 'other-run', Operation: 'OperationTypeApply', Who: 'someone@elsewhere' }) });
  const rec = recorder();
  const blocked = createTerraformRun({ ...runOptions(t, { state: st, vars: localVars(), rec }), lockTimeoutSeconds: 4 });
  await blocked.prepare();
  await blocked.init();
  const started = Date.now();
  const err = await blocked.plan().catch((e: Error) => e);
  t.ok(err instanceof Error, 'refused');
  t.match((err as Error).message, /lock/i, `with a message about the lock: ${(err as Error).message.slice(0, 200)}`);
  t.ok(Date.now() - started >= 3500, 'after waiting its -lock-timeout');
  t.match(rec.text(), /someone@elsewhere|other-run/, 'the holder is named in the log');
});

t.test('a wrong credential, or a job that no longer runs, cannot read or write the state', async (t) => {
  const db = await freshDatabase(t);
  const st = await testState(t, db);
  const bad = createTerraformRun(runOptions(t, { state: { ...st, backend: { ...st.backend, password: 'not-the-token' } }, vars: localVars(), rec: recorder() }));
  await bad.prepare();
  await t.rejects(bad.init().then(() => bad.plan()), /HTTP remote state endpoint requires auth/, 'a wrong credential: refused');
  await db.knex('provision_jobs').where({ id: st.jobId }).update({ status: 'FAILED', finished_at: db.knex.fn.now() });
  const ended = createTerraformRun(runOptions(t, { state: st, vars: localVars(), rec: recorder() }));
  await ended.prepare();
  await t.rejects(ended.init().then(() => ended.plan()), /HTTP remote state endpoint invalid auth/, 'a job that ended: refused');
});
