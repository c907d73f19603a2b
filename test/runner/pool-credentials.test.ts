/**
 * A job of an identity taking its credentials from its pool's Tendrils, as the runner sees it:
 * the checks get no stored secret and use the Tendril's own (cloudIdentity), and Terraform gets
 * the Tendril's own — AWS: its default chain's keys, resolved here (never its environment);
 * GCP: application default credentials (no key in the environment); Azure: ARM_USE_MSI.
 */
import t from 'tap';
import { cloudIdentity } from '../../src/runner/identity-jobs.js';
import { createAwsRoleAssumer } from '../../src/runner/aws-role.js';
import { setAwsRoleAssumer, TARGETS } from '../../src/runner/targets.js';
import type { JobIdentity } from '../../src/runner/store.js';
import { CloudCheckError } from '../../src/cloud/index.js';
import { awsTestUser } from '../cloud/fakes/aws.js';
import { assertLoopbackOnly, guardFile } from '../cloud/helpers.js';

const guard = guardFile(t);
const id = (provider: JobIdentity['provider'], config: Record<string, unknown>, fromPool = true): JobIdentity => ({
  id: '00000000-0000-4000-8000-000000000001', name: 'prod', provider, config, credentials: null, credentials_from_pool: fromPool,
});

t.test('the checks: no stored secret, the Tendril’s own credentials', async (t) => {
  const gcp = cloudIdentity(id('gcp', { project_id: 'shop-prod', region: 'europe-west1' }));
  t.same(gcp, { provider: 'gcp', config: { project_id: 'shop-prod', region: 'europe-west1' }, credentials: null }, 'GCP: the metadata server’s account');
  const azure = cloudIdentity(id('azure', { tenant_id: 't', subscription_id: 's', region: 'westeurope' }));
  t.same(azure.credentials, null, 'Azure: the machine’s managed identity');
  t.equal(azure.provider === 'azure' && azure.config.client_id, '', 'the system-assigned one');
  t.throws(() => cloudIdentity(id('gcp', { project_id: 'shop-prod', region: 'europe-west1' }, false)), new CloudCheckError('no_credentials', 'Identity prod has no service-account key stored: delete it and add it again with its service-account key.'), 'without the pool’s credentials, a missing key is still one');
});

t.test('Terraform: GCP on application default credentials, Azure on its managed identity', async (t) => {
  const gcp = await TARGETS.gcp.access(id('gcp', { project_id: 'shop-prod', region: 'europe-west1' }));
  t.same(gcp.env, { GOOGLE_PROJECT: 'shop-prod', GOOGLE_REGION: 'europe-west1' }, 'no GOOGLE_CREDENTIALS: the provider asks the metadata server');
  const system = await TARGETS.azure.access(id('azure', { tenant_id: 't', subscription_id: 's', region: 'westeurope' }));
  t.same(system.env, { ARM_TENANT_ID: 't', ARM_SUBSCRIPTION_ID: 's', ARM_USE_MSI: 'true' }, 'the system-assigned managed identity');
  const user = await TARGETS.azure.access(id('azure', { tenant_id: 't', client_id: 'c', subscription_id: 's', region: 'westeurope' }));
  t.same(user.env, { ARM_TENANT_ID: 't', ARM_SUBSCRIPTION_ID: 's', ARM_CLIENT_ID: 'c', ARM_USE_MSI: 'true' }, 'a user-assigned one by its client id');
  const stored = await TARGETS.azure.access({ ...id('azure', { tenant_id: 't', client_id: 'c', subscription_id: 's' }, false), credentials: { client_secret: 'shh' } });
  t.same([stored.env.ARM_CLIENT_SECRET, stored.env.ARM_USE_MSI, stored.secrets], ['shh', undefined, ['shh']], 'a stored secret as before');
});

t.test('Terraform: AWS with no role gets the Tendril’s own keys, resolved by the Tendril', async (t) => {
  const own = awsTestUser({ arn: 'arn:aws:iam::111122223333:user/tendril' });
  const saved = { ...process.env };
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: own.accessKeyId, AWS_SECRET_ACCESS_KEY: own.secretAccessKey, AWS_SESSION_TOKEN: 'task-role-session', AWS_EC2_METADATA_DISABLED: 'true', AWS_CONFIG_FILE: '/nonexistent/c', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/s' });
  t.teardown(() => {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  });
  const identity = id('aws', { region: 'eu-west-1' });
  await t.rejects(TARGETS.aws.access(identity), /cannot assume AWS roles/, 'a Tendril that cannot resolve credentials refuses');
  setAwsRoleAssumer(createAwsRoleAssumer({ timeoutMs: 2000 }));
  t.teardown(() => setAwsRoleAssumer(undefined));
  const access = await TARGETS.aws.access(identity);
  t.same(
    [access.env.AWS_ACCESS_KEY_ID, access.env.AWS_SECRET_ACCESS_KEY, access.env.AWS_SESSION_TOKEN, access.env.AWS_EC2_METADATA_DISABLED],
    [own.accessKeyId, own.secretAccessKey, 'task-role-session', 'true'],
    'Terraform gets the keys the Tendril resolved (its task role on ECS), and no metadata lookups of its own',
  );
  t.ok(access.secrets.includes(own.secretAccessKey) && access.secrets.includes('task-role-session'), 'redacted from every log line');
});

t.test('no connection left the machine', async (t) => assertLoopbackOnly(t, guard));
