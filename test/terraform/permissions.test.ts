/**
 * The identities' permissions (scripts/permissions.ts, from terraform/<cloud>/permissions.json): each
 * permissions.json lists exactly the types its module uses; the AWS policy holds every action once;
 * and terraform/aws/iam-policy.json and the permissions sections of docs/clouds/*.md are what the
 * script generates now — a stale one fails here (run `npx tsx scripts/permissions.ts`).
 */
import { readFileSync } from 'node:fs';
import t from 'tap';
import { AWS_STATEMENTS, awsPolicy, azureRole, CLOUDS, generate, moduleTypes, stale, typeMismatches, withSection } from '../../scripts/permissions.js';

const root = new URL('../../', import.meta.url);

t.test('every permissions.json lists exactly the types its module uses', async (t) => {
  for (const cloud of CLOUDS) {
    t.ok(moduleTypes(cloud).length > 20, `terraform/${cloud}: ${moduleTypes(cloud).length} resource and data types`);
    t.same(typeMismatches(cloud), [], `terraform/${cloud}/permissions.json covers them, nothing more`);
  }
});

t.test('the AWS policy: every action of permissions.json in exactly one statement', async (t) => {
  const perms = JSON.parse(readFileSync(new URL('terraform/aws/permissions.json', root), 'utf8')) as Record<string, string[]>;
  const policy = awsPolicy(perms);
  const actions = policy.Statement.flatMap((s) => s.Action);
  t.same([...actions].sort(), [...new Set(Object.values(perms).flat())].sort(), `the union: ${actions.length} actions`);
  t.equal(new Set(actions).size, actions.length, 'none twice');
  t.ok(policy.Statement.every((s) => s.Action.length > 0 && s.Effect === 'Allow'), 'no empty statement');
  const role = policy.Statement.find((s) => s.Sid === 'VintnerRoles')!;
  t.equal(role.Resource, 'arn:aws:iam::*:role/vintner-*', 'IAM roles scoped to vintner-*');
  t.throws(() => awsPolicy({ aws_new_thing: ['newservice:CreateThing'] }), /no statement takes newservice:CreateThing/, 'an action no rule takes stops the script');
  t.ok(AWS_STATEMENTS.length >= policy.Statement.length);
  const azure = azureRole();
  t.ok(azure.DataActions.every((a) => a.startsWith('Microsoft.KeyVault/vaults/secrets/')) && azure.Actions.includes('Microsoft.KeyVault/vaults/secrets/read'), 'Azure: Key Vault secret operations are data actions, their ARM read is not');
});

t.test('the generated files are up to date', async (t) => {
  const files = generate();
  t.same(Object.keys(files).sort(), ['docs/clouds/aws.md', 'docs/clouds/azure.md', 'docs/clouds/gcp.md', 'terraform/aws/iam-policy.json']);
  t.same(stale(files), [], 'terraform/aws/iam-policy.json and the docs’ permissions sections are what scripts/permissions.ts writes');
  const policy = JSON.parse(readFileSync(new URL('terraform/aws/iam-policy.json', root), 'utf8'));
  t.same(policy, awsPolicy(), 'iam-policy.json is the policy');
  const doc = readFileSync(new URL('docs/clouds/aws.md', root), 'utf8');
  t.ok(doc.includes(JSON.stringify(policy, null, 2)), 'docs/clouds/aws.md shows the same document');
  // A section that changed by hand is stale.
  t.not(withSection(doc, 'edited by hand', 'x'), files['docs/clouds/aws.md'], 'an edited section would be reported');
  t.throws(() => withSection('no markers here', 'x', 'docs/x.md'), /docs\/x\.md has no <!-- permissions:begin -->/);
});
