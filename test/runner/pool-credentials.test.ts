/**
 * A job of an identity with no stored credentials on one of its pool's Tendrils (`ambient`, set
 * by Trellis for pool jobs only), as the runner sees it: the checks use the Tendril's own
 * (cloudIdentity), and Terraform too — GCP: application default credentials (no key in the
 * environment); Azure: ARM_USE_MSI. Without `ambient` (Vintner's own Tendrils) nothing changes.
 */
import t from 'tap';
import { cloudIdentity } from '../../src/runner/identity-jobs.js';
import { TARGETS } from '../../src/runner/targets.js';
import type { JobIdentity } from '../../src/runner/store.js';
import { CloudCheckError } from '../../src/cloud/index.js';
import { assertLoopbackOnly, guardFile } from '../cloud/helpers.js';

const guard = guardFile(t);
const id = (provider: JobIdentity['provider'], config: Record<string, unknown>, ambient = true): JobIdentity => ({
  id: '00000000-0000-4000-8000-000000000001', name: 'prod', provider, config, credentials: null, ambient,
});

t.test('the checks: no stored secret, the Tendril’s own credentials', async (t) => {
  const gcp = cloudIdentity(id('gcp', { project_id: 'shop-prod', region: 'europe-west1' }));
  t.same(gcp, { provider: 'gcp', config: { project_id: 'shop-prod', region: 'europe-west1' }, credentials: null }, 'GCP: the metadata server’s account');
  const azure = cloudIdentity(id('azure', { tenant_id: 't', subscription_id: 's', region: 'westeurope' }));
  t.same(azure.credentials, null, 'Azure: the machine’s managed identity');
  t.equal(azure.provider === 'azure' && azure.config.client_id, '', 'the system-assigned one');
  t.throws(() => cloudIdentity(id('gcp', { project_id: 'shop-prod', region: 'europe-west1' }, false)), new CloudCheckError('no_credentials', 'Identity prod has no service-account key stored: delete it and add it again with its service-account key.'), 'on Vintner’s own Tendrils a missing key is still one');
});

t.test('Terraform: GCP on application default credentials, Azure on its managed identity', async (t) => {
  const gcp = await TARGETS.gcp.access(id('gcp', { project_id: 'shop-prod', region: 'europe-west1' }));
  t.same(gcp.env, { GOOGLE_PROJECT: 'shop-prod', GOOGLE_REGION: 'europe-west1' }, 'no GOOGLE_CREDENTIALS: the provider asks the metadata server');
  const inHouse = await TARGETS.gcp.access(id('gcp', { project_id: 'shop-prod', region: 'europe-west1' }, false));
  t.equal(inHouse.env.GOOGLE_CREDENTIALS, '', 'on Vintner’s own Tendrils: never their own account');
  const system = await TARGETS.azure.access(id('azure', { tenant_id: 't', subscription_id: 's', region: 'westeurope' }));
  t.same(system.env, { ARM_TENANT_ID: 't', ARM_SUBSCRIPTION_ID: 's', ARM_USE_MSI: 'true' }, 'the system-assigned managed identity');
  const user = await TARGETS.azure.access(id('azure', { tenant_id: 't', client_id: 'c', subscription_id: 's', region: 'westeurope' }));
  t.same(user.env, { ARM_TENANT_ID: 't', ARM_SUBSCRIPTION_ID: 's', ARM_CLIENT_ID: 'c', ARM_USE_MSI: 'true' }, 'a user-assigned one by its client id');
  const stored = await TARGETS.azure.access({ ...id('azure', { tenant_id: 't', client_id: 'c', subscription_id: 's' }, false), credentials: { client_secret: 'shh' } });
  t.same([stored.env.ARM_CLIENT_SECRET, stored.env.ARM_USE_MSI, stored.secrets], ['shh', undefined, ['shh']], 'a stored secret as before');
  const msiInHouse = await TARGETS.azure.access(id('azure', { tenant_id: 't', client_id: 'c', subscription_id: 's' }, false));
  t.equal(msiInHouse.env.ARM_USE_MSI, undefined, 'and never a managed identity on Vintner’s own Tendrils');
});

t.test('no connection left the machine', async (t) => assertLoopbackOnly(t, guard));
