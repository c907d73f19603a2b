/**
 * /api/v1/pools: create, read, rename, delete (409 naming what holds it), tokens answered once
 * and revoked, its Tendrils; binding identities with PATCH /identities/:id; another user's pool
 * a 404 on every route.
 */
import t from 'tap';
import { apiApp, isProblem } from './helpers.js';
import { authenticatePoolToken } from '../../src/domain/pools/service.js';

t.test('pools: create, list, get, rename, tokens once, Tendrils, bind identities, delete', async (t) => {
  const { app, alice, db } = await apiApp(t);
  const created = await alice.req('POST', '/api/v1/pools', { name: 'edge', description: 'ECS, eu-west-1' });
  t.equal(created.statusCode, 201, 'created');
  const pool = created.json();
  t.same([pool.name, pool.description, pool.tendrils_online, pool.running_jobs, pool.active_tokens, pool.identities], ['edge', 'ECS, eu-west-1', 0, 0, 0, []], 'as declared');
  const bad = isProblem(t, await alice.req('POST', '/api/v1/pools', { name: 'Edge!' }), 400, 'a bad name');
  t.match(bad.errors?.[0], { field: 'name', message: /expected lowercase letters, digits and hyphens/ }, 'per field');
  const dup = isProblem(t, await alice.req('POST', '/api/v1/pools', { name: 'edge' }), 400, 'a taken name');
  t.same(dup.errors, [{ field: 'name', message: 'a pool named "edge" already exists' }]);
  isProblem(t, await alice.req('POST', '/api/v1/pools', { name: 'x', tokens: 3 }), 400, 'an unknown field');

  await alice.req('POST', '/api/v1/pools', { name: 'batch' });
  const page1 = (await alice.req('GET', '/api/v1/pools?limit=1')).json();
  const page2 = (await alice.req('GET', `/api/v1/pools?limit=1&cursor=${page1.next_cursor}`)).json();
  t.same([...page1.items, ...page2.items].map((p: { name: string }) => p.name), ['batch', 'edge'], 'listed by name, in pages');
  t.equal(page2.next_cursor, null, 'two pages');
  t.equal((await alice.req('GET', `/api/v1/pools/${pool.id}`)).json().name, 'edge', 'by id');
  t.equal((await alice.req('GET', '/api/v1/pools/by-name/edge')).json().id, pool.id, 'by name');
  const patched = await alice.req('PATCH', `/api/v1/pools/${pool.id}`, { name: 'edge-eu' });
  t.same([patched.statusCode, patched.json().name, patched.json().description], [200, 'edge-eu', 'ECS, eu-west-1'], 'renamed, description kept');

  // Tokens: answered once, listed without the secret, revoked.
  const made = await alice.req('POST', `/api/v1/pools/${pool.id}/tokens`, { name: 'ecs-service' });
  t.equal(made.statusCode, 201, 'token made');
  const { token, ...tokenRow } = made.json();
  t.match(token, /^vtp_[A-Za-z0-9_-]{43}$/, 'the token, this once');
  t.equal(tokenRow.prefix, token.slice(0, 12), 'and its prefix');
  const listed = await alice.req('GET', `/api/v1/pools/${pool.id}/tokens`);
  t.same(listed.json().items.map((k: { id: string }) => k.id), [tokenRow.id], 'listed');
  t.notOk(listed.body.includes(token), 'never the token again');
  t.notOk(listed.body.includes('hash'), 'nor its hash');
  t.same(Object.keys(listed.json().items[0]).sort(), ['created_at', 'id', 'last_used_at', 'name', 'pool_id', 'prefix', 'revoked_at'], 'exactly the declared fields');
  t.same(await authenticatePoolToken(db.knex, token), { poolId: pool.id, tokenId: tokenRow.id, userId: alice.userId }, 'the agent API would take it');
  isProblem(t, await app.inject({ method: 'GET', url: '/api/v1/pools', headers: { authorization: `Bearer ${token}` } }), 401, 'a pool token is no API token');
  isProblem(t, await alice.req('POST', `/api/v1/pools/${pool.id}/tokens`, {}), 400, 'a token needs a name');
  t.equal((await alice.req('DELETE', `/api/v1/pools/${pool.id}/tokens/${tokenRow.id}`)).statusCode, 204, 'revoked: 204');
  t.equal((await alice.req('DELETE', `/api/v1/pools/${pool.id}/tokens/${tokenRow.id}`)).statusCode, 204, 'revoking again: still 204');
  t.ok((await alice.req('GET', `/api/v1/pools/${pool.id}/tokens`)).json().items[0].revoked_at, 'shown revoked');
  t.equal(await authenticatePoolToken(db.knex, token), undefined, 'and the agent API refuses it');
  isProblem(t, await alice.req('DELETE', `/api/v1/pools/${pool.id}/tokens/00000000-0000-4000-8000-000000000000`), 404, 'an unknown token');

  // Its Tendrils, as they registered.
  await db.knex('tendrils').insert({ name: 'tendril-ecs-1', host: 'ip-10-0-1-5', pid: 1, version: '0.1.0', terraform_version: '1.9.8', concurrency: 1, pool_id: pool.id, location: 'ecs:eu-west-1/edge/3f2a' });
  await db.knex('tendrils').insert({ name: 'in-house', host: 'trellis', pid: 2, version: '0.1.0', concurrency: 1 });
  const tendrils = (await alice.req('GET', `/api/v1/pools/${pool.id}/tendrils`)).json();
  t.same(tendrils.items.map((x: { name: string; location: string; status: string }) => [x.name, x.location, x.status]), [['tendril-ecs-1', 'ecs:eu-west-1/edge/3f2a', 'RUNNING']], 'its Tendrils with where they run');
  t.equal((await alice.req('GET', `/api/v1/pools/${pool.id}`)).json().tendrils_online, 1, 'counted online');
  const all = (await alice.req('GET', '/api/v1/tendrils')).json().items.map((x: { name: string; pool_name: string | null }) => [x.name, x.pool_name]);
  t.same(all.sort(), [['in-house', null], ['tendril-ecs-1', 'edge-eu']], 'the Tendrils list names the pool');

  // Bind identities: at creation, and with PATCH.
  const gcp = await alice.req('POST', '/api/v1/identities', { name: 'gcp-prod', provider: 'gcp', project_id: 'shop-prod', region: 'europe-west1', pool_id: pool.id, credentials_from_pool: true });
  t.equal(gcp.statusCode, 201, 'a GCP identity with workload identity of the pool');
  t.same([gcp.json().pool_name, gcp.json().credentials_from_pool, gcp.json().has_credentials], ['edge-eu', true, false], 'answered with its pool');
  const lab = (await alice.req('GET', '/api/v1/identities/by-name/sandbox')).json();
  t.same([lab.pool_id, lab.credentials_from_pool], [null, false], 'the sandbox is in no pool');
  const bound = await alice.req('PATCH', `/api/v1/identities/${lab.id}`, { pool_id: pool.id });
  t.same([bound.statusCode, bound.json().pool_id, bound.json().pool_name], [200, pool.id, 'edge-eu'], 'bound with PATCH');
  const notUuid = isProblem(t, await alice.req('PATCH', `/api/v1/identities/${lab.id}`, { pool_id: 'edge' }), 400, 'a pool name where the id goes');
  t.same(notUuid.errors?.map((e) => e.field), ['pool_id'], 'names the field');
  isProblem(t, await alice.req('PATCH', `/api/v1/identities/${lab.id}`, { credentials_from_pool: true }), 400, 'a local identity takes no credentials');
  const leave = isProblem(t, await alice.req('PATCH', `/api/v1/identities/${gcp.json().id}`, { pool_id: null }), 409, 'an identity on its pool’s credentials cannot leave');
  t.match(leave.detail, `takes its credentials from pool "edge-eu"'s Tendrils`);

  const refused = isProblem(t, await alice.req('DELETE', `/api/v1/pools/${pool.id}`), 409, 'delete with identities bound');
  t.equal(refused.detail, 'pool "edge-eu" is used by identities "gcp-prod" and "sandbox": unbind them first (or delete them)', 'naming them');
  t.equal((await alice.req('DELETE', `/api/v1/identities/${gcp.json().id}`)).statusCode, 204);
  t.equal((await alice.req('PATCH', `/api/v1/identities/${lab.id}`, { pool_id: null })).json().pool_id, null, 'unbound');
  t.equal((await alice.req('DELETE', `/api/v1/pools/${pool.id}`)).statusCode, 204, 'then deleted');
  isProblem(t, await alice.req('GET', `/api/v1/pools/${pool.id}`), 404, 'gone');
});

