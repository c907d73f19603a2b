/**
 * The state store (src/domain/state/service.ts, history.ts) on a real Postgres: who may touch a
 * state, what a write keeps, the lock's rules, restore, inspect, salvage, the former pg backend's
 * state moved in, and that no state is ever stored in clear.
 */
import t, { type Test } from 'tap';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { freshDatabase } from '../helpers.js';
import { seedUser, seedVine, type SeededVine } from '../fixtures.js';
import { createSealer } from '../../src/domain/crypto.js';
import { ConflictError, ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from '../../src/domain/errors.js';
import { createStateService, releaseStateLocks, StateLockedError, type StateCaller } from '../../src/domain/state/service.js';
import { CANARY, docAddresses, jobOf, stateDoc, tendril } from './helpers.js';

async function setup(t: Test) {
  const db = await freshDatabase(t);
  const sealer = createSealer(randomBytes(32));
  const svc = createStateService({ knex: db.knex, sealer });
  const v = await seedVine(db.knex);
  return { knex: db.knex, sealer, svc, v, owner: { vineId: v.vineId } };
}

const caught = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e);
const versionsOf = async (knex: Knex, vineId: string) => knex('terraform_states').where({ vine_id: vineId }).orderBy('id').select('id', 'serial', 'lineage', 'resources', 'job_id', 'tendril_id', 'restored_from');
const as = (job: { id: string }, tendrilId: string | null = null): StateCaller => ({ jobId: job.id, tendrilId });

t.test('authorize: a running job of this state with its credential, nothing else', async (t) => {
  const { knex, svc, v, owner } = await setup(t);
  const tid = await tendril(knex);
  const job = await jobOf(knex, v, { tendrilId: tid });
  t.same(await svc.authorize(owner, job.id, job.token), { jobId: job.id, tendrilId: tid }, 'the running job, with its Tendril');
  t.same(await svc.authorize(owner, job.id, job.token), { jobId: job.id, tendrilId: tid }, 'CLAIMED or PROCESSING both run');

  for (const [what, id, token] of [
    ['no job id', '', job.token],
    ['no credential', job.id, ''],
    ['a job id that is no UUID', 'job-1', job.token],
    ['an unknown job', randomUUID(), job.token],
    ['a wrong credential', job.id, `${job.token}x`],
    ['another job’s credential', job.id, (await jobOf(knex, v)).token],
  ] as const) {
    const err = await caught(svc.authorize(owner, id, token));
    t.ok(err instanceof UnauthorizedError, `${what}: 401 (${(err as Error).message})`);
  }
  for (const status of ['QUEUED', 'SUCCESS', 'FAILED', 'CANCELLED']) {
    const other = await jobOf(knex, v, { status });
    const err = await caught(svc.authorize(owner, other.id, other.token));
    t.ok(err instanceof ForbiddenError, `a ${status} job: 403`);
    t.match((err as Error).message, `is ${status}`, 'saying the job is not running');
  }
  const elsewhere = await seedVine(knex, { name: 'other' });
  const theirs = await jobOf(knex, elsewhere);
  const err = await caught(svc.authorize(owner, theirs.id, theirs.token));
  t.ok(err instanceof ForbiddenError, 'a job of another vine: 403');
  t.match((err as Error).message, 'does not run on this state');
  t.ok((await caught(svc.authorize({ poolId: randomUUID() }, job.id, job.token))) instanceof ForbiddenError, 'a vine’s job on a pool’s state: 403');
  // The lease is the credential's life: a job whose run ended can do nothing more.
  await knex('provision_jobs').where({ id: job.id }).update({ status: 'FAILED', finished_at: knex.fn.now() });
  t.ok((await caught(svc.authorize(owner, job.id, job.token))) instanceof ForbiddenError, 'once it ended, its credential is refused');
});

