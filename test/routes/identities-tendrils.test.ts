import t from 'tap';
import { buildTestApp } from '../helpers.js';
import { signedIn } from './agent.js';

t.test('identities: the sandbox, add local and cloud ones, mistakes on the form, delete', async (t) => {
  const { app } = await buildTestApp(t);
  const { a, userId } = await signedIn(app);
  const page = await a.get('/identities');
  t.match(page.body, /<strong>sandbox<\/strong>/, 'every user has a sandbox');
  t.match(page.body, /<fieldset class="provider-fields" x-show="provider === 'aws'">/, 'cloud kinds are offered');
  t.notMatch(page.body, /arrive in a later release|arrive later/, 'with no note that they arrive later');

  t.equal((await a.post('/identities', { name: 'lab', provider: 'local' })).statusCode, 303);
  const dup = await a.post('/identities', { name: 'lab', provider: 'local' });
  t.equal(dup.statusCode, 422);
  t.match(dup.body, /An identity named &quot;lab&quot; already exists/);
  const badName = await a.post('/identities', { name: 'Not Valid!', provider: 'local' });
  t.equal(badName.statusCode, 422);
  t.match(badName.body, /The name is not valid: expected lowercase letters, digits and hyphens/);
  t.match(badName.body, /value="Not Valid!"/, 'kept as typed');
  const badProvider = await a.post('/identities', { name: 'x', provider: 'oracle' });
  t.equal(badProvider.statusCode, 422);
  t.match(badProvider.body, /The provider must be one of: local, aws, gcp, azure/);

  const awsMissing = await a.post('/identities', { name: 'prod-aws', provider: 'aws', 'aws.region': 'eu-west-1', 'aws.access_key_id': 'AKIAIOSFODNN7EXAMPLE' });
  t.equal(awsMissing.statusCode, 422);
  t.match(awsMissing.body, /Secret access key is required with access_key_id/);
  t.notMatch(awsMissing.body, /AKIAIOSFODNN7EXAMPLE/, 'secrets are never sent back');
  t.match(awsMissing.body, /name="aws\.region" value="eu-west-1"/, 'other fields kept');
  const aws = await a.post('/identities', { name: 'prod-aws', provider: 'aws', 'aws.region': 'eu-west-1', 'aws.role_arn': 'arn:aws:iam::123456789012:role/vintner', 'gcp.project_id': 'ignored-here' });
  t.equal(aws.statusCode, 303, 'only the chosen provider\'s fields are sent');
  const list = await a.get('/identities');
  t.match(list.body, /Identity “prod-aws” added\. Test it to check that its credentials work\./, 'the flash says what to do next');
  t.match(list.body, /arn:aws:iam::123456789012:role\/vintner/);

  const sandbox = await app.deps.knex('cloud_identities').where({ user_id: userId, name: 'sandbox' }).first('id');
  const vy = String((await a.post('/vineyards', { name: 'Acme' })).headers.location);
  await a.get(`${vy}/plant`);
  await a.post(`${vy}/plant`, { name: 'shop', stage: 'development', identity: 'sandbox' });
  await a.get('/identities');
  const used = await a.post(`/identities/${sandbox.id}/delete`);
  t.equal(used.statusCode, 409, 'an identity in use stays');
  t.match(used.body, /Identity &quot;sandbox&quot; is used by vine Acme\/shop \(development, DRAFT\)/);
  const lab = await app.deps.knex('cloud_identities').where({ user_id: userId, name: 'lab' }).first('id');
  t.equal((await a.post(`/identities/${lab.id}/delete`)).statusCode, 303);
  const test = await a.post(`/identities/${sandbox.id}/test`);
  t.equal(test.statusCode, 303, 'a connection test is a job');
  t.match((await a.get(String(test.headers.location))).body, /Identities<\/a> <span aria-hidden="true">\/<\/span> <span>sandbox<\/span>[\s\S]*<h1>CONNECTION_TEST job<\/h1>/);
  t.match((await a.get('/identities')).body, new RegExp(`href="/jobs\\?identity=${sandbox.id}">Jobs</a>`), 'each identity links to its jobs');
  const jobsOf = await a.get(`/jobs?identity=${sandbox.id}`);
  t.match(jobsOf.body, /<h1>Jobs of sandbox<\/h1>/);
  t.match(jobsOf.body, /CONNECTION_TEST<\/a>/, 'its connection test is listed');
  const all = await a.get('/jobs');
  t.match(all.body, /<h1>Jobs<\/h1>/, 'without the filter: every job');
});

t.test('Tendrils: heartbeat age, running jobs, Terraform version; an empty state when none runs', async (t) => {
  const { app } = await buildTestApp(t);
  const { a } = await signedIn(app);
  t.match((await a.get('/tendrils')).body, /No Tendril is running/);
  const { knex } = app.deps;
  const insertedAt = Date.now();
  const [alive] = await knex('tendrils')
    .insert({ name: 'worker-1', host: 'node-a', pid: 7, version: '0.1.0', terraform_version: 'Terraform v1.9.8', concurrency: 4, last_seen_at: knex.raw("now() - interval '3 seconds'") })
    .returning('id');
  await knex('tendrils').insert({ name: 'worker-old', host: 'node-b', pid: 8, version: '0.1.0', concurrency: 2, status: 'DEAD', last_seen_at: knex.raw("now() - interval '1 hour'") });
  await knex('tendrils').insert({ name: 'worker-ancient', host: 'node-c', pid: 9, version: '0.0.9', concurrency: 2, status: 'STOPPED', last_seen_at: knex.raw("now() - interval '3 days'") });
  const other = await signedIn(app);
  const ident = await knex('cloud_identities').where({ user_id: other.userId }).first('id');
  await knex('provision_jobs').insert({ identity_id: ident.id, type: 'CONNECTION_TEST', status: 'PROCESSING', tendril_id: alive.id });
  const page = await a.get('/tendrils');
  const elapsed = Math.ceil((Date.now() - insertedAt) / 1000);
  t.match(page.body, /<strong>worker-1<\/strong><br><span class="muted small">node-a · pid 7/);
  t.match(page.body, /badge s-RUNNING">RUNNING/);
  // 3 s old when inserted, and older by however long this machine took to render the page.
  const age = Number(/<td class="">(\d+) s ago/.exec(page.body)?.[1]);
  t.ok(age >= 3 && age <= 3 + elapsed, `heartbeat age: ${age} s ago (3 s plus the ${elapsed} s the test took at most)`);
  t.match(page.body, /<td>1 \/ 4<\/td>/, 'running jobs of its concurrency');
  t.match(page.body, /Terraform v1\.9\.8/);
  t.match(page.body, /badge s-DEAD">DEAD/, 'a recently dead one is listed');
  t.notMatch(page.body, /worker-ancient/, 'long-stopped ones age out');
  t.notMatch(page.body, new RegExp(other.email), 'nothing about whose jobs they run');
  const fragment = await a.get('/tendrils', { 'hx-request': 'true' });
  t.match(fragment.body, /^\s*<div id="tendrils-table" hx-get="\/tendrils" hx-trigger="every 5s/, 'Refresh gets the table alone, which keeps refreshing itself');
});
