/**
 * The runner's plumbing (environment, streaming, event correlation, redaction, errors) against a
 * stand-in binary that replays recorded Terraform output. The real binary is in apply/failure tests.
 */
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { createTerraformRun, TerraformError, type TerraformRunOptions } from '../../src/terraform/index.js';
import { recorder, workDir, type Recorder } from './helpers.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/terraform');
const FAKE = `#!/bin/sh
case "$1" in
  version) echo '{"terraform_version":"1.11.4","platform":"linux_amd64"}' ;;
  output) echo '{"components":{"sensitive":false,"value":{"databases/main":{"port":5432}}},"hidden":{"sensitive":true,"value":"x"}}' ;;
  show) cat "$FAKE_SHOW" ;;
  *)
    [ "$FAKE_MODE" = env ] && env | sort
    [ -n "\${FAKE_REPLAY:-}" ] && cat "$FAKE_REPLAY"
    [ -n "\${FAKE_STDERR:-}" ] && echo "$FAKE_STDERR" >&2
    exit "\${FAKE_EXIT:-0}" ;;
esac
`;

function fake(t: Parameters<typeof workDir>[0], env: Record<string, string>, rec: Recorder, extra: Partial<TerraformRunOptions> = {}) {
  const binDir = workDir(t);
  const bin = join(binDir, 'terraform');
  writeFileSync(bin, FAKE);
  chmodSync(bin, 0o755);
  const dir = join(workDir(t), 'job');
  return {
    dir,
    run: createTerraformRun({
      bin,
      target: 'local',
      workDir: dir,
      vars: { vineyard: 'acme' },
      sensitiveVars: { secret_values: { main: 'value-from-vars' } },
      backend: { address: 'http://127.0.0.1:9/state/vines/x', username: 'job-x', password: 'job-token-123' },
      env,
      secrets: ['given-secret'],
      timeoutMs: 30_000,
      killGraceMs: 2_000,
      onLine: rec.onLine,
      onResourceEvent: rec.onResourceEvent,
      ...extra,
    }),
  };
}

t.test('prepare writes the module, tfvars and CLI config; Terraform sees a scrubbed environment', async (t) => {
  process.env.VINTNER_PARENT_ONLY = 'must-not-leak';
  t.teardown(() => delete process.env.VINTNER_PARENT_ONLY);
  const rec = recorder();
  const { run, dir } = fake(t, { FAKE_MODE: 'env', AWS_REGION: 'eu-west-1' }, rec);
  await run.prepare();
  for (const f of ['versions.tf', 'main.tf', 'ready.sh', 'terraform.tfvars.json', '.terraformrc']) t.ok(existsSync(join(dir, f)), `${f} in the work directory`);
  await run.init();
  const env = new Map(rec.lines.filter((l) => l.stream === 'stdout' && l.line.includes('=')).map((l) => l.line.split(/=(.*)/s).slice(0, 2) as [string, string]));
  t.equal(env.get('HOME'), dir, 'HOME is the work directory');
  t.equal(env.get('TF_CLI_CONFIG_FILE'), join(dir, '.terraformrc'), 'the CLI config written in the work directory');
  t.equal(env.get('CHECKPOINT_DISABLE'), '1');
  t.equal(env.get('TF_IN_AUTOMATION'), '1');
  t.equal(env.get('TF_INPUT'), '0');
  t.equal(env.get('AWS_REGION'), 'eu-west-1', 'extra env passes');
  t.equal(env.get('TF_HTTP_ADDRESS'), 'http://127.0.0.1:9/state/vines/x', 'the state’s address reaches Terraform');
  t.equal(env.get('TF_HTTP_LOCK_METHOD'), 'LOCK');
  t.equal(env.get('TF_HTTP_USERNAME'), 'job-x', 'with the job as the user');
  t.equal(env.get('TF_HTTP_PASSWORD'), '[redacted]', 'and its credential, redacted in logs');
  t.notOk(env.has('VINTNER_PARENT_ONLY'), 'the parent environment does not leak');
  t.ok(rec.text().includes('$ terraform init -input=false -no-color -reconfigure'), 'init takes no backend setting on its command line');
  t.notMatch(rec.text(), /job-token-123|CLI configuration/, 'no credential, no CLI config warning');
});

t.test('a failed apply: errored event carries its diagnostic; the error is Terraform’s text', async (t) => {
  const rec = recorder();
  const { run } = fake(t, { FAKE_REPLAY: join(FIXTURES, 'apply-failed.jsonl'), FAKE_EXIT: '1' }, rec);
  await run.prepare();
  const err = await run.apply().catch((e: unknown) => e);
  t.ok(err instanceof TerraformError, 'TerraformError');
  const e = err as TerraformError;
  t.match(e, { command: 'apply', exitCode: 1, cancelled: false, timedOut: false });
  t.match(e.message, /^local-exec provisioner error \(terraform_data\.databases__ready\["main"\]\): Error running command '\.\/ready\.sh': exit status 1\. Output: databases\/main: acme-shop-dev-main failed on purpose/);
  const errored = rec.events.filter((ev) => ev.phase === 'errored');
  t.equal(errored.length, 1);
  t.match(errored[0], { kind: 'databases', name: 'main', action: 'create', error: /^local-exec provisioner error: .*failed on purpose/ });
  t.ok(rec.events.some((ev) => ev.kind === 'databases' && ev.action === 'update' && ev.phase === 'complete'), 'events before the failure too');
  t.ok(rec.lines.some((l) => l.level === 'error' && l.line === 'Error: local-exec provisioner error'), 'the diagnostic is logged');
});