t.test('another user’s pool: 404 on every route, nothing of it changes', async (t) => {
  const { alice, bob, db } = await apiApp(t);
  const pool = (await alice.req('POST', '/api/v1/pools', { name: 'edge' })).json();
  await db.knex('tendrils').insert({ name: 'alices-tendril', host: 'ip-10-9-9-9', pid: 1, version: '0.1.0', concurrency: 1, pool_id: pool.id, location: 'ecs:secret-cluster' });
  const seenByBob = await bob.req('GET', '/api/v1/tendrils');
  t.notOk(seenByBob.body.includes('alices-tendril') || seenByBob.body.includes('secret-cluster'), 'bob’s Tendril list shows nothing of alice’s pool');
  t.match((await alice.req('GET', '/api/v1/tendrils')).body, 'alices-tendril', 'alice’s does');
  const token = (await alice.req('POST', `/api/v1/pools/${pool.id}/tokens`, { name: 'ecs' })).json();
  const identity = (await alice.req('GET', '/api/v1/identities/by-name/sandbox')).json();
  const bobs = (await bob.req('GET', '/api/v1/identities/by-name/sandbox')).json();
  const routes: Array<[string, string, unknown?]> = [
    ['GET', `/api/v1/pools/${pool.id}`],
    ['PATCH', `/api/v1/pools/${pool.id}`, { description: 'mine' }],
    ['DELETE', `/api/v1/pools/${pool.id}`],
    ['GET', `/api/v1/pools/${pool.id}/tendrils`],
    ['GET', `/api/v1/pools/${pool.id}/tokens`],
    ['POST', `/api/v1/pools/${pool.id}/tokens`, { name: 'stolen' }],
    ['DELETE', `/api/v1/pools/${pool.id}/tokens/${token.id}`],
    ['GET', '/api/v1/pools/by-name/edge'],
    ['PATCH', `/api/v1/identities/${identity.id}`, { pool_id: null }],
  ];
  for (const [method, url, body] of routes) {
    const theirs = isProblem(t, await bob.req(method as 'GET', url, body), 404, `${method} ${url.replace(/[0-9a-f-]{36}/g, ':id')} of another user`);
    const missing = isProblem(t, await bob.req(method as 'GET', url.replace(pool.id, '00000000-0000-4000-8000-000000000000').replace(identity.id, '00000000-0000-4000-8000-000000000000'), body), 404, 'and of a missing one');
    t.equal(theirs.title, missing.title, 'the same answer');
  }
  const foreign = isProblem(t, await bob.req('PATCH', `/api/v1/identities/${bobs.id}`, { pool_id: pool.id }), 400, 'binding one’s identity to another user’s pool');
  t.same(foreign.errors, [{ field: 'pool_id', message: `pool ${pool.id} not found` }], 'reads as not found');
  const foreignNew = isProblem(t, await bob.req('POST', '/api/v1/identities', { name: 'sneaky', provider: 'local', pool_id: pool.id }), 400, 'or a new identity');
  t.same(foreignNew.errors, [{ field: 'pool_id', message: `pool ${pool.id} not found` }], 'likewise');
  t.same((await bob.req('GET', '/api/v1/pools')).json().items, [], 'bob lists none');
  const still = (await alice.req('GET', `/api/v1/pools/${pool.id}`)).json();
  t.same([still.name, still.description, still.active_tokens], ['edge', '', 1], 'alice’s pool untouched, its token not revoked');
});
