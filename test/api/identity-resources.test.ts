/** GET /api/v1/identities/:id/resources: the last discovery's networks, subnets and zones, paged; the identity's `discovery`. */
import t from 'tap';
import { apiApp, isProblem } from './helpers.js';
import { AWS_RESOURCES, seedDiscovery } from '../fixtures.js';

t.test('resources: paged by kind then name, one kind, 400 for an unknown kind, 404 for another user', async (t) => {
  const { app, alice, bob, db } = await apiApp(t);
  const created = await alice.req('POST', '/api/v1/identities', { name: 'prod', provider: 'aws', region: 'eu-west-1', role_arn: 'arn:aws:iam::123456789012:role/vintner' });
  const id = created.json().id as string;
  t.equal(created.json().discovery, null, 'a new identity has discovered nothing');
  t.same((await alice.req('GET', `/api/v1/identities/${id}/resources`)).json(), { items: [], next_cursor: null }, 'an empty page before any discovery');

  const jobId = await seedDiscovery(db.knex, id, AWS_RESOURCES, { agoMs: 3_600_000 });
  const all = await alice.req('GET', `/api/v1/identities/${id}/resources`);
  t.equal(all.statusCode, 200);
  t.same(all.json().items.map((r: { kind: string; external_id: string }) => `${r.kind}:${r.external_id}`), [
    'dns_zone:Z0PRIVATE', 'dns_zone:Z0PUBLIC', 'network:vpc-0default', 'network:vpc-0shop', 'subnet:subnet-0a', 'subnet:subnet-0b',
  ], 'by kind, then name');
  t.match(all.json().items.find((r: { external_id: string }) => r.external_id === 'subnet-0a'), {
    kind: 'subnet', name: 'shop-a', region: 'eu-west-1', data: { cidr: '10.20.1.0/24', availability_zone: 'eu-west-1a', network_id: 'vpc-0shop' }, discovered_at: /^\d{4}-\d\d-\d\dT/,
  }, 'snake_case, with CIDR and zone');

  const nets = (await alice.req('GET', `/api/v1/identities/${id}/resources?kind=network`)).json();
  t.same(nets.items.map((r: { external_id: string }) => r.external_id), ['vpc-0default', 'vpc-0shop'], 'one kind');
  const first = (await alice.req('GET', `/api/v1/identities/${id}/resources?limit=4`)).json();
  t.equal(first.items.length, 4);
  const rest = (await alice.req('GET', `/api/v1/identities/${id}/resources?limit=4&cursor=${first.next_cursor}`)).json();
  t.same([rest.items.length, rest.next_cursor], [2, null], 'the second page holds the rest');

  const bad = isProblem(t, await alice.req('GET', `/api/v1/identities/${id}/resources?kind=vpc`), 400, 'an unknown kind');
  t.match(bad.errors, [{ field: 'kind' }], 'names the kind');
  isProblem(t, await bob.req('GET', `/api/v1/identities/${id}/resources`), 404, 'another user’s identity');
  isProblem(t, await alice.req('GET', '/api/v1/identities/00000000-0000-4000-8000-000000000000/resources'), 404, 'an unknown identity');
  isProblem(t, await app.inject({ method: 'GET', url: `/api/v1/identities/${id}/resources` }), 401, 'no token');

  const identity = (await alice.req('GET', `/api/v1/identities/${id}`)).json();
  t.match(identity, { last_test_status: null, last_test_message: null, last_tested_at: null }, 'the answer keeps last_test_*');
  t.match(identity.discovery, { job_id: jobId, resources: 6, kinds: { network: 2, subnet: 2, dns_zone: 2 }, truncated: false, message: null, stale: false }, 'and says what the last discovery found');
  const older = await seedDiscovery(db.knex, id, AWS_RESOURCES.slice(0, 1), { agoMs: 2 * 86_400_000, truncated: true, message: 'Showing the first 1 resources (1 networks) of more: raise the resource limit (now 1) to see them all.' });
  t.equal((await alice.req('GET', `/api/v1/identities/${id}`)).json().discovery.job_id, jobId, 'the newest discovery counts');
  await db.knex('provision_jobs').where({ id: jobId }).delete();
  const old = (await alice.req('GET', '/api/v1/identities/by-name/prod')).json().discovery;
  t.equal(old.job_id, older);
  t.match(old, { resources: 1, truncated: true, message: /raise the resource limit/, stale: true }, 'older than a day: stale; truncated says so');
  t.equal((await alice.req('GET', '/api/v1/identities')).json().items.find((i: { id: string }) => i.id === id).discovery.stale, true, 'in the list too');
});

t.test('the OpenAPI document names the route and its schema', async (t) => {
  const { app } = await apiApp(t);
  const doc = (await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
  const op = doc.paths['/api/v1/identities/{id}/resources'].get;
  t.ok(op, 'documented');
  const kind = op.parameters.find((p: { name: string }) => p.name === 'kind');
  t.ok(kind, 'with its kind parameter');
  t.ok(doc.components.schemas.DiscoveredResource, 'DiscoveredResource is a named schema');
  t.ok(doc.components.schemas.Identity.properties.discovery, 'the identity documents its discovery');
  t.ok(doc.components.schemas.Identity.properties.last_test_message, 'and keeps last_test_message');
});
