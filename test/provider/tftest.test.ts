/**
 * `terraform test` with `mock_provider` runs once the real providers are installed (Terraform
 * refuses to without them): the fixture's passing and failing assertions, as Terraform reports
 * them.
 */
import { join } from 'node:path';
import t from 'tap';
import { createProviderMirror, runTerraformTest, type ProviderMirror } from './harness.js';

let mirror: ProviderMirror;
t.before(async () => {
  mirror = await createProviderMirror();
});
t.teardown(() => mirror?.remove());

t.test('a passing and a failing run block, with the failed assertion’s message and line', async (t) => {
  const dir = join(import.meta.dirname, 'fixtures/tested');
  const r = await runTerraformTest(dir, { mirror });
  t.comment(`terraform test: init ${r.timings.init} ms, test ${r.timings.test} ms`);
  t.equal(r.status, 'fail', 'Terraform’s summary: fail');
  t.equal(r.exitCode, 1);
  t.same(r.runs, [
    { file: 'tests/plan.tftest.hcl', run: 'keeps_the_cidr_block', status: 'pass' },
    { file: 'tests/plan.tftest.hcl', run: 'wrong_expectation', status: 'fail' },
  ]);
  t.same(r.files, { 'tests/plan.tftest.hcl': 'fail' });
  t.equal(r.diagnostics.length, 1, 'one diagnostic');
  t.match(r.diagnostics[0], {
    severity: 'error',
    summary: 'Test assertion failed',
    detail: 'deliberately failing: the cidr_block is 10.9.0.0/16 here',
    file: join(dir, 'tests/plan.tftest.hcl'),
    line: 21,
  });
  const summary = r.messages.find((m) => m.type === 'test_summary') as { test_summary: Record<string, number> } | undefined;
  t.match(summary?.test_summary, { status: 'fail', passed: 1, failed: 1, errored: 0 }, 'the counts Terraform gives');
});

t.test('command-line variables reach the runs that set none', async (t) => {
  // The first run has no `variables` block: with -var cidr_block=10.9.0.0/16 its assertion (that
  // the cidr block is 10.0.0.0/16) now fails; the second run sets its own value and fails as before.
  const r = await runTerraformTest(join(import.meta.dirname, 'fixtures/tested'), { mirror, vars: { cidr_block: '10.9.0.0/16' } });
  t.same(r.runs.map((x) => `${x.run}: ${x.status}`), ['keeps_the_cidr_block: fail', 'wrong_expectation: fail']);
  t.equal(r.status, 'fail');
});
