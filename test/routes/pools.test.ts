/**
 * The pool pages without a browser: create (and its refusals on the form), a token shown in the
 * answer that made it and never again, revoke, bind an identity from the pool and from the
 * identity's row, delete refused with the reason on the page, the deploy button disabled with its
 * reason, CSRF on every form.
 */
import t from 'tap';
import { buildTestApp } from '../helpers.js';
import { signedIn } from './agent.js';
import { deploySettings } from '../../src/routes/pools.js';

t.test('pool pages: create, token once, revoke, bind, delete refused then done', async (t) => {
  const { app } = await buildTestApp(t);
  const { knex } = app.deps;
  const { a, userId } = await signedIn(app);

  const empty = await a.get('/pools');
  t.equal(empty.statusCode, 200, 'the list');
  t.match(empty.body, 'No pools yet', 'empty');
  t.match(empty.body, /<a href="\/pools" class="active" aria-current="page">Pools<\/a>/, 'in the navigation');

  const refused = await a.post('/pools', { name: 'Prod EU', description: 'x' });
  t.equal(refused.statusCode, 422, 'a bad name: the form again');
  t.match(refused.body, 'The name is not valid: expected lowercase letters, digits and hyphens', 'with the reason by the field');
  t.match(refused.body, 'value="Prod EU"', 'and what was typed');

  const made = await a.post('/pools', { name: 'prod-eu', description: 'ECS in eu-west-1' });
  t.equal(made.statusCode, 303, 'created');
  const url = String(made.headers.location);
  const poolId = url.split('/').pop()!;
  const page = await a.get(url);
  t.equal(page.statusCode, 200, 'its page');
  for (const s of ['Pool “prod-eu” created.', 'No Tendril of this pool has connected yet', 'No token yet', 'TRELLIS_URL=http://localhost:80 TENDRIL_TOKEN=&lt;the token&gt; npm run worker', 'vintner-tendril</pre>', 'Deploy a Tendril in AWS']) {
    t.match(page.body, s, `shows: ${s.slice(0, 50)}`);
  }
  t.match(page.body, /<button type="submit" class="button" data-action="deploy" disabled aria-describedby="deploy-unavailable">/, 'no AWS identity: the deploy button disabled');
  t.match(page.body, /data-deploy-unavailable>Add an AWS identity \(a role Vintner can assume, or access keys\) first/, 'with its reason');
  const deploy = await a.post(`/pools/${poolId}/deploy`, { identity_id: '' });
  t.equal(deploy.statusCode, 422, 'posting it anyway: refused');
  t.match(deploy.body, /data-deploy-problem>[^<]*identity_id: is required/, 'the reason on the page');
  t.equal(Number((await knex('provision_jobs').count<{ c: string }[]>('* as c'))[0]!.c), 0, 'no job made');

  // A token: in the answer that made it, never again.
  const tok = await a.post(`/pools/${poolId}/tokens`, { name: 'ecs' });
  t.equal(tok.statusCode, 200, 'made: the page answers with it');
  t.equal(tok.headers['cache-control'], 'no-store', 'an answer no cache keeps');
  const token = /data-new-token x-ref="token">(vtp_[A-Za-z0-9_-]{43})</.exec(tok.body)?.[1];
  t.ok(token, 'the token is shown');
  t.match(tok.body, `TRELLIS_URL=http://localhost:80 TENDRIL_TOKEN=${token} npm run worker`, 'in the command to start a Tendril');
  const again = await a.get(`/pools/${poolId}`);
  t.notOk(again.body.includes(token!), 'never shown again');
  t.match(again.body, token!.slice(0, 12), 'only its prefix');
  t.equal(JSON.stringify(await knex('sessions').select()).includes(token!), false, 'nor kept in the session');
  const frag = await a.post(`/pools/${poolId}/tokens`, { name: '' }, { 'hx-request': 'true' });
  t.equal(frag.statusCode, 422, 'a nameless token: the tokens fragment with the reason');
  t.match(frag.body, /^<div id="pool-[0-9a-f-]+-tokens"/, 'only the fragment');
  t.match(frag.body, 'The name must not be empty', 'saying why');

  const tokenId = (await knex('pool_tokens').where({ pool_id: poolId }).first('id')).id as string;
  const revoked = await a.post(`/pools/${poolId}/tokens/${tokenId}/revoke`, {}, { 'hx-request': 'true' });
  t.equal(revoked.statusCode, 200, 'revoked with htmx');
  t.match(revoked.body, 'data-revoked>revoked', 'shown revoked in the fragment');
  t.ok((await knex('pool_tokens').where({ id: tokenId }).first('revoked_at')).revoked_at, 'revoked in the table');

  // Bind the sandbox from the pool page, then see it on the identities page.
  const sandbox = (await knex('cloud_identities').where({ user_id: userId, name: 'sandbox' }).first('id')).id as string;
  const bound = await a.post(`/pools/${poolId}/bind`, { identity_id: sandbox });
  t.equal(bound.statusCode, 303, 'bound');
  const ids = await a.get('/identities');
  t.match(ids.body, /data-pool="prod-eu"><span class="muted">pool<\/span> <a href="\/pools\/[0-9a-f-]+">prod-eu<\/a>/, 'the identity shows its pool');
  t.match((await a.get(`/pools/${poolId}`)).body, /<li data-identity="sandbox">/, 'the pool lists it');

  const busy = await a.post(`/pools/${poolId}/delete`);
  t.equal(busy.statusCode, 409, 'delete refused');
  t.match(busy.body, 'Cannot delete this pool.</strong> Pool &quot;prod-eu&quot; is used by identity &quot;sandbox&quot;: unbind it first (or delete it)', 'the reason on the page');

  // Unbind from the identity's row.
  const unbound = await a.post(`/identities/${sandbox}/pool`, { pool_id: '' });
  t.equal(unbound.statusCode, 303, 'unbound from the identity page');
  t.equal((await knex('cloud_identities').where({ id: sandbox }).first('pool_id')).pool_id, null, 'in no pool');
  t.equal((await a.post(`/pools/${poolId}/delete`)).statusCode, 303, 'then deleted');
  t.match((await a.get('/pools')).body, 'Pool “prod-eu” deleted, with its tokens.', 'said so');
});

