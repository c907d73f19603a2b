/** Failure, cancel, timeout and state recovery with the real binary on terraform/local. */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { componentOutputs } from '../../src/runner/handlers.js';
import type { Knex } from 'knex';
import { createTerraformRun, TerraformError } from '../../src/terraform/index.js';
import { freshDatabase } from '../helpers.js';
import { ALL_COMPONENTS, CANARY, localVars, recorder, runOptions, testState, workDir } from './helpers.js';

const key = (c: { kind: string; name: string }) => `${c.kind}/${c.name}`;
/** State locks held now (Terraform locks a vine's state with one while it runs). */
async function stateLocks(knex: Knex): Promise<number> {
  return (await knex('terraform_state_locks')).length;
}
async function caught(p: Promise<unknown>): Promise<TerraformError> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  if (!(e instanceof TerraformError)) throw new Error(`expected a TerraformError, got ${String(e)}`);
  return e;
}

t.test('a component listed in fail_components fails alone; a retry without it succeeds', async (t) => {
  const db = await freshDatabase(t);
  const st = await testState(t, db);
  const dir = workDir(t);
  const rec = recorder();
  const run = createTerraformRun(runOptions(t, { state: st, vars: localVars({ extra: { fail_components: ['databases/main'] } }), rec, dir }));
  await run.prepare();
  await run.init();
  const e = await caught(run.apply());
  t.match(e, { command: 'apply', exitCode: 1, cancelled: false, timedOut: false });
  t.match(e.message, /^local-exec provisioner error \(terraform_data\.databases__ready\["main"\]\): Error running command '\.\/ready\.sh': exit status 1\. Output: databases\/main: acme-shop-dev-db-main failed on purpose \(listed in fail_components\)$/,
    'the error is Terraform’s own text');
  const errored = rec.events.filter((ev) => ev.phase === 'errored');
  t.same(errored.map(key), ['databases/main'], 'exactly one component errored');
  t.match(errored[0]!.error, /failed on purpose/, 'with the diagnostic’s text');
  const readyDone = new Set(rec.events.filter((ev) => ev.phase === 'complete' && ev.address.includes('__ready[')).map(key));
  t.same([...readyDone].sort(), ALL_COMPONENTS.filter((c) => c !== 'databases/main').sort(), 'every other component completed');
  t.ok(rec.lines.some((l) => l.level === 'error' && l.line.includes('failed on purpose')), 'the script’s stderr is in the log');
  t.equal(await stateLocks(db.knex), 0, 'no state lock left');

  const rec2 = recorder();
  const retry = createTerraformRun(runOptions(t, { state: st, vars: localVars(), rec: rec2, dir }));
  await retry.prepare();
  await retry.init();
  const p = await retry.plan();
  t.same(p.summary.components.filter((c) => c.action !== 'noop').map((c) => `${key(c)}:${c.action}`), ['databases/main:update'],
    'the retry plans the failed component only (its tainted ready step is replaced)');
  const { outputs } = await retry.apply({ planFile: p.planFile });
  t.same(Object.keys(componentOutputs(outputs)).sort(), [...ALL_COMPONENTS].sort());
  t.ok(rec2.events.some((ev) => key(ev) === 'databases/main' && ev.phase === 'complete' && ev.address.includes('__ready')), 'databases/main completes');
});