t.test('plan: summary from show -json, secrets redacted from the plan JSON', async (t) => {
  const rec = recorder();
  const { run, dir } = fake(t, { FAKE_REPLAY: join(FIXTURES, 'plan-update.jsonl'), FAKE_SHOW: join(FIXTURES, 'plan-update.json') }, rec, {
    secrets: ['canary-Zq8#vX2!not-for-logs'],
  });
  await run.prepare();
  const p = await run.plan({ out: 'my.tfplan' });
  t.equal(p.planFile, join(dir, 'my.tfplan'));
  t.same(p.summary.components.filter((c) => c.action !== 'noop').map((c) => `${c.kind}/${c.name}:${c.action}`), ['databases/main:update']);
  t.notOk(JSON.stringify(p.planJson).includes('canary-Zq8#vX2!not-for-logs'), 'plan JSON redacted');
  t.ok(rec.text().includes('Plan: 1 to add, 1 to change, 1 to destroy.'));
  const outputs = await run.outputs();
  t.same(outputs, { components: { 'databases/main': { port: 5432 } } }, 'values only, sensitive outputs left out');
  t.equal(await run.terraformVersion(), '1.11.4');
});

t.test('stderr, redaction and failures without diagnostics', async (t) => {
  const rec = recorder();
  const { run } = fake(t, { FAKE_STDERR: 'Error: boom with given-secret and value-from-vars', FAKE_EXIT: '3' }, rec);
  await run.prepare();
  const e = (await run.destroy().catch((x: unknown) => x)) as TerraformError;
  t.ok(e instanceof TerraformError);
  t.equal(e.exitCode, 3);
  t.equal(e.message, 'boom with [redacted] and [redacted]', 'the stderr error, redacted');
  t.equal(e.stderrTail, 'Error: boom with [redacted] and [redacted]');
  t.notMatch(rec.text(), /given-secret|value-from-vars/);

  const rec2 = recorder();
  const diagLine = JSON.stringify({
    '@level': 'error', '@message': 'Error: bad', type: 'diagnostic',
    diagnostic: { severity: 'error', summary: 'bad given-secret', detail: 'value-from-vars is wrong' },
  });
  const replay = join(workDir(t), 'diag.jsonl');
  writeFileSync(replay, `${diagLine}\n`);
  const { run: run2 } = fake(t, { FAKE_REPLAY: replay, FAKE_EXIT: '1' }, rec2);
  await run2.prepare();
  const e2 = (await run2.apply().catch((x: unknown) => x)) as TerraformError;
  t.equal(e2.message, 'bad [redacted]: [redacted] is wrong');
  t.same(e2.diagnostics, [{ severity: 'error', summary: 'bad [redacted]', detail: '[redacted] is wrong' }], 'diagnostics on the error are redacted too');
  t.notMatch(rec2.text(), /given-secret|value-from-vars/);
});

t.test('a cancelled signal stops before starting; a missing binary is a TerraformError', async (t) => {
  const ac = new AbortController();
  ac.abort();
  const rec = recorder();
  const { run } = fake(t, {}, rec, { signal: ac.signal });
  await run.prepare();
  const e = (await run.apply().catch((x: unknown) => x)) as TerraformError;
  t.match(e, { name: 'TerraformError', cancelled: true, command: 'apply' });
  t.notOk(rec.text().includes('$ terraform apply'), 'not started');

  const rec2 = recorder();
  const opts: TerraformRunOptions = {
    bin: '/nonexistent/terraform', target: 'local', workDir: workDir(t), vars: {},
    backend: { address: 'http://127.0.0.1:9/state/vines/w', username: 'j', password: 'p-secret' }, timeoutMs: 5000, killGraceMs: 1000, onLine: rec2.onLine,
  };
  const e2 = (await createTerraformRun(opts).init().catch((x: unknown) => x)) as TerraformError;
  t.ok(e2 instanceof TerraformError, 'a missing binary is a TerraformError');
  t.match(e2.message, /ENOENT/);
  t.throws(() => createTerraformRun({ ...opts, target: '../etc' }), /invalid Terraform target/, 'a target is a plain directory name');
});

t.test('a Terraform that ignores SIGINT is killed after the grace period', async (t) => {
  const rec = recorder();
  const ac = new AbortController();
  const binDir = workDir(t);
  const bin = join(binDir, 'terraform');
  writeFileSync(bin, `#!/bin/sh\ntrap '' INT\necho started\nexec sleep 30\n`);
  chmodSync(bin, 0o755);
  const { run } = fake(t, {}, rec, { bin, signal: ac.signal, killGraceMs: 500 });
  await run.prepare();
  const started = Date.now();
  const p = run.apply().catch((x: unknown) => x);
  setTimeout(() => ac.abort(), 300);
  const e = (await p) as TerraformError;
  t.match(e, { name: 'TerraformError', cancelled: true, message: 'terraform apply was cancelled (killed after the grace period)' });
  t.ok(Date.now() - started < 5000, 'it did not wait for the 30 s sleep');
  t.match(rec.text(), /did not exit after SIGINT within the grace period: killed \(SIGKILL\)/);
});