t.test('identity form: a GCP identity on its pool’s workload identity; a row’s pool form refuses what cannot be', async (t) => {
  const { app } = await buildTestApp(t);
  const { knex } = app.deps;
  const { a } = await signedIn(app);
  const poolId = String((await a.post('/pools', { name: 'gke' })).headers.location).split('/').pop()!;
  await a.get('/identities');
  const added = await a.post('/identities', {
    name: 'gcp-prod', provider: 'gcp', pool_id: poolId, credentials_from_pool: 'on',
    'gcp.project_id': 'shop-prod', 'gcp.region': 'europe-west1', 'gcp.service_account_key': 'typed anyway, never stored',
  });
  t.equal(added.statusCode, 303, 'added without a key');
  const row = await knex('cloud_identities').where({ name: 'gcp-prod' }).first();
  t.same([row.pool_id, row.credentials_from_pool, row.credentials_encrypted], [poolId, true, null], 'bound, its credentials from the pool, nothing stored');
  const list = await a.get('/identities');
  t.match(list.body, 'Identity “gcp-prod” added. Its jobs run only on the Tendrils of pool “gke”.', 'the flash says where its jobs run');
  t.match(list.body, 'data-credentials-from-pool>· credentials from the pool’s Tendrils', 'the row says where its credentials come from');

  const noPool = await a.post('/identities', { name: 'gcp-two', provider: 'gcp', credentials_from_pool: 'on', 'gcp.project_id': 'shop-prod', 'gcp.region': 'europe-west1' });
  t.equal(noPool.statusCode, 422, 'from a pool but no pool chosen: no key, refused');
  t.match(noPool.body, 'Service-account key (JSON) is required (unless the credentials come from a pool’s Tendrils)', 'saying what is missing');

  const leave = await a.post(`/identities/${row.id}/pool`, { pool_id: '', credentials_from_pool: 'on' });
  t.equal(leave.statusCode, 409, 'leaving the pool while taking its credentials: refused on the page');
  t.match(leave.body, 'Identity &quot;gcp-prod&quot; takes its credentials from pool &quot;gke&quot;&#39;s Tendrils: it cannot leave the pool while it does', 'with the reason');
  const noKey = await a.post(`/identities/${row.id}/pool`, { pool_id: '' });
  t.equal(noKey.statusCode, 409, 'and without them it has no key');
  t.match(noKey.body, 'stores no credentials of its own (it has no a service-account key)', 'saying so');
});