t.test('read, write and remove: versions with who wrote them; the same state twice is one version', async (t) => {
  const { knex, svc, v, owner } = await setup(t);
  const tid = await tendril(knex);
  const job = await jobOf(knex, v, { tendrilId: tid });
  t.equal(await svc.read(owner), undefined, 'no state yet');
  const lineage = randomUUID();
  const first = stateDoc({ serial: 1, lineage });
  await svc.write(owner, first, as(job, tid), undefined);
  t.same(await svc.read(owner), first, 'read answers exactly what was written');
  await svc.write(owner, Buffer.from(first), as(job, tid), undefined);
  let rows = await versionsOf(knex, v.vineId);
  t.equal(rows.length, 1, 'the same bytes again (same md5): still one version');
  t.match(rows[0], { serial: 1, lineage, resources: docAddresses().length, job_id: job.id, tendril_id: tid, restored_from: null }, 'serial, lineage, resource instances, job and Tendril');

  const second = stateDoc({ serial: 2, lineage, databases: ['main', 'reports'] });
  await svc.write(owner, second, as(job, tid), undefined);
  rows = await versionsOf(knex, v.vineId);
  t.same(rows.map((r) => r.serial), [1, 2], 'a changed state: a new version');
  t.equal(rows[1].resources, docAddresses(['main', 'reports']).length, 'every instance counted');
  t.same(await svc.read(owner), second, 'the newest is the state');

  for (const [what, body] of [['not JSON', '{"serial": 3'], ['JSON null', 'null'], ['a number', '5'], ['no serial', JSON.stringify({ lineage })], ['no lineage', JSON.stringify({ serial: 3 })], ['empty', '']] as const) {
    const err = await caught(svc.write(owner, Buffer.from(body), as(job), undefined));
    t.ok(err instanceof ValidationError, `${what}: refused as invalid`);
  }
  t.equal((await versionsOf(knex, v.vineId)).length, 2, 'nothing stored by a refused write');

  await svc.remove(owner, as(job));
  t.equal(await svc.read(owner), undefined, 'removed: no state');
  rows = await versionsOf(knex, v.vineId);
  t.equal(rows.length, 3, 'removal is a new, empty version: the history stays');
  t.match(rows[2], { serial: 2, lineage, resources: 0, job_id: job.id });
  const page = await svc.versions(v.userId, v.vineId);
  t.same(page.items.map((s) => [s.version, s.current, s.deleted]), [[3, true, true], [2, false, false], [1, false, false]], 'listed newest first, the removal marked deleted');

  const empty = await seedVine(knex, { name: 'empty' });
  await svc.remove({ vineId: empty.vineId }, as(await jobOf(knex, empty)));
  t.equal((await versionsOf(knex, empty.vineId)).length, 0, 'removing a state that never was stores nothing');
});

t.test('locks: the holder named; same id again; own job takes over; wrong unlock refused; released by releaseStateLocks', async (t) => {
  const { knex, svc, v, owner } = await setup(t);
  const a = await jobOf(knex, v);
  const b = await jobOf(knex, v);
  const lineage = randomUUID();
  const info = { ID: 'lock-a', Operation: 'OperationTypeApply', Who: 'runner@tendril-a', Version: '1.9.8', Created: new Date().toISOString(), Path: '' };
  await svc.lock(owner, info, as(a));
  await svc.lock(owner, info, as(a));
  t.pass('the same lock id again: fine (Terraform retries)');

  let err = await caught(svc.lock(owner, { ID: 'lock-b', Who: 'other@tendril-b' }, as(b)));
  t.ok(err instanceof StateLockedError, 'another job’s lock: refused');
  t.same((err as StateLockedError).held, info, 'with the holder’s lock info (what Terraform prints)');
  err = await caught(svc.write(owner, stateDoc({ serial: 1, lineage }), as(b), undefined));
  t.ok(err instanceof StateLockedError, 'another job cannot write while it is held');
  err = await caught(svc.remove(owner, as(b)));
  t.ok(err instanceof StateLockedError, 'nor delete');
  await svc.write(owner, stateDoc({ serial: 1, lineage }), as(a), 'lock-a');
  await svc.write(owner, stateDoc({ serial: 2, lineage }), as(a), undefined);
  t.equal((await versionsOf(knex, v.vineId)).length, 2, 'the holder writes, with or without its lock id');

  // Its earlier command stopped with the store unreachable, its unlock lost: the job's next command takes over.
  await svc.lock(owner, { ID: 'lock-a2', Who: 'runner@tendril-a' }, as(a));
  t.equal((await knex('terraform_state_locks').first('lock_id')).lock_id, 'lock-a2', 'a job takes over its own earlier lock');

  err = await caught(svc.unlock(owner, 'lock-b'));
  t.ok(err instanceof StateLockedError, 'unlock with a wrong id: refused');
  t.equal((await knex('terraform_state_locks').first('lock_id')).lock_id, 'lock-a2', 'and the lock stays');
  await svc.unlock(owner, 'lock-a2');
  t.equal((await knex('terraform_state_locks')).length, 0, 'unlock with its id: released');
  await svc.unlock(owner, 'lock-a2');
  t.pass('unlocking a free state: fine');

  await svc.lock(owner, { ID: 'lock-b' }, as(b));
  const other = await seedVine(knex, { name: 'other' });
  await svc.lock({ vineId: other.vineId }, { ID: 'lock-c' }, as(await jobOf(knex, other)));
  t.equal(await releaseStateLocks(knex, [b.id, randomUUID()]), 1, 'releaseStateLocks: the locks of the jobs named');
  t.same((await knex('terraform_state_locks').pluck('lock_id')), ['lock-c'], 'and no other');
  t.equal(await releaseStateLocks(knex, []), 0, 'no job, nothing released');
  await svc.lock(owner, { ID: 'lock-a3' }, as(a));
  t.pass('the state is free again for the next run');
});

