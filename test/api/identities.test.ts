import t from 'tap';
import { apiApp, isProblem } from './helpers.js';

t.test('identities: add per provider, list, get, test, discover, delete; secrets never answered', async (t) => {
  const { app, alice, bob } = await apiApp(t);
  const list = (await alice.req('GET', '/api/v1/identities')).json();
  t.same(list.items.map((i: { name: string }) => i.name), ['sandbox'], 'sign-up gave a sandbox identity');

  const aws = await alice.req('POST', '/api/v1/identities', { name: 'prod-aws', provider: 'aws', region: 'eu-west-1', access_key_id: 'AKIAIOSFODNN7EXAMPLE', secret_access_key: 'wJalrXUtnFEMI/K7MDENG' });
  t.equal(aws.statusCode, 201, 'an AWS identity with keys');
  t.equal(aws.json().has_credentials, true);
  t.notOk(JSON.stringify(aws.json()).includes('wJalrXUtnFEMI'), 'the secret key is not answered');
  t.notOk(JSON.stringify(aws.json()).includes('AKIAIOSFODNN7EXAMPLE'), 'nor the key id in full');
  const role = await alice.req('POST', '/api/v1/identities', { name: 'role', provider: 'aws', region: 'us-east-1', role_arn: 'arn:aws:iam::123456789012:role/vintner', external_id: 'abc123' });
  t.equal(role.statusCode, 201, 'an AWS identity with a role');

  const cases: Array<[string, unknown, string, RegExp]> = [
    ['unknown provider', { name: 'x', provider: 'ibm' }, 'provider', /local, aws, gcp, azure/],
    ['no provider', { name: 'x' }, 'provider', /must be one of/],
    ['aws without region', { name: 'x', provider: 'aws', role_arn: 'arn:aws:iam::123456789012:role/v' }, 'region', /is required/],
    ['aws bad region', { name: 'x', provider: 'aws', region: 'moon', role_arn: 'arn:aws:iam::123456789012:role/v' }, 'region', /AWS region/],
    ['aws neither role nor keys', { name: 'x', provider: 'aws', region: 'eu-west-1' }, 'role_arn', /is required/],
    ['bad name', { name: 'Bad Name', provider: 'local' }, 'name', /lowercase/],
    ['unknown field', { name: 'x', provider: 'local', colour: 'red' }, 'colour', /not a known field/],
    ['gcp key not JSON', { name: 'x', provider: 'gcp', project_id: 'my-project-1', region: 'europe-west1', service_account_key: 'nope' }, 'service_account_key', /JSON key/],
    ['azure bad GUID', { name: 'x', provider: 'azure', tenant_id: 'acme.onmicrosoft.com', client_id: 'nope', client_secret: 's', subscription_id: '00000000-0000-0000-0000-000000000000', region: 'westeurope' }, 'client_id', /GUID/],
    ['camelCase of old', { name: 'x', provider: 'aws', region: 'eu-west-1', roleArn: 'arn:aws:iam::123456789012:role/r' }, 'roleArn', /is not a known field: use "role_arn"/],
  ];
  for (const [what, body, field, message] of cases) {
    const p = isProblem(t, await alice.req('POST', '/api/v1/identities', body), 400, what);
    t.match(p.errors, [{ field, message }], `${what}: ${field} named`);
  }
  const dup = isProblem(t, await alice.req('POST', '/api/v1/identities', { name: 'role', provider: 'local' }), 400, 'same name');
  t.match(dup.errors, [{ field: 'name', message: /already exists/ }]);

  const id = aws.json().id;
  t.equal((await alice.req('GET', `/api/v1/identities/${id}`)).json().name, 'prod-aws', 'by id');
  t.equal((await alice.req('GET', '/api/v1/identities/by-name/prod-aws')).json().id, id, 'by name');
  isProblem(t, await bob.req('GET', `/api/v1/identities/${id}`), 404, 'another user’s identity');
  isProblem(t, await bob.req('GET', '/api/v1/identities/by-name/prod-aws'), 404, 'another user’s identity by name');
  isProblem(t, await app.inject({ method: 'GET', url: '/api/v1/identities' }), 401, 'no token');

  const test = await alice.req('POST', `/api/v1/identities/${id}/test`);
  t.equal(test.statusCode, 202, 'a connection test is queued');
  t.match(test.json(), { type: 'CONNECTION_TEST', identity_id: id, status: 'QUEUED' });
  const discover = await alice.req('POST', `/api/v1/identities/${id}/discover`);
  t.match(discover.json(), { type: 'FETCH_RESOURCES', identity_id: id }, 'a discovery is queued');
  isProblem(t, await bob.req('POST', `/api/v1/identities/${id}/test`), 404, 'testing another user’s identity');
  isProblem(t, await bob.req('POST', `/api/v1/identities/${id}/discover`), 404, 'discovering with another user’s identity');
  t.equal((await alice.req('GET', `/api/v1/jobs/${test.json().id}`)).json().type, 'CONNECTION_TEST', 'the job can be followed');
  t.equal((await alice.req('POST', `/api/v1/identities/${role.json().id}/test`)).statusCode, 202, 'a job of another identity');
  const used = (await alice.req('GET', `/api/v1/identities/${id}/jobs`)).json();
  t.same(used.items.map((j: { type: string }) => j.type), ['FETCH_RESOURCES', 'CONNECTION_TEST'], 'the identity\'s jobs, newest first, and no other\'s');
  const first = (await alice.req('GET', `/api/v1/identities/${id}/jobs?limit=1`)).json();
  t.equal(first.items.length, 1);
  const second = (await alice.req('GET', `/api/v1/identities/${id}/jobs?limit=1&cursor=${first.next_cursor}`)).json();
  t.same([first.items[0].type, second.items[0].type, second.next_cursor], ['FETCH_RESOURCES', 'CONNECTION_TEST', null], 'paged by cursor');
  isProblem(t, await alice.req('GET', `/api/v1/identities/${id}/jobs?cursor=nonsense`), 400, 'a cursor it never gave out');
  isProblem(t, await bob.req('GET', `/api/v1/identities/${id}/jobs`), 404, 'another user’s identity’s jobs');

  const vy = (await alice.req('POST', '/api/v1/vineyards', { name: 'acme' })).json();
  await alice.req('POST', `/api/v1/vineyards/${vy.id}/vines`, { name: 'shop', stage: 'development', identity: 'role' });
  const inUse = isProblem(t, await alice.req('DELETE', `/api/v1/identities/${role.json().id}`), 409, 'an identity in use');
  t.match(inUse.detail, /acme\/shop/, 'names the vine using it');
  isProblem(t, await bob.req('DELETE', `/api/v1/identities/${id}`), 404, 'deleting another user’s identity');
  t.equal((await alice.req('DELETE', `/api/v1/identities/${id}`)).statusCode, 204, 'deleted');
  isProblem(t, await alice.req('GET', `/api/v1/identities/${id}`), 404, 'gone');
});

t.test('tendrils: listed for any signed-in user', async (t) => {
  const { app, alice, db } = await apiApp(t);
  await db.knex('tendrils').insert([
    { name: 'worker-b', host: 'h1', pid: 1, version: '0.1.0', terraform_version: '1.11.4', concurrency: 4 },
    { name: 'worker-a', host: 'h2', pid: 2, version: '0.1.0', concurrency: 2, status: 'STOPPED', stopped_at: new Date() },
    { name: 'ancient', host: 'h3', pid: 3, version: '0.0.1', concurrency: 1, status: 'DEAD', last_seen_at: new Date(Date.now() - 3 * 86_400_000) },
  ]);
  const list = await alice.req('GET', '/api/v1/tendrils');
  t.equal(list.statusCode, 200);
  t.same(list.json().items.map((x: { name: string; status: string }) => `${x.name}:${x.status}`), ['worker-b:RUNNING', 'worker-a:STOPPED'], 'running first; long-dead ones left out');
  t.equal(list.json().items[0].running_jobs, 0, 'with how busy each is');
  isProblem(t, await app.inject({ method: 'GET', url: '/api/v1/tendrils' }), 401, 'no token');
});
