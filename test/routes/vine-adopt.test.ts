/**
 * The plant / edit form adopting what an identity discovered: a select of networks and zones
 * (name, CIDR, region; "none: create a new one"), a typed id, the list's age or absence, "Discover
 * again" with and without JavaScript, and the warning of an id discovery has not seen.
 */
import t from 'tap';
import { buildTestApp } from '../helpers.js';
import { signedIn } from './agent.js';
import { AWS_RESOURCES, seedDiscovery } from '../fixtures.js';

const HX = { 'hx-request': 'true' };

t.test('adopting a discovered network and zone from the form', async (t) => {
  const { app } = await buildTestApp(t);
  const { knex } = app.deps;
  const { a } = await signedIn(app);
  const vy = String((await a.post('/vineyards', { name: 'Acme' })).headers.location);
  await a.get('/identities');
  for (const name of ['prod', 'fresh', 'bare']) {
    await a.post('/identities', { name, provider: 'aws', 'aws.region': 'eu-west-1', 'aws.role_arn': 'arn:aws:iam::123456789012:role/vintner' });
  }
  const id = async (name: string) => (await knex('cloud_identities').where({ name }).first('id')).id as string;
  await seedDiscovery(knex, await id('prod'), AWS_RESOURCES, { agoMs: 2 * 3600 * 1000 });
  await seedDiscovery(knex, await id('bare'), [], { agoMs: 30 * 3600 * 1000 });

  const blank = await a.get(`${vy}/plant`);
  t.match(blank.body, /<div class="field adopt" id="adopt-network" data-adopt="network" data-adopt-state="local"/, 'the sandbox: nothing to adopt');
  t.match(blank.body, /<option value="" selected>none: create a new one<\/option>/, 'none is chosen');
  t.match(blank.body, /<select name="identity"[^>]*hx-post="\/vine-form\/adoption"/, 'changing the identity asks for its lists');

  const base = { name: 'shop', stage: 'development', _defaults_stage: 'development', 'network.enabled': 'on', 'network.cidr_block': '10.1.0.0/16', 'dns.enabled': 'on', 'dns.domain_name': 'shop.example.com' };
  const lists = await a.post('/vine-form/adoption', { ...base, identity: 'prod' }, HX);
  t.equal(lists.statusCode, 200);
  t.match(lists.body, /<div class="field adopt" id="adopt-network" data-adopt="network" data-adopt-state="listed" hx-swap-oob="true"/, 'the network block, out of band');
  t.match(lists.body, /<div class="field adopt" id="adopt-dns" data-adopt="dns" data-adopt-state="listed" hx-swap-oob="true"/, 'and the zone block');
  t.match(lists.body, /<option value="vpc-0shop">shop — 10\.20\.0\.0\/16 — eu-west-1 \(vpc-0shop\)<\/option>/, 'a network with its name, CIDR and region');
  t.match(lists.body, /<option value="vpc-0default">172\.31\.0\.0\/16 — eu-west-1 — default \(vpc-0default\)<\/option>/, 'the default VPC');
  t.match(lists.body, /<option value="Z0PRIVATE">corp\.internal \(private\) \(Z0PRIVATE\)<\/option>/, 'a private zone');
  t.match(lists.body, /<option value="__typed">another id: type it below<\/option>/, 'and a typed id');
  t.match(lists.body, /2 networks of prod, discovered <time/, 'says when');
  t.notMatch(lists.body, /data-adopt-stale/, 'two hours old: not stale');
  t.match(lists.body, /data-adopt-discover[\s\S]*?>Discover again<\/button>/, 'offers Discover again');

  t.match((await a.post('/vine-form/adoption', { ...base, identity: 'fresh' }, HX)).body, /data-adopt-never>fresh has not discovered its networks yet\./, 'never discovered: says so');
  const bare = (await a.post('/vine-form/adoption', { ...base, identity: 'bare' }, HX)).body;
  t.match(bare, /data-adopt-empty>The last discovery of bare found no networks/, 'an empty list says so');
  t.match(bare, /data-adopt-stale>· older than a day/, 'and that it is older than a day');

  // Plant choosing a discovered network and zone: they land in the spec, with no warning.
  const planted = await a.post(`${vy}/plant`, { ...base, identity: 'prod', 'network.existing_network_id__pick': 'vpc-0shop', 'network.existing_network_id': 'ignored', 'dns.existing_zone_id__pick': 'Z0PUBLIC', 'dns.existing_zone_id': '' });
  t.equal(planted.statusCode, 303, planted.statusCode === 303 ? 'planted' : planted.body.slice(0, 400));
  const vineId = String(planted.headers.location).split('/').pop()!;
  const detail = await app.services.vines.get((await knex('vineyards').first('user_id')).user_id, vineId);
  t.equal(detail.spec.network?.existing_network_id, 'vpc-0shop', 'the chosen network is in the spec');
  t.equal(detail.spec.dns?.existing_zone_id, 'Z0PUBLIC', 'and the zone');
  t.notMatch((await a.get(`/vines/${vineId}`)).body, /Note:/, 'no warning for discovered ids');

  const edit = await a.get(`/vines/${vineId}/edit`);
  t.match(edit.body, /<option value="vpc-0shop" selected>shop — 10\.20\.0\.0\/16/, 'the edit form shows it chosen');

  // A typed id discovery has not seen: accepted, with a warning in the flash and the diff panel.
  const typed = { ...base, identity: 'prod', 'network.existing_network_id__pick': '__typed', 'network.existing_network_id': 'vpc-0new', 'dns.existing_zone_id__pick': '' };
  const diff = await a.post(`/vines/${vineId}/diff`, typed, HX);
  t.match(diff.body, /data-warnings><li>Network › Existing network ID: &quot;vpc-0new&quot; is not among the 2 networks identity &quot;prod&quot; last discovered/, 'the diff panel warns');
  const saved = await a.post(`/vines/${vineId}/edit`, typed);
  t.equal(saved.statusCode, 303, 'saved anyway');
  const after = await a.get(`/vines/${vineId}`);
  t.match(after.body, /Note: Network › Existing network ID: &quot;vpc-0new&quot; is not among the 2 networks identity &quot;prod&quot; last discovered: it is kept as given; check the id, or discover again if it is new/, 'the flash says so');
  const again = await a.get(`/vines/${vineId}/edit`);
  t.match(again.body, /<option value="__typed" selected>another id: type it below<\/option>/, 'a typed id shows as typed');
  t.match(again.body, /name="network\.existing_network_id" value="vpc-0new"/, 'with its value');
  t.match(again.body, /<option value="" selected>none: create a new one<\/option>[\s\S]*id="adopt-dns"|id="adopt-dns"[\s\S]*<option value="" selected>none: create a new one/, 'the zone: none, create a new one');

  // Discover again: without JavaScript the form comes back with the job queued; with htmx the blocks follow it.
  const prodId = await id('prod');
  const noJs = await a.post(`/vines/${vineId}/edit`, { ...typed, _discover: prodId });
  t.equal(noJs.statusCode, 200, 'the form again');
  t.match(noJs.body, /Discovery queued \(job [0-9a-f-]{36}\)/, 'saying the discovery is queued');
  t.match(noJs.body, /name="network\.existing_network_id" value="vpc-0new"/, 'with the changes kept');
  t.match(noJs.body, /data-adopt-state="discovering"/, 'and the lists waiting for it');
  await knex('provision_jobs').where({ identity_id: prodId, status: 'QUEUED' }).delete();
  const htmx = await a.post('/vine-form/adoption', { ...typed, _discover: prodId }, HX);
  t.match(htmx.body, /data-adopt-state="discovering"[\s\S]*Discovering the networks of prod… \(<a href="\/jobs\/[0-9a-f-]{36}">job<\/a>\)/, 'htmx: the blocks say it is discovering');
  t.match(htmx.body, /data-adopt-poll hx-post="\/vine-form\/adoption" hx-include="closest form" hx-trigger="every 1s"/, 'and follow it');
  t.equal(Number((await knex('provision_jobs').where({ identity_id: prodId, type: 'FETCH_RESOURCES' }).count('* as n'))[0]!.n), 2, 'the htmx Discover again queued a FETCH_RESOURCES (beside the seeded one)');
  t.equal((await a.post('/vine-form/adoption', { ...base, identity: 'prod', _discover: '00000000-0000-4000-8000-000000000000' }, HX)).statusCode, 404, 'not for an identity of someone else');
});