t.test('restore: a new version above the current serial, lineage kept; refused while locked or a job is open; per vine', async (t) => {
  const { knex, svc, v, owner } = await setup(t);
  const job = await jobOf(knex, v);
  const l1 = randomUUID();
  const l2 = randomUUID();
  await svc.write(owner, stateDoc({ serial: 1, lineage: l1, databases: ['main'] }), as(job), undefined);
  await svc.write(owner, stateDoc({ serial: 4, lineage: l1, databases: ['main', 'reports'] }), as(job), undefined);
  await svc.write(owner, stateDoc({ serial: 7, lineage: l2, databases: [] }), as(job), undefined);
  await knex('provision_jobs').where({ id: job.id }).update({ status: 'SUCCESS', finished_at: knex.fn.now() });

  const made = await svc.restore(v.userId, v.vineId, '1');
  t.match(made, { version: 4, current: true, origin: 'restore', restored_from: 1, serial: 8, lineage: l2, resources: docAddresses(['main']).length, job_id: null }, 'version 4: serial above the current, the current lineage');
  const now = JSON.parse((await svc.read(owner))!.toString('utf8'));
  t.equal(now.serial, 8, 'the state Terraform reads has the new serial');
  t.equal(now.lineage, l2, 'and the current lineage (Terraform refuses another)');
  t.same(now.resources[0].instances.map((i: { index_key: string }) => i.index_key), ['main'], 'and version 1’s resources');
  const history = (await svc.versions(v.userId, v.vineId)).items;
  t.same(history.map((s) => [s.version, s.serial, s.origin, s.restored_from]), [[4, 8, 'restore', 1], [3, 7, 'job', null], [2, 4, 'job', null], [1, 1, 'job', null]], 'the history keeps every version');
  t.same((await svc.restore(v.userId, v.vineId, '#3')).serial, 9, 'the version before a restore can be restored in turn (#3 as written by people)');

  for (const [what, version, type] of [
    ['the current version', '5', ConflictError],
    ['a version not in this vine’s history', '99', NotFoundError],
    ['version 0', '0', NotFoundError],
    ['not a number', 'latest', NotFoundError],
    ['SQL', "1; DROP TABLE terraform_states", NotFoundError],
  ] as const) {
    const err = await caught(svc.restore(v.userId, v.vineId, version));
    t.ok(err instanceof type, `${what}: ${type.name}`);
  }
  await svc.remove(owner, as(await jobOf(knex, v, { status: 'CLAIMED' })));
  await knex('provision_jobs').where({ vine_id: v.vineId, status: 'CLAIMED' }).update({ status: 'SUCCESS', finished_at: knex.fn.now() });
  t.equal((await svc.restore(v.userId, v.vineId, '2')).version, 7, 'a deleted state can be restored over');
  const err = await caught(svc.restore(v.userId, v.vineId, '6'));
  t.ok(err instanceof ConflictError, 'an empty (deleted) version: refused');
  t.match((err as Error).message, 'version 6 is an empty state', 'nothing to restore in it');

  // Another vine's history is numbered on its own; its versions are not this vine's.
  const other = await seedVine(knex, { name: 'other', user: { userId: v.userId, identityId: v.identityId } });
  const oj = await jobOf(knex, other, { status: 'CLAIMED' });
  for (let serial = 1; serial <= 9; serial++) await svc.write({ vineId: other.vineId }, stateDoc({ serial, lineage: l1 }), as(oj), undefined);
  await knex('provision_jobs').where({ id: oj.id }).update({ status: 'SUCCESS', finished_at: knex.fn.now() });
  t.ok((await caught(svc.restore(v.userId, v.vineId, '9'))) instanceof NotFoundError, 'version 9 of the other vine: 404 through this one');
  t.ok((await caught(svc.restore(v.userId, randomUUID(), '1'))) instanceof NotFoundError, 'a missing vine: 404');
  const stranger = await seedUser(knex);
  const foreign = await caught(svc.restore(stranger.userId, v.vineId, '1'));
  t.ok(foreign instanceof NotFoundError, 'another user’s vine: 404');
  t.equal((foreign as Error).message, `vine ${v.vineId} not found`, 'as for a missing one');

  // Refused while a run holds the lock, or a job of the vine is queued or running.
  const runner = await jobOf(knex, v);
  await svc.lock(owner, { ID: 'held', Who: 'terraform@tendril-b', Operation: 'OperationTypePlan' }, as(runner));
  await knex('provision_jobs').where({ id: runner.id }).update({ status: 'FAILED', finished_at: knex.fn.now() });
  const locked = await caught(svc.restore(v.userId, v.vineId, '2'));
  t.ok(locked instanceof ConflictError, 'locked: refused');
  t.match((locked as Error).message, /locked by terraform@tendril-b \(lock held, OperationTypePlan\)/, 'naming the holder');
  t.equal(await svc.restoreBlocked(v.vineId), (locked as Error).message, 'restoreBlocked gives the same reason');
  await svc.unlock(owner, 'held');
  const queued = await jobOf(knex, v, { status: 'QUEUED', type: 'PLAN' });
  const busy = await caught(svc.restore(v.userId, v.vineId, '2'));
  t.ok(busy instanceof ConflictError, 'a job queued: refused');
  t.match((busy as Error).message, `a PLAN job of this vine is QUEUED (job ${queued.id})`, 'naming the job');
  await knex('provision_jobs').where({ id: queued.id }).update({ status: 'CANCELLED', finished_at: knex.fn.now() });
  t.equal(await svc.restoreBlocked(v.vineId), undefined, 'nothing in the way any more');
  t.equal((await svc.restore(v.userId, v.vineId, '2')).restored_from, 2, 'then it restores');
  const versions = await versionsOf(knex, v.vineId);
  t.ok(versions.every((r, i) => i === 0 || r.id > versions[i - 1].id), 'append-only: numbers never move');
});

