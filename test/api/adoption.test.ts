/** A vine spec adopting an existing network or zone: accepted with a warning when discovery has not seen the id. */
import t from 'tap';
import { apiApp } from './helpers.js';
import { AWS_RESOURCES, seedDiscovery } from '../fixtures.js';

t.test('create, diff and replace answer warnings for ids the identity has not discovered', async (t) => {
  const { alice, db } = await apiApp(t);
  const prod = (await alice.req('POST', '/api/v1/identities', { name: 'prod', provider: 'aws', region: 'eu-west-1', role_arn: 'arn:aws:iam::123456789012:role/vintner' })).json();
  const vy = (await alice.req('POST', '/api/v1/vineyards', { name: 'acme' })).json();
  const spec = (network: string | null, zone: string | null = null) => ({ name: 'shop', stage: 'development', identity: 'prod', network: { existing_network_id: network }, dns: { domain_name: 'shop.example.com', existing_zone_id: zone } });

  const never = await alice.req('POST', `/api/v1/vineyards/${vy.id}/vines`, spec('vpc-0shop'));
  t.equal(never.statusCode, 201, 'accepted before any discovery');
  t.same(never.json().warnings, [{ field: 'network.existing_network_id', message: 'identity "prod" has not discovered its networks yet, so "vpc-0shop" could not be checked: it is kept as given; discover them (Identities page, or grape identities discover prod) to check it' }]);
  const vineId = never.json().vine.id as string;
  t.equal(never.json().spec.network.existing_network_id, 'vpc-0shop', 'the id is in the spec');

  await seedDiscovery(db.knex, prod.id, AWS_RESOURCES);
  const seen = await alice.req('POST', `/api/v1/vines/${vineId}/diff`, spec('vpc-0shop', 'Z0PUBLIC'));
  t.equal(seen.statusCode, 200);
  t.same(seen.json().warnings, [], 'discovered ids: no warning');
  const unseen = await alice.req('POST', `/api/v1/vines/${vineId}/diff`, spec('vpc-0gone', 'Z0NOPE'));
  t.same(unseen.json().warnings, [
    { field: 'network.existing_network_id', message: '"vpc-0gone" is not among the 2 networks identity "prod" last discovered: it is kept as given; check the id, or discover again if it is new' },
    { field: 'dns.existing_zone_id', message: '"Z0NOPE" is not among the 2 DNS zones identity "prod" last discovered: it is kept as given; check the id, or discover again if it is new' },
  ], 'the diff warns per field');
  const put = await alice.req('PUT', `/api/v1/vines/${vineId}`, spec('vpc-0gone', 'Z0PRIVATE'));
  t.equal(put.statusCode, 200, 'a replace is accepted too');
  t.same(put.json().warnings.map((w: { field: string }) => w.field), ['network.existing_network_id'], 'with its warnings');
  t.same(put.json().diff.warnings, put.json().warnings, 'the diff inside says the same');
  t.equal(put.json().vine.spec.network.existing_network_id, 'vpc-0gone', 'kept as given');
  t.equal(put.json().vine.spec.dns.existing_zone_id, 'Z0PRIVATE');

  const sandbox = await alice.req('POST', `/api/v1/vineyards/${vy.id}/vines`, { ...spec('vpc-x'), name: 'lab', identity: 'sandbox' });
  t.same(sandbox.json().warnings, [{ field: 'network.existing_network_id', message: 'the local sandbox discovers no networks: "vpc-x" is kept as given' }], 'the sandbox says it has nothing to adopt');
  const plain = await alice.req('POST', `/api/v1/vineyards/${vy.id}/vines`, { name: 'blog', stage: 'development', identity: 'prod', network: {} });
  t.same(plain.json().warnings, [], 'no id: no warning');
});

t.test('the OpenAPI document declares the warnings', async (t) => {
  const { app } = await apiApp(t);
  const doc = (await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
  t.ok(doc.components.schemas.SpecWarning, 'SpecWarning is named');
  t.ok(doc.components.schemas.VineCreated.properties.warnings, 'planting answers warnings');
  t.ok(doc.components.schemas.VineReplaced.properties.warnings, 'replacing too');
  t.ok(doc.components.schemas.VineDiff.properties.warnings, 'and the diff');
});
