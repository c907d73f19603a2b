/**
 * Cloud-shaped modules applied and destroyed against the schema-only providers: a cluster and a
 * database on AWS with the kubernetes and helm providers configured from the cluster (unknown at
 * plan), and GKE with a block the provider fills. (The network lifecycle is in apply.test.ts.)
 */
import { join } from 'node:path';
import t from 'tap';
import { createProviderMirror, prepareWorkdir, type ProviderMirror } from './harness.js';

let mirror: ProviderMirror;
t.before(async () => {
  mirror = await createProviderMirror();
});
t.teardown(() => mirror?.remove());

t.test('a cluster, a database and what runs on it: providers configured from unknown values, nested attributes, computed lists', async (t) => {
  const w = await prepareWorkdir(join(import.meta.dirname, 'fixtures/platform'), { mirror });
  t.teardown(() => w.remove());
  const apply = await w.run(['apply', '-auto-approve', '-input=false', '-no-color']);
  t.equal(apply.code, 0, `apply: ${apply.stderr}`);
  t.match(apply.stdout, /Apply complete! Resources: 6 added/);
  const out = JSON.parse((await w.run(['output', '-json'])).stdout) as Record<string, { value: Record<string, Record<string, unknown>> | string }>;
  const components = out.components!.value as Record<string, Record<string, unknown>>;
  t.match(components['cluster/cluster'], { endpoint: /^https:\/\//, oidc_issuer_url: /^https:\/\/oidc\./, argocd_namespace: 'argocd' });
  t.match(components['databases/main'], { port: 5432, arn: /^arn:aws:rds:eu-west-1:123456789012:db-instance\// }, 'a postgres port for a postgres engine');
  t.equal(out.account_id!.value, '123456789012');
  const replan = await w.run(['plan', '-input=false', '-no-color', '-detailed-exitcode']);
  t.equal(replan.code, 0, 'no changes after apply');
  const destroy = await w.run(['destroy', '-auto-approve', '-input=false', '-no-color']);
  t.match(destroy.stdout, /Destroy complete! Resources: 6 destroyed\./);
  t.comment(`platform: apply ${apply.ms} ms, plan ${replan.ms} ms, destroy ${destroy.ms} ms`);
});

t.test('GKE: a block the configuration leaves out and the provider fills (master_auth) can be indexed', async (t) => {
  const w = await prepareWorkdir(join(import.meta.dirname, 'fixtures/gke'), { mirror });
  t.teardown(() => w.remove());
  const apply = await w.run(['apply', '-auto-approve', '-input=false', '-no-color']);
  t.equal(apply.code, 0, `apply: ${apply.stderr}`);
  const out = JSON.parse((await w.run(['output', '-json'])).stdout) as Record<string, { value: string }>;
  t.match(Buffer.from(out.ca_certificate!.value, 'base64').toString(), /^-----BEGIN CERTIFICATE-----/, 'master_auth[0].cluster_ca_certificate');
  const replan = await w.run(['plan', '-input=false', '-no-color', '-detailed-exitcode']);
  t.equal(replan.code, 0, `the filled block stays: no changes (${replan.stdout.split('\n').filter((l) => /[~+-] /.test(l)).join(' | ')})`);
  const destroy = await w.run(['destroy', '-auto-approve', '-input=false', '-no-color']);
  t.equal(destroy.code, 0);
  t.comment(`gke: apply ${apply.ms} ms, plan ${replan.ms} ms, destroy ${destroy.ms} ms`);
});