t.test('inspect: addresses and output names, never a value', async (t) => {
  const { knex, svc, v, owner } = await setup(t);
  const tid = await tendril(knex, 'tendril-inspect');
  const job = await jobOf(knex, v, { tendrilId: tid, type: 'DEPLOY' });
  const lineage = randomUUID();
  await svc.write(owner, stateDoc({ serial: 3, lineage, databases: ['main', 'reports'], outputs: ['databases', 'name_prefix'] }), as(job, tid), undefined);
  const d = await svc.inspect(v.userId, v.vineId, '1');
  t.same(d.resource_addresses, docAddresses(['main', 'reports']), 'every instance’s address: for_each keys, data sources, modules, count indexes');
  t.same(d.output_names, ['databases', 'name_prefix'], 'the outputs’ names');
  t.match(d, { version: 1, current: true, serial: 3, lineage, terraform_version: '1.9.8', job_id: job.id, job_type: 'DEPLOY', tendril_name: 'tendril-inspect', origin: 'job' }, 'with its bookkeeping');
  t.notOk(JSON.stringify(d).includes(CANARY), 'no attribute or output value');
  t.ok((await caught(svc.inspect(v.userId, v.vineId, '2'))) instanceof NotFoundError, 'a version that is not there: 404');
  t.ok((await caught(svc.inspect((await seedUser(knex)).userId, v.vineId, '1'))) instanceof NotFoundError, 'another user: 404');
  await svc.remove(owner, as(job));
  const removed = await svc.inspect(v.userId, v.vineId, '2');
  t.match(removed, { deleted: true, resource_addresses: [], output_names: [], terraform_version: null }, 'an empty version holds nothing');
});

