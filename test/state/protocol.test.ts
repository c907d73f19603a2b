/**
 * Terraform's http backend as Trellis serves it (/api/v1/state/…, through app.inject) and as an
 * in-house Tendril's local server does (real HTTP): the same handler, the same answers — 401 for
 * a missing, garbled or wrong credential, 403 for a job that does not run on the state, 204 for no
 * state, 423 with the holder's lock info, 400 for a body that is no state or lock info.
 */
import t, { type Test } from 'tap';
import { randomUUID } from 'node:crypto';
import { buildTestApp } from '../helpers.js';
import { seedVine, type SeededVine } from '../fixtures.js';
import { startLocalStateServer } from '../../src/state/local-server.js';
import { basic, jobOf, stateDoc, type TestJob } from './helpers.js';

interface Answer {
  status: number;
  type: string;
  body: string;
}
type Send = (method: string, path: string, o?: { auth?: string; body?: string | Buffer; id?: string; type?: string }) => Promise<Answer>;

async function transports(t: Test): Promise<Array<{ name: string; send: Send; setup: Awaited<ReturnType<typeof buildTestApp>>; refused: string[] }>> {
  const route = await buildTestApp(t);
  const local = await buildTestApp(t);
  const refused: string[] = [];
  const server = await startLocalStateServer(local.app.services.state, { refused: (r) => refused.push(`${r.method} ${r.status}`) });
  t.teardown(() => server.close());
  const base = server.url({ vineId: randomUUID() }).replace(/\/vines\/.*$/, '');
  const headers = (o: { auth?: string; type?: string }) => ({ ...(o.auth ? { authorization: o.auth } : {}), 'content-type': o.type ?? 'application/json' });
  return [
    {
      name: 'Trellis /api/v1/state',
      setup: route,
      refused: [],
      send: async (method, path, o = {}) => {
        const res = await route.app.inject({ method: method as 'GET', url: `/api/v1/state${path}${o.id ? `?ID=${encodeURIComponent(o.id)}` : ''}`, headers: headers(o), ...(o.body !== undefined ? { payload: o.body } : {}) });
        return { status: res.statusCode, type: String(res.headers['content-type'] ?? ''), body: res.body };
      },
    },
    {
      name: 'the local state server',
      setup: local,
      refused,
      send: async (method, path, o = {}) => {
        const res = await fetch(`${base}${path}${o.id ? `?ID=${encodeURIComponent(o.id)}` : ''}`, { method, headers: headers(o), ...(o.body !== undefined ? { body: typeof o.body === 'string' ? o.body : new Uint8Array(o.body) } : {}) });
        return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
      },
    },
  ];
}