t.test('deploy a Tendril in AWS from the pool page: the form queues DEPLOY_WORKER and opens its job; refusals on the page; destroy once they stand', async (t) => {
  const { app } = await buildTestApp(t, { TENDRIL_IMAGE: 'registry.example.com/vintner-tendril:0.1.0' });
  const { knex } = app.deps;
  const { a } = await signedIn(app);
  const poolId = String((await a.post('/pools', { name: 'ci' })).headers.location).split('/').pop()!;
  await a.get('/identities');
  t.equal((await a.post('/identities', { name: 'prod-aws', provider: 'aws', 'aws.region': 'eu-central-1', 'aws.role_arn': 'arn:aws:iam::123456789012:role/vintner' })).statusCode, 303, 'an AWS identity with a role');
  const aws = (await knex('cloud_identities').where({ name: 'prod-aws' }).first('id')).id as string;

  const page = await a.get(`/pools/${poolId}`);
  t.match(page.body, /<button type="submit" class="button" data-action="deploy">Deploy a Tendril<\/button>/, 'the deploy button is enabled');
  t.match(page.body, `<option value="${aws}">prod-aws (eu-central-1)</option>`, 'the AWS identity to deploy with');
  t.match(page.body, 'Blank: registry.example.com/vintner-tendril:0.1.0 (TENDRIL_IMAGE).', 'the image the server would use');
  t.notMatch(page.body, 'id="destroy-worker"', 'nothing to destroy yet');

  const bad = await a.post(`/pools/${poolId}/deploy`, { identity_id: aws, desired_count: '99', subnet_ids: 'subnet-0abc, nope' });
  t.equal(bad.statusCode, 422, 'bad settings: the page again');
  t.match(bad.body, /data-deploy-problem>[^<]*settings\.desired_count/, 'naming the count');
  t.match(bad.body, 'value="subnet-0abc, nope"', 'what was typed kept');
  t.equal(Number((await knex('provision_jobs').count<{ c: string }[]>('* as c'))[0]!.c), 0, 'no job made');

  const ok = await a.post(`/pools/${poolId}/deploy`, { identity_id: aws, desired_count: '2', cpu: '512', memory: '1024', cpu_architecture: 'ARM64', subnet_ids: 'subnet-0abc subnet-0def', assign_public_ip: 'false', trellis_url: '' });
  t.equal(ok.statusCode, 303, 'queued');
  const jobUrl = String(ok.headers.location);
  t.match(jobUrl, /^\/jobs\/[0-9a-f-]{36}$/, 'to the job page (its live log)');
  const job = await knex('provision_jobs').where({ id: jobUrl.split('/').pop() }).first();
  t.match(job, { type: 'DEPLOY_WORKER', status: 'QUEUED', pool_id: poolId, identity_id: aws }, 'a DEPLOY_WORKER of the pool with that identity');
  t.same(job.params, { desired_count: 2, cpu: 512, memory: 1024, cpu_architecture: 'ARM64', subnet_ids: ['subnet-0abc', 'subnet-0def'], assign_public_ip: false, image: 'registry.example.com/vintner-tendril:0.1.0', trellis_url: 'http://localhost:80', region: 'eu-central-1' }, 'the form’s settings, blanks left to the defaults');
  const jobPage = await a.get(jobUrl);
  t.equal(jobPage.statusCode, 200, 'the job page');
  t.match(jobPage.body, 'DEPLOY_WORKER queued: pool “ci”’s Tendrils are being deployed into AWS.', 'saying what was queued');

  const twice = await a.post(`/pools/${poolId}/deploy`, { identity_id: aws });
  t.equal(twice.statusCode, 409, 'a second one while it is open: refused');
  t.match(twice.body, `DEPLOY_WORKER job ${job.id} of pool ci is QUEUED`, 'naming the open job');
  t.match(twice.body, new RegExp(`<a href="/jobs/${job.id}">DEPLOY_WORKER</a>`), 'the page lists the pool’s worker job');

  // As if a Tendril ran it: the Tendrils stand, so the page offers to destroy them.
  await knex('provision_jobs').where({ id: job.id }).update({ status: 'SUCCESS', claimed_at: knex.fn.now(), processing_at: knex.fn.now(), finished_at: knex.fn.now() });
  const standing = await a.get(`/pools/${poolId}`);
  t.match(standing.body, 'data-deployed>Deployed in eu-central-1', 'deployed, and where');
  t.match(standing.body, /data-action="deploy">Deploy again</, 'a new deployment updates them');
  t.match(standing.body, 'name="desired_count" type="number" min="0" max="20" value="2"', 'the form starts from the last deployment’s settings');
  t.match(standing.body, 'id="destroy-worker" data-confirm=', 'the destroy form, with a confirmation');
  const destroy = await a.post(`/pools/${poolId}/destroy-worker`, { identity_id: '' });
  t.equal(destroy.statusCode, 303, 'destroy queued');
  const destroyJob = await knex('provision_jobs').where({ id: String(destroy.headers.location).split('/').pop() }).first();
  t.match(destroyJob, { type: 'DESTROY_WORKER', status: 'QUEUED', pool_id: poolId, identity_id: aws }, 'a DESTROY_WORKER with the last deployment’s identity');
  const busy = await a.post(`/pools/${poolId}/destroy-worker`, {});
  t.equal(busy.statusCode, 409, 'a second one: refused');
  t.match(busy.body, /data-destroy-problem>DESTROY_WORKER job [0-9a-f-]{36} of pool ci is QUEUED/, 'the reason by the destroy form');
});