t.test('salvage: an errored.tfstate becomes the state only when nothing else wrote it since', async (t) => {
  const { knex, svc, v, owner } = await setup(t);
  const lineage = randomUUID();
  const past = new Date(Date.now() - 60_000);
  const before = await jobOf(knex, v, { claimedAt: new Date(Date.now() - 120_000) });
  await svc.write(owner, stateDoc({ serial: 5, lineage }), as(before), undefined);
  await knex('terraform_states').update({ created_at: new Date(Date.now() - 90_000) });
  await knex('provision_jobs').where({ id: before.id }).update({ status: 'SUCCESS', finished_at: knex.fn.now() });
  const tid = await tendril(knex, 'tendril-next');

  // The dead run: claimed a minute ago, it held the lock when its Tendril died.
  const dead = await jobOf(knex, v, { claimedAt: past });
  await svc.lock(owner, { ID: 'dead-lock' }, as(dead));
  await knex('provision_jobs').where({ id: dead.id }).update({ status: 'FAILED', finished_at: knex.fn.now() });
  const errored = stateDoc({ serial: 6, lineage, databases: ['main', 'half-made'] });
  t.equal(await svc.salvage(dead.id, errored, tid), 'current', 'same lineage, serial ahead, nothing written since its claim: current');
  t.same(await svc.read(owner), errored, 'it is the state now');
  t.match((await versionsOf(knex, v.vineId)).at(-1), { job_id: dead.id, tendril_id: tid }, 'recorded as the dead job’s, pushed by the next Tendril');
  t.equal((await knex('terraform_state_locks')).length, 0, 'the dead run’s lock released');
  t.equal(await svc.salvage(dead.id, errored, tid), 'already', 'the same state again: already there');

  const conflicts: Array<[string, () => Promise<{ job: string; body: Buffer }>]> = [
    ['its lineage differs', async () => ({ job: (await jobOf(knex, v, { claimedAt: past })).id, body: stateDoc({ serial: 9, lineage: randomUUID() }) })],
    ['its serial is behind', async () => ({ job: (await jobOf(knex, v, { claimedAt: past })).id, body: stateDoc({ serial: 2, lineage }) })],
    ['another job wrote since its claim', async () => {
      const late = await jobOf(knex, v, { claimedAt: new Date(Date.now() - 30_000) });
      const other = await jobOf(knex, v);
      await svc.write(owner, stateDoc({ serial: 7, lineage }), as(other), undefined);
      await knex('provision_jobs').where({ id: other.id }).update({ status: 'SUCCESS', finished_at: knex.fn.now() });
      return { job: late.id, body: stateDoc({ serial: 8, lineage, databases: ['late'] }) };
    }],
    ['another job holds the lock', async () => {
      const holder = await jobOf(knex, v);
      await svc.lock(owner, { ID: 'holder-lock' }, as(holder));
      return { job: (await jobOf(knex, v, { claimedAt: past })).id, body: stateDoc({ serial: 20, lineage }) };
    }],
    ['the job is unknown', async () => ({ job: randomUUID(), body: stateDoc({ serial: 30, lineage }) })],
    ['the job id is no id', async () => ({ job: 'nope', body: stateDoc({ serial: 30, lineage }) })],
  ];
  for (const [what, make] of conflicts) {
    const { job, body } = await make();
    const count = (await versionsOf(knex, v.vineId)).length;
    const locks = await knex('terraform_state_locks').pluck('lock_id');
    t.equal(await svc.salvage(job, body, tid), 'conflict', `${what}: conflict (kept with the job for a user)`);
    t.equal((await versionsOf(knex, v.vineId)).length, count, `${what}: the state is untouched`);
    t.same(await knex('terraform_state_locks').pluck('lock_id'), locks, `${what}: the locks too`);
  }
  t.ok((await caught(svc.salvage(dead.id, Buffer.from('garbage'), tid))) instanceof ValidationError, 'a body that is no state: refused');
});

