/**
 * Another user's vineyard, vine, job or identity is a 404 on every page route that takes an id —
 * the same answer as for an id that does not exist — and never shows or changes its data.
 */
import t from 'tap';
import { buildTestApp } from '../helpers.js';
import { signedIn } from './agent.js';
import { CANARY, stateDoc } from '../state/helpers.js';

t.test('the cross-user 404 matrix', async (t) => {
  const { app } = await buildTestApp(t);
  const { knex } = app.deps;
  const owner = await signedIn(app);
  const vyUrl = String((await owner.a.post('/vineyards', { name: 'Secret Garden' })).headers.location);
  const vy = vyUrl.split('/').pop()!;
  await owner.a.get(`${vyUrl}/plant`);
  const planted = await owner.a.post(`${vyUrl}/plant`, { name: 'hidden-vine', stage: 'development', identity: 'sandbox', 'network.enabled': 'on', 'secrets.0.name': 'token', 'secrets.0.value': 'owner-secret-value' });
  const vine = String(planted.headers.location).split('/').pop()!;
  await owner.a.get(`/vines/${vine}`);
  const job = String((await owner.a.post(`/vines/${vine}/plan`)).headers.location).split('/').pop()!;
  await owner.a.post('/identities', { name: 'owner-lab', provider: 'local' });
  const identity = (await knex('cloud_identities').where({ user_id: owner.userId, name: 'owner-lab' }).first('id')).id as string;
  const pool = String((await owner.a.post('/pools', { name: 'owner-pool' })).headers.location).split('/').pop()!;
  await owner.a.get(`/pools/${pool}`);
  await owner.a.post(`/pools/${pool}/tokens`, { name: 'owner-token' });
  const poolToken = (await knex('pool_tokens').where({ pool_id: pool }).first('id')).id as string;
  await app.services.state.write({ vineId: vine }, stateDoc({ serial: 1, lineage: 'owner' }), { jobId: job, tendrilId: null }, undefined);
  await app.services.state.write({ vineId: vine }, stateDoc({ serial: 2, lineage: 'owner', databases: ['b'] }), { jobId: job, tendrilId: null }, undefined);

  const intruder = await signedIn(app);
  const { a } = intruder;
  const missing = '00000000-0000-4000-8000-000000000000';
  const routes: Array<[string, string]> = [
    ['GET', `/vineyards/${vy}`], ['GET', `/vineyards/${vy}/plant`], ['POST', `/vineyards/${vy}/plant`], ['POST', `/vineyards/${vy}/rename`], ['POST', `/vineyards/${vy}/delete`],
    ['GET', `/vines/${vine}`], ['GET', `/vines/${vine}/edit`], ['POST', `/vines/${vine}/edit`], ['POST', `/vines/${vine}/diff`], ['POST', `/vines/${vine}/delete`],
    ['GET', `/vines/${vine}/events`], ['POST', `/vines/${vine}/plan`], ['POST', `/vines/${vine}/harvest`], ['POST', `/vines/${vine}/destroy`],
    ['GET', `/jobs/${job}`], ['GET', `/jobs/${job}/events`], ['GET', `/jobs/${job}/log`], ['POST', `/jobs/${job}/cancel`],
    ['POST', `/identities/${identity}/delete`], ['POST', `/identities/${identity}/test`], ['GET', `/jobs?identity=${identity}`],
    ['POST', `/identities/${identity}/discover`], ['GET', `/identities/${identity}/row`], ['GET', `/identities/${identity}/resources`], ['POST', `/identities/${identity}/pool`],
    ['GET', `/pools/${pool}`], ['GET', `/pools/${pool}/tendrils`], ['POST', `/pools/${pool}/tokens`], ['POST', `/pools/${pool}/tokens/${poolToken}/revoke`],
    ['POST', `/pools/${pool}/bind`], ['POST', `/pools/${pool}/deploy`], ['POST', `/pools/${pool}/rename`], ['POST', `/pools/${pool}/delete`],
    ['GET', `/vines/${vine}/state`], ['GET', `/vines/${vine}/state/1`], ['GET', `/vines/${vine}/state/1/restore`], ['POST', `/vines/${vine}/state/1/restore`],
  ];
  const form = { name: 'taken-over', stage: 'development', identity: 'sandbox', description: 'x' };
  for (const [method, url] of routes) {
    for (const [label, target] of [['another user\'s', url], ['a missing', url.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/, missing)], ['a malformed', url.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/, 'not-an-id')]] as const) {
      await a.get('/vineyards'); // a fresh CSRF token: the request must fail on ownership, not on the token
      const res = method === 'GET' ? await a.get(target) : await a.post(target, form);
      t.equal(res.statusCode, 404, `${method} ${url.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/, ':id')} with ${label} id: 404`);
      for (const leak of ['Secret Garden', 'hidden-vine', 'owner-lab', owner.email, 'owner-secret-value', CANARY, 'terraform_data', 'owner-pool', 'owner-token']) {
        if (res.body.includes(leak)) t.fail(`${method} ${url} shows ${leak}`);
      }
    }
  }
  // Nothing of the owner's changed.
  t.ok(await knex('vineyards').where({ id: vy, name: 'Secret Garden' }).first(), 'the vineyard is untouched');
  t.equal((await knex('vines').where({ id: vine }).first('status')).status, 'DRAFT', 'the vine is untouched');
  t.equal((await knex('provision_jobs').where({ id: job }).first('status')).status, 'QUEUED', 'the job was not cancelled');
  t.equal((await knex('provision_jobs').where({ vine_id: vine }).count<{ c: number }[]>('* as c'))[0]!.c, 1, 'no job was started on it');
  t.ok(await knex('cloud_identities').where({ id: identity }).first(), 'the identity is untouched');
  t.equal((await knex('terraform_states').where({ vine_id: vine })).length, 2, 'its state was not restored');
  t.equal((await knex('provision_jobs').where({ identity_id: identity }).first()), undefined, 'and not tested nor discovered');
  t.equal((await knex('cloud_identities').where({ id: identity }).first('pool_id')).pool_id, null, 'nor bound to a pool');
  t.ok(await knex('tendril_pools').where({ id: pool, name: 'owner-pool', description: '' }).first(), 'the pool is untouched');
  t.same(await knex('pool_tokens').where({ pool_id: pool }).select('name', 'revoked_at'), [{ name: 'owner-token', revoked_at: null }], 'its token neither revoked nor joined by another');
  // Nor discovered through the plant form's "Discover again", with or without JavaScript.
  await a.get('/vineyards');
  t.equal((await a.post('/vine-form/adoption', { identity: 'owner-lab', _discover: identity }, { 'hx-request': 'true' })).statusCode, 404, 'the form\'s Discover again: 404');
  t.equal((await knex('provision_jobs').where({ identity_id: identity }).first()), undefined, 'still no job of the owner\'s identity');
  const adopt = await a.post('/vine-form/adoption', { identity }, { 'hx-request': 'true' });
  t.notOk(adopt.body.includes('owner-lab'), 'naming the owner\'s identity in the form shows nothing of it');

  // Their own pages show nothing of the owner's either; a plan id of the owner is not theirs to apply.
  for (const url of ['/vineyards', '/jobs', '/identities', '/pools', '/tendrils']) {
    const res = await a.get(url);
    t.notOk(['Secret Garden', 'hidden-vine', 'owner-lab', 'owner-pool'].some((s) => res.body.includes(s)), `${url} lists only their own`);
  }
  const mine = String((await a.post('/vineyards', { name: 'Mine' })).headers.location);
  await a.get(`${mine}/plant`);
  const myVine = String((await a.post(`${mine}/plant`, { name: 'mine', stage: 'development', identity: 'sandbox' })).headers.location).split('/').pop()!;
  await a.get(`/vines/${myVine}`);
  const foreignPlan = await a.post(`/vines/${myVine}/harvest`, { plan_job_id: job });
  t.equal(foreignPlan.statusCode, 422, 'another user\'s plan cannot be harvested on one\'s own vine');
  const foreignIdentity = await a.post(`${mine}/plant`, { name: 'other', stage: 'development', identity: identity });
  t.equal(foreignIdentity.statusCode, 422, 'nor another user\'s identity used');
  t.match(foreignIdentity.body, /not found/);
});