t.test('CSRF: every pool form refuses a post without the token', async (t) => {
  const { app } = await buildTestApp(t);
  const { a } = await signedIn(app);
  const poolId = String((await a.post('/pools', { name: 'edge' })).headers.location).split('/').pop()!;
  for (const url of ['/pools', `/pools/${poolId}/tokens`, `/pools/${poolId}/rename`, `/pools/${poolId}/delete`, `/pools/${poolId}/bind`, `/pools/${poolId}/deploy`, `/pools/${poolId}/destroy-worker`, `/pools/${poolId}/tokens/00000000-0000-4000-8000-000000000000/revoke`]) {
    const res = await a.post(url, { _csrf: 'forged', name: 'x' });
    t.equal(res.statusCode, 403, `POST ${url.replace(/[0-9a-f-]{36}/g, ':id')} without the CSRF token: 403`);
  }
  t.equal(Number((await app.deps.knex('pool_tokens').count<{ c: string }[]>('* as c'))[0]!.c), 0, 'no token was made');
});

t.test('the deploy form: blank keeps the last value, “none” clears a cluster, subnets or security groups', async (t) => {
  t.same(deploySettings({ identity_id: 'x', cluster_arn: '', subnet_ids: ' ', desired_count: '3' }), { desired_count: 3 }, 'blanks left out');
  t.same(deploySettings({ cluster_arn: 'none', subnet_ids: 'None', security_group_ids: 'NONE' }), { cluster_arn: null, subnet_ids: [], security_group_ids: [] }, '“none”: null and empty lists, as the API takes them');
  t.same(deploySettings({ image: 'none' }), { image: 'none' }, 'only those three: an image named none stays a string (the schema judges it)');
});