t.test('a state the former pg backend kept is sealed into the store on first use, and removed there', async (t) => {
  const { knex, svc, v, owner } = await setup(t);
  const second = await seedVine(knex, { name: 'second', user: { userId: v.userId, identityId: v.identityId } });
  // What Terraform's pg backend created: schema terraform_state, table states (name, data in clear).
  await knex.raw('CREATE SCHEMA IF NOT EXISTS terraform_state');
  await knex.raw('CREATE TABLE IF NOT EXISTS terraform_state.states (id bigserial PRIMARY KEY, name text UNIQUE, data text)');
  const lineage = randomUUID();
  const legacy = stateDoc({ serial: 12, lineage, databases: ['legacy'] });
  await knex('terraform_state.states').insert([
    { name: `vine-${v.vineId}`, data: legacy.toString('utf8') },
    { name: `vine-${second.vineId}`, data: stateDoc({ serial: 3, lineage }).toString('utf8') },
    { name: 'vine-unrelated', data: '{}' },
  ]);
  t.same(await svc.read(owner), legacy, 'read on first use answers the pg backend’s state');
  const rows = await knex('terraform_states').where({ vine_id: v.vineId }).select('serial', 'lineage', 'job_id', 'state_encrypted');
  t.equal(rows.length, 1, 'sealed into the store');
  t.match(rows[0], { serial: 12, lineage, job_id: null });
  t.notOk(rows[0].state_encrypted.includes(Buffer.from(CANARY)), 'sealed, not in clear');
  t.equal(await knex('terraform_state.states').where({ name: `vine-${v.vineId}` }).first(), undefined, 'removed from the pg backend’s table');
  t.same(await svc.read(owner), legacy, 'read again: from the store');
  // The history page moves it in too, before anything ran.
  const page = await svc.versions(v.userId, second.vineId);
  t.same(page.items.map((s) => [s.version, s.serial, s.origin]), [[1, 3, 'import']], 'listed as imported');
  t.same(await knex('terraform_state.states').pluck('name'), ['vine-unrelated'], 'only states of vines that asked were moved');
  // A job's first read and the State tab at once: moved in once.
  const third = await seedVine(knex, { name: 'third', user: { userId: v.userId, identityId: v.identityId } });
  await knex('terraform_state.states').insert({ name: `vine-${third.vineId}`, data: stateDoc({ serial: 4, lineage }).toString('utf8') });
  await Promise.all([svc.read({ vineId: third.vineId }), svc.versions(v.userId, third.vineId), svc.read({ vineId: third.vineId })]);
  t.equal((await versionsOf(knex, third.vineId)).length, 1, 'concurrent first reads move it in once');
  const none = await seedVine(knex, { name: 'none' });
  t.equal(await svc.read({ vineId: none.vineId }), undefined, 'a vine with no legacy state: none');
});

t.test('no state body is ever stored in clear', async (t) => {
  const { knex, svc, v, owner } = await setup(t);
  const job = await jobOf(knex, v, { claimedAt: new Date(Date.now() - 60_000) });
  const lineage = randomUUID();
  await svc.write(owner, stateDoc({ serial: 1, lineage }), as(job), undefined);
  await svc.write(owner, stateDoc({ serial: 2, lineage, databases: ['main', 'b'] }), as(job), undefined);
  await svc.salvage(job.id, stateDoc({ serial: 3, lineage, databases: ['c'] }), null);
  await knex('provision_jobs').where({ id: job.id }).update({ status: 'SUCCESS', finished_at: knex.fn.now() });
  await svc.restore(v.userId, v.vineId, '1');
  await knex.raw('CREATE SCHEMA IF NOT EXISTS terraform_state');
  await knex.raw('CREATE TABLE IF NOT EXISTS terraform_state.states (id bigserial PRIMARY KEY, name text UNIQUE, data text)');
  const imported = await seedVine(knex, { name: 'imported' });
  await knex('terraform_state.states').insert({ name: `vine-${imported.vineId}`, data: stateDoc({ serial: 1, lineage }).toString('utf8') });
  await svc.read({ vineId: imported.vineId });

  // Every byte of the tables, as Postgres prints them (bytea in hex) and as raw bytes.
  const { rows } = await knex.raw<{ rows: Array<{ text: string; raw: Buffer }> }>('SELECT s::text AS text, s.state_encrypted AS raw FROM terraform_states s');
  t.equal(rows.length, 5, 'written, salvaged, restored and imported versions');
  const hex = Buffer.from(CANARY).toString('hex');
  for (const [i, r] of rows.entries()) {
    t.notOk(r.text.includes(CANARY) || r.text.includes(hex), `version ${i + 1}: the canary nowhere in the row`);
    t.notOk(r.raw.includes(Buffer.from(CANARY)) || r.raw.includes(Buffer.from('terraform_data')), `version ${i + 1}: not a word of the state in its bytes`);
  }
  const dump = (await knex.raw<{ rows: Array<{ t: string }> }>('SELECT string_agg(l::text, \'\') AS t FROM terraform_state_locks l')).rows[0]!.t ?? '';
  t.notOk(dump.includes(CANARY), 'nor in the locks');
  t.ok((await svc.read(owner))!.includes(Buffer.from(CANARY)), 'while opened with the key, the state is whole');
});