t.test('the http backend protocol, through Trellis and through the local server', async (t) => {
  for (const { name, send, setup, refused } of await transports(t)) {
    await t.test(name, async (t) => {
      const { knex } = setup.db;
      const v: SeededVine = await seedVine(knex);
      const path = `/vines/${v.vineId}`;
      const a: TestJob = await jobOf(knex, v, { type: 'DEPLOY' });
      const b: TestJob = await jobOf(knex, v);
      const auth = (j: TestJob) => basic(j.id, j.token);
      const versions = async () => (await knex('terraform_states').where({ vine_id: v.vineId })).length;
      // The backend's own refusals are `{ error }`; a bearer token is refused by Trellis's token check first (problem+json).
      const errorOf = (r: Answer) => ((b: { error?: string; detail?: string }) => b.error ?? b.detail ?? '')(JSON.parse(r.body));

      // Who may: 401 for no, garbled or wrong credentials; 403 for a job that is not running or not this state's.
      for (const [what, authorization] of [
        ['no credentials', undefined],
        ['garbled basic auth', 'Basic !!!not-base64'],
        ['basic auth without a colon', `Basic ${Buffer.from('just-a-user').toString('base64')}`],
        ['a bearer token', `Bearer ${a.token}`],
        ['a wrong credential', basic(a.id, 'vnt_wrong')],
        ['a job id that is no id', basic('not-a-job', a.token)],
      ] as const) {
        const r = await send('GET', path, { ...(authorization ? { auth: authorization } : {}) });
        t.equal(r.status, 401, `${what}: 401`);
        t.match(r.type, /application\/(problem\+)?json/, `${what}: a JSON answer`);
        t.ok(errorOf(r).length > 0, `${what}: says why (${errorOf(r)})`);
      }
      const queued = await jobOf(knex, v, { status: 'QUEUED' });
      let r = await send('GET', path, { auth: auth(queued) });
      t.equal(r.status, 403, 'a job that is not running: 403');
      t.match(errorOf(r), 'is QUEUED');
      const other = await seedVine(knex, { name: 'other' });
      const theirs = await jobOf(knex, other);
      r = await send('GET', path, { auth: auth(theirs) });
      t.equal(r.status, 403, 'a job of another vine: 403');
      r = await send('GET', `/pools/${randomUUID()}`, { auth: auth(a) });
      t.equal(r.status, 403, 'a vine’s job on a pool’s state: 403');
      r = await send('GET', '/vines/not-a-uuid', { auth: auth(a) });
      t.equal(r.status, 404, 'no such state address: 404');

      // Read and write.
      r = await send('GET', path, { auth: auth(a) });
      t.equal(r.status, 204, 'no state yet: 204');
      t.equal(r.body, '', 'with no body');
      const lineage = randomUUID();
      const first = stateDoc({ serial: 1, lineage });
      t.equal((await send('POST', path, { auth: auth(a), body: first })).status, 200, 'POST a state: 200');
      r = await send('GET', path, { auth: auth(a) });
      t.equal(r.status, 200, 'GET: 200');
      t.match(r.type, /application\/json/, 'as JSON');
      t.equal(r.body, first.toString('utf8'), 'exactly the state written');
      t.equal((await send('POST', path, { auth: auth(a), body: first })).status, 200, 'the same state again: 200');
      t.equal(await versions(), 1, 'and still one version');
      r = await send('POST', path, { auth: auth(a), body: '{"serial": ' });
      t.equal(r.status, 400, 'a body that is no state: 400');
      t.match(errorOf(r), /not JSON/);
      r = await send('POST', path, { auth: auth(a), body: first, type: 'text/plain' });
      t.equal(r.status, 200, 'whatever content type it comes with, the body is the state');

      // Locks.
      const info = { ID: 'a-lock', Operation: 'OperationTypeApply', Who: 'runner@tendril-a', Version: '1.9.8', Created: '2026-12-01T10:00:00Z', Path: '', Info: '' };
      t.equal((await send('LOCK', path, { auth: auth(a), body: JSON.stringify(info) })).status, 200, 'LOCK: 200');
      t.equal((await send('LOCK', path, { auth: auth(a), body: JSON.stringify(info) })).status, 200, 'the same lock again: 200');
      r = await send('LOCK', path, { auth: auth(b), body: JSON.stringify({ ID: 'b-lock', Who: 'someone-else' }) });
      t.equal(r.status, 423, 'another job’s LOCK: 423 Locked');
      t.same(JSON.parse(r.body), info, 'with the holder’s lock info, as Terraform expects it');
      for (const bad of ['', 'not json', '{}', JSON.stringify({ ID: '' }), JSON.stringify({ ID: 'x'.repeat(201) })]) {
        t.equal((await send('LOCK', path, { auth: auth(b), body: bad })).status, 400, `LOCK with ${JSON.stringify(bad.slice(0, 20))}: 400`);
      }
      const second = stateDoc({ serial: 2, lineage, databases: ['main', 'reports'] });
      r = await send('POST', path, { auth: auth(b), body: second });
      t.equal(r.status, 423, 'another job’s POST while locked: 423');
      t.equal(JSON.parse(r.body).ID, 'a-lock', 'naming the lock');
      t.equal((await send('DELETE', path, { auth: auth(b) })).status, 423, 'and its DELETE');
      t.equal((await send('POST', path, { auth: auth(a), body: second, id: 'a-lock' })).status, 200, 'the holder’s POST ?ID=<lock>: 200');
      t.equal(await versions(), 2, 'a new version');
      r = await send('UNLOCK', path, { auth: auth(b), body: JSON.stringify({ ID: 'b-lock' }) });
      t.equal(r.status, 423, 'UNLOCK with a wrong id: 423');
      t.equal(JSON.parse(r.body).ID, 'a-lock', 'the lock stays, named');
      t.equal((await send('UNLOCK', path, { auth: auth(a), body: JSON.stringify(info) })).status, 200, 'UNLOCK with its id: 200');
      t.equal((await knex('terraform_state_locks')).length, 0, 'released');
      t.equal((await send('LOCK', path, { auth: auth(b), body: JSON.stringify({ ID: 'b-lock' }) })).status, 200, 'then the other job locks');
      t.equal((await send('UNLOCK', path, { auth: auth(b), body: JSON.stringify({ ID: 'b-lock' }) })).status, 200, 'and unlocks');

      // Delete: a new, empty version; GET answers none.
      t.equal((await send('DELETE', path, { auth: auth(a) })).status, 200, 'DELETE: 200');
      t.equal((await send('GET', path, { auth: auth(a) })).status, 204, 'then no state: 204');
      t.equal(await versions(), 3, 'the history kept, with the deletion');

      // The credential dies with the run.
      await knex('provision_jobs').where({ id: a.id }).update({ status: 'SUCCESS', finished_at: knex.fn.now() });
      t.equal((await send('POST', path, { auth: auth(a), body: stateDoc({ serial: 9, lineage }) })).status, 403, 'a job that ended can write no more');
      t.equal(await versions(), 3, 'nothing written');
      if (name === 'the local state server') t.ok(refused.includes('LOCK 423') && refused.includes('GET 401'), `refused requests reach the Tendril’s log (${refused.length})`);
    });
  }
});

t.test('a method that is not the backend’s', async (t) => {
  const [route, local] = await transports(t);
  const v = await seedVine(route!.setup.db.knex);
  const job = await jobOf(route!.setup.db.knex, v);
  const r = await route!.send('PUT', `/vines/${v.vineId}`, { auth: basic(job.id, job.token), body: '{}' });
  t.equal(r.status, 404, `Trellis: PUT is no route (${r.status})`);
  t.match(r.type, /application\/problem\+json/, 'answered as a problem');
  const lv = await seedVine(local!.setup.db.knex);
  const lj = await jobOf(local!.setup.db.knex, lv);
  const l = await local!.send('PUT', `/vines/${lv.vineId}`, { auth: basic(lj.id, lj.token), body: '{}' });
  t.equal(l.status, 405, 'the local server: 405');
  t.match(JSON.parse(l.body).error, /GET, POST, DELETE, LOCK, UNLOCK/, 'naming the methods');
});
