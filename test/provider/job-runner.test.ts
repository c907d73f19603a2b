/**
 * Vintner's own job runner (src/terraform: its CLI config, the http state backend served by a Tendril, -json parsing) planning,
 * applying and destroying a cloud-shaped module against the schema-only providers: what the
 * tests of aws/gcp/azure vines will do. Nothing in src/ changes for it: the providers are found in
 * Terraform's implied local mirror under the work directory (HOME).
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { createTerraformRun } from '../../src/terraform/index.js';
import { freshDatabase } from '../helpers.js';
import { recorder, runOptions, testState, workDir } from '../terraform/helpers.js';
import { createProviderMirror, linkImpliedMirror } from './harness.js';

t.test('src/terraform plans, applies and destroys the network fixture with the state kept by Trellis', async (t) => {
  const mirror = await createProviderMirror();
  t.teardown(() => mirror.remove());
  const modulesDir = mkdtempSync(join(tmpdir(), 'vintner-modules-'));
  t.teardown(() => rmSync(modulesDir, { recursive: true, force: true }));
  cpSync(join(import.meta.dirname, 'fixtures/network'), join(modulesDir, 'network'), { recursive: true });

  const db = await freshDatabase(t);
  const rec = recorder();
  const dir = workDir(t);
  linkImpliedMirror(mirror, dir);
  const vars = { name_prefix: 'acme-shop-dev', region: 'eu-central-1' };
  const run = createTerraformRun({ ...runOptions(t, { state: await testState(t, db), vars, rec, dir }), target: 'network', modulesDir });
  const timings: Record<string, number> = {};
  const timed = async <T>(name: string, f: () => Promise<T>) => {
    const t0 = Date.now();
    try {
      return await f();
    } finally {
      timings[name] = Date.now() - t0;
    }
  };

  await run.prepare();
  await timed('init', () => run.init());
  t.match(rec.text(), /Installed hashicorp\/aws v6\.66\.0/, 'init installs the mock providers');
  const plan = await timed('plan', () => run.plan());
  const components = plan.summary.components.map((c) => `${c.kind}/${c.name}:${c.action}`);
  t.ok(components.includes('network/network:create') && components.includes('secrets/generated:create'), `components followed by address: ${components.join(', ')}`);
  t.equal(plan.summary.add, 7);

  const { outputs } = await timed('apply', () => run.apply({ planFile: plan.planFile }));
  t.match(outputs.vpc_arn, /^arn:aws:ec2:eu-central-1:123456789012:vpc\/mock-vpc-[0-9a-f]{8}$/, 'the region variable reached the provider');
  t.notOk('password_length' in outputs, 'sensitive outputs are left out');
  const completed = rec.events.filter((e) => e.phase === 'complete').map((e) => e.address).sort();
  t.equal(completed.length, 6, 'an apply_complete event per followed resource (not azurerm_resource_group.vine: it belongs to the vine)');

  const again = await timed('replan', () => run.plan());
  t.equal(again.summary.add + again.summary.change + again.summary.destroy, 0, 'nothing left to do');
  await timed('destroy', () => run.destroy());
  t.ok(rec.events.some((e) => e.action === 'delete' && e.phase === 'complete'), 'destroy events');
  t.comment(`job runner timings (ms): ${JSON.stringify(timings)}`);
});
