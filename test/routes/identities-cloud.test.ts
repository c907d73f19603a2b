/**
 * The Identities page with a real Tendril and the AWS fake: Test and Discover as htmx row updates
 * that follow the job to its end, the failure sentence in full, SUCCESS with the discovery, the
 * Resources page, "older than a day", a truncated discovery, and no secret in any page.
 */
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { buildTestApp, eventually } from '../helpers.js';
import { signedIn } from './agent.js';
import { startTestTendril, waitForJob } from '../tendril/harness.js';
import { awsTestUser, startAwsFake } from '../cloud/fakes/aws.js';
import { seedDiscovery, AWS_RESOURCES } from '../fixtures.js';

const HX = { 'hx-request': 'true' };

t.test('test and discover from the page: the row follows the job; the sentence, SUCCESS, the resources', { timeout: 120_000 }, async (t) => {
  const env = { VINTNER_SECRET_KEY: randomBytes(32).toString('base64') };
  const { app, db } = await buildTestApp(t, env);
  await startTestTendril(t, db, env);
  const user = awsTestUser();
  const fake = await startAwsFake({
    users: [user],
    vpcs: [{ id: 'vpc-0shop', cidr: '10.20.0.0/16', name: 'shop' }],
    subnets: [{ id: 'subnet-0a', vpcId: 'vpc-0shop', cidr: '10.20.1.0/24', az: 'eu-west-1a', name: 'shop-a' }],
    zones: [{ id: 'Z0PUB', name: 'shop.example.com' }, { id: 'Z0PRIV', name: 'corp.internal', private: true }],
  });
  t.teardown(() => fake.close());
  const { a } = await signedIn(app);
  const wrong = `${user.secretAccessKey}-typo`;
  const pages: string[] = [];
  const get = async (url: string, headers?: Record<string, string>) => {
    const res = await a.get(url, headers);
    pages.push(res.body);
    return res;
  };

  await a.get('/identities');
  const add = (name: string, secret: string) =>
    a.post('/identities', { name, provider: 'aws', 'aws.region': 'eu-west-1', 'aws.access_key_id': user.accessKeyId, 'aws.secret_access_key': secret, 'aws.endpoint': fake.url });
  t.equal((await add('typo', wrong)).statusCode, 303, 'an identity with a wrong secret is stored');
  const typo = await db.knex('cloud_identities').where({ name: 'typo' }).first('id');

  // htmx: Test answers the row, which asks for itself until the job ends.
  const queued = await a.post(`/identities/${typo.id}/test`, {}, HX);
  t.equal(queued.statusCode, 200, 'htmx gets the row');
  t.match(queued.body, new RegExp(`<tr id="identity-${typo.id}"[^>]*hx-get="/identities/${typo.id}/row" hx-trigger="every 1s`), 'which polls while the job runs');
  const jobId = /data-job-open="([0-9a-f-]{36})"/.exec(queued.body)?.[1];
  t.ok(jobId, 'and names the job');
  t.match(queued.body, new RegExp(`Testing… <a href="/jobs/${jobId}">job</a>`), 'with a link to it');
  await waitForJob(db.knex, jobId!);
  const ended = await get(`/identities/${typo.id}/row`, HX);
  t.notMatch(ended.body, /hx-trigger="every 1s/, 'once the job ended the row stops asking');
  t.match(ended.body, /<span class="badge s-FAILED">FAILED<\/span>/, 'the last test FAILED');
  const sentence = `AWS rejected the signature made with the access key ${user.accessKeyId.slice(0, 4)}…${user.accessKeyId.slice(-4)}: the secret access key is wrong; paste the secret that belongs to this key id, or create a new access key in IAM.`;
  t.ok(ended.body.includes(sentence.replace(/'/g, '&#39;')), 'the failure sentence, in full');
  t.match(ended.body, /not discovered yet/);

  // Without JavaScript: Test goes to the job page.
  t.equal((await add('prod', user.secretAccessKey)).statusCode, 303);
  const prod = await db.knex('cloud_identities').where({ name: 'prod' }).first('id');
  const plain = await a.post(`/identities/${prod.id}/test`);
  t.equal(plain.statusCode, 303, 'a plain form redirects');
  const jobUrl = String(plain.headers.location);
  t.match(jobUrl, /^\/jobs\/[0-9a-f-]{36}$/, 'to the job');
  const done = await waitForJob(db.knex, jobUrl.split('/').pop()!);
  t.equal(done.status, 'SUCCESS', `the test succeeded ${done.error ?? ''}`);
  const jobPage = await get(jobUrl);
  t.match(jobPage.body, /data-summary>Connected to AWS account 111122223333 as arn:aws:iam::111122223333:user\/vintner-test; region eu-west-1 is available\./, 'the job page shows the report');
  t.match(jobPage.body, /<dt>Account ID<\/dt><dd><code>111122223333<\/code>/, 'and its details');
  t.match(jobPage.body, />1 network · 1 subnet · 2 DNS zones</, 'and what it discovered');

  const list = await get('/identities');
  t.notMatch(list.body, /arrive in a later release|arrive later/, 'no note that cloud tests arrive later');
  const prodRow = list.body.slice(list.body.indexOf(`id="identity-${prod.id}"`));
  t.match(prodRow, /<span class="badge s-SUCCESS">SUCCESS<\/span>/, 'SUCCESS');
  t.match(prodRow, new RegExp(`<a href="/identities/${prod.id}/resources">1 network · 1 subnet · 2 DNS zones</a>`), 'the counts link to the resources');
  t.match(prodRow, /discovered <time/, 'with when');
  t.notMatch(prodRow.slice(0, prodRow.indexOf('</tr>')), /older than a day/, 'fresh');

  const res = await get(`/identities/${prod.id}/resources`);
  t.equal(res.statusCode, 200);
  t.match(res.body, /<td>shop<\/td><td><code>vpc-0shop<\/code><\/td><td>10\.20\.0\.0\/16<\/td><td>eu-west-1<\/td>/, 'networks with CIDR and region');
  t.match(res.body, /<td>shop-a<\/td><td><code>subnet-0a<\/code><\/td><td>10\.20\.1\.0\/24<\/td><td>eu-west-1a<\/td>/, 'subnets with CIDR and zone');
  t.match(res.body, /<td>corp\.internal<\/td><td><code>Z0PRIV<\/code><\/td><td>private<\/td>/, 'private zones');
  t.match(res.body, /<td>shop\.example\.com<\/td><td><code>Z0PUB<\/code><\/td><td>public<\/td>/, 'public zones');

  // Discover with htmx: the row follows the FETCH_RESOURCES job too.
  fake.state.vpcs.push({ id: 'vpc-0data', cidr: '10.30.0.0/16', name: 'data' });
  const disc = await a.post(`/identities/${prod.id}/discover`, {}, HX);
  t.match(disc.body, /Discovering… <a href="\/jobs\//, 'the row says it is discovering');
  await eventually('the discovery to end', async () => !/hx-trigger="every 1s/.test((await a.get(`/identities/${prod.id}/row`, HX)).body), 60_000);
  t.match((await get(`/identities/${prod.id}/row`, HX)).body, />2 networks · 1 subnet · 2 DNS zones</, 'the row shows the new counts');

  // A day later, the list is marked; a truncated one says so.
  await db.knex('provision_jobs').where({ identity_id: prod.id }).update({ finished_at: new Date(Date.now() - 26 * 3600 * 1000) });
  t.match((await get(`/identities/${prod.id}/row`, HX)).body, /<span class="warn-text" data-stale>· older than a day<\/span>/, 'older than a day, marked');
  t.match((await get(`/identities/${prod.id}/resources`)).body, /data-stale>Older than a day/, 'on the resources page too');
  const sandbox = await db.knex('cloud_identities').where({ name: 'sandbox' }).first('id', 'user_id');
  const [big] = await db.knex('cloud_identities').insert({ user_id: sandbox.user_id, name: 'big', provider: 'aws', config: JSON.stringify({ region: 'eu-west-1', role_arn: 'arn:aws:iam::123456789012:role/v' }) }).returning('id');
  const message = 'Showing the first 6 resources (2 networks, 2 subnets, 2 DNS zones) of more: there are more DNS zones; raise the resource limit (now 6) to see them all.';
  await seedDiscovery(db.knex, big.id, AWS_RESOURCES, { truncated: true, message });
  t.match((await get('/identities')).body, `truncated: ${message}`, 'a truncated discovery says so in the list');
  t.match((await get(`/identities/${big.id}/resources`)).body, `data-truncated>${message}`, 'and on its resources page');
  t.equal((await a.get('/identities/00000000-0000-4000-8000-000000000000/resources')).statusCode, 404, 'an unknown identity');

  for (const s of [user.secretAccessKey, wrong, ...fake.sessions.map((x) => x.secretAccessKey)]) t.notOk(pages.some((p) => p.includes(s)), 'no secret in any page');
});