t.test('cancel during apply: SIGINT, Terraform stops gracefully, the lock is released, the next apply works', async (t) => {
  const db = await freshDatabase(t);
  const st = await testState(t, db);
  const dir = workDir(t);
  const rec = recorder();
  const ac = new AbortController();
  const opts = runOptions(t, { state: st, vars: localVars({ extra: { apply_delay_seconds: 30 } }), rec, dir, signal: ac.signal });
  let abortedAt = 0;
  const run = createTerraformRun({
    ...opts,
    onLine: (l) => {
      rec.onLine(l);
      // Cancel once a component is inside its 30 s delay.
      if (!abortedAt && l.line.includes('(apply_delay_seconds)')) {
        abortedAt = Date.now();
        setTimeout(() => ac.abort(), 300);
      }
    },
  });
  await run.prepare();
  await run.init();
  const started = Date.now();
  const e = await caught(run.apply());
  const stoppedAfter = Date.now() - abortedAt;
  t.ok(abortedAt > 0, 'a component started its delay');
  t.match(e, { cancelled: true, timedOut: false, command: 'apply', message: 'terraform apply was cancelled' });
  t.ok(stoppedAfter < 8000, `Terraform stopped ${stoppedAfter} ms after the cancel, long before the 30 s delay`);
  const text = rec.text();
  t.match(text, /Interrupt received/, 'Terraform received the interrupt');
  t.match(text, /Gracefully shutting down/);
  t.match(text, /Cancel requested: sending SIGINT/, 'the cancel is logged');
  t.notMatch(text, /killed \(SIGKILL\)/, 'no SIGKILL was needed');
  t.ok(rec.events.some((ev) => ev.phase === 'errored' && /signal: killed/.test(ev.error ?? '')), 'the interrupted resources are errored');
  t.equal(await stateLocks(db.knex), 0, 'no state lock after the cancel');
  t.comment(`cancelled apply: ${Date.now() - started} ms in all, ${stoppedAfter} ms after the abort`);

  const rec2 = recorder();
  const next = createTerraformRun(runOptions(t, { state: st, vars: localVars(), rec: rec2, dir }));
  await next.prepare();
  await next.init();
  const { outputs } = await next.apply();
  t.same(Object.keys(componentOutputs(outputs)).sort(), [...ALL_COMPONENTS].sort(), 'the following apply succeeds with every component');
  t.equal(await stateLocks(db.knex), 0);
  t.notOk([...rec.lines, ...rec2.lines].some((l) => l.line.includes(CANARY)), 'the canary is never logged');
});

t.test('a command over its time limit is interrupted the same way and says it timed out', async (t) => {
  const db = await freshDatabase(t);
  const st = await testState(t, db);
  const rec = recorder();
  const run = createTerraformRun({
    ...runOptions(t, { state: st, vars: localVars({ names: { databases: ['main'] }, extra: { apply_delay_seconds: 30 } }), rec }),
    timeoutMs: 4000,
  });
  await run.prepare();
  await run.init();
  const e = await caught(run.apply());
  t.match(e, { timedOut: true, cancelled: false, command: 'apply' });
  t.match(e.message, /^terraform apply timed out after 4s/);
  t.match(rec.text(), /Interrupt received/, 'Terraform got SIGINT');
  t.equal(await stateLocks(db.knex), 0, 'no lock left');
});

t.test('errored.tfstate left by Terraform is pushed back to the backend', async (t) => {
  const db = await freshDatabase(t);
  const st = await testState(t, db);
  const dir = workDir(t);
  const rec = recorder();
  const vars = localVars({ names: { databases: ['main'], caches: [], queues: [], nosql_tables: [], container_registries: [] }, extra: { topics: {}, secrets: {} } });
  const run = createTerraformRun(runOptions(t, { state: st, vars, rec, dir }));
  await run.prepare();
  await run.init();
  await run.apply();
  const saved = JSON.parse((await st.read()).raw) as { serial: number; resources: Array<{ name: string }> };
  // What Terraform writes when it cannot persist state: here, the same state minus the dns, newer.
  const errored = { ...saved, serial: saved.serial + 5, resources: saved.resources.filter((r) => !r.name.startsWith('dns')) };
  writeFileSync(join(dir, 'errored.tfstate'), JSON.stringify(errored));
  const p = await run.plan(); // plans from the backend's state: nothing to do
  t.equal(p.summary.add, 0);
  await run.apply({ planFile: p.planFile });
  t.match(rec.text(), /wrote errored\.tfstate: pushing it back/);
  t.match(rec.text(), /errored\.tfstate pushed to the backend/);
  t.notOk(existsSync(join(dir, 'errored.tfstate')), 'the file is set aside once pushed');
  const after = JSON.parse((await st.read()).raw) as typeof saved;
  t.ok(after.serial > saved.serial, 'the backend has a newer state');
  t.notOk(after.resources.some((r) => r.name.startsWith('dns')), 'the pushed one (no dns)');

  // An older state than the backend's: Terraform refuses it; the run says so and keeps the file.
  writeFileSync(join(dir, 'errored.tfstate'), JSON.stringify({ ...saved, serial: 1 }));
  await run.apply(); // also re-creates the dns the pushed state lacked
  t.match(rec.text(), /Could not push errored\.tfstate yet: .*cannot import state with serial 1 over newer state/, 'a refused push is logged');
  t.ok(existsSync(join(dir, 'errored.tfstate')), 'and the file kept');
  t.ok(run.erroredState(), 'for the run to try again or keep with its job');
  t.equal(await run.pushErroredState(), false, 'a second try is refused the same way');
});
