import t from 'tap';
import { freshDatabase } from '../helpers.js';
import { createUserService } from '../../src/domain/users/service.js';
import { createVineyardService } from '../../src/domain/vineyards/service.js';
import { ConflictError, NotFoundError, ValidationError } from '../../src/domain/errors.js';

const fieldsOf = (err: unknown) => (err as ValidationError).errors.map((e) => `${e.field}: ${e.message}`);

t.test('vineyards: create, names, counts by status, rename, delete', async (t) => {
  const { knex } = await freshDatabase(t);
  const users = createUserService({ knex });
  const vineyards = createVineyardService({ knex });
  const ada = await users.signup('ada@example.com', 'a long enough password');
  const [sandbox] = await knex('cloud_identities').where({ user_id: ada.id });

  const acme = await vineyards.create(ada.id, { name: '  Ácme Café  ', description: ' the shop ' });
  t.equal(acme.name, 'Ácme Café', 'name trimmed, unicode kept');
  t.equal(acme.description, 'the shop', 'description trimmed');
  t.equal(acme.vine_count, 0, 'no vines yet');
  t.notOk('user_id' in acme, 'owner id not in the view');
  await vineyards.create(ada.id, { name: '東京' });

  const refuse = async (input: unknown, expected: string[], what: string) => {
    const err = await vineyards.create(ada.id, input as never).catch((e: unknown) => e);
    t.ok(err instanceof ValidationError, `${what}: ValidationError`);
    t.same(fieldsOf(err), expected, what);
  };
  await refuse({ name: 'ácme café' }, ['name: a vineyard named "Ácme Café" already exists'], 'duplicate name (case-insensitive)');
  await refuse({ name: 'Acme-Cafe' }, ['name: would give the same cloud resource names as vineyard "Ácme Café": choose a more distinct name'], 'same slug');
  await refuse({}, ['name: is required'], 'missing name');
  await refuse({ name: '   ' }, ['name: must not be empty'], 'blank name');
  await refuse({ name: 'x'.repeat(64) }, ['name: must be at most 63 characters'], 'name over 63');
  await refuse({ name: 'a/b' }, ['name: must not contain "/"'], 'slash');
  await refuse({ name: 'a\u0007b' }, ['name: must not contain control characters or line breaks'], 'control character');
  await refuse({ name: '---' }, ['name: must contain at least one letter or digit'], 'no letter or digit');
  await refuse({ name: 'ok', description: 'd'.repeat(1001), color: 'red' }, ['color: is not a known field', 'description: must be at most 1000 characters'], 'unknown field and long description');

  const [vy] = await knex('vineyards').where({ id: acme.id });
  const vine = (name: string, stage: string, status: string) => ({ vineyard_id: vy.id, name, stage, status, identity_id: sandbox.id });
  await knex('vines').insert([vine('shop', 'production', 'ACTIVE'), vine('shop', 'development', 'DRAFT'), vine('blog', 'staging', 'FAILED'), vine('old', 'development', 'DESTROYED')]);

  const list = await vineyards.list(ada.id);
  t.same(list.map((v) => v.name), ['東京', 'Ácme Café'].sort(), 'listed by name');
  const counted = list.find((v) => v.id === acme.id)!;
  t.equal(counted.vine_count, 4, 'four vines');
  t.same(counted.vines_by_status, { DRAFT: 1, QUEUED: 0, PROVISIONING: 0, ACTIVE: 1, DESTROYING: 0, DESTROYED: 1, FAILED: 1 }, 'counted by status');
  t.equal((await vineyards.getByName(ada.id, ' Ácme Café ')).id, acme.id, 'getByName');
  t.equal((await vineyards.get(ada.id, acme.id)).vines_by_status.ACTIVE, 1, 'get with counts');

  const upd = await vineyards.update(ada.id, acme.id, { description: 'new words' });
  t.equal(upd.description, 'new words', 'description changes even with live vines');
  const renameErr = await vineyards.update(ada.id, acme.id, { name: 'Acme Two' }).catch((e: unknown) => e);
  t.ok(renameErr instanceof ConflictError, 'rename refused with live vines');
  t.match((renameErr as Error).message, /blog \(staging, FAILED\), shop \(production, ACTIVE\)/, 'rename refusal names the live vines');

  const delErr = await vineyards.delete(ada.id, acme.id).catch((e: unknown) => e);
  t.ok(delErr instanceof ConflictError, 'delete refused with live vines');
  t.equal((delErr as Error).message, 'vineyard "Ácme Café" still has live vines: blog (staging, FAILED), shop (production, ACTIVE); destroy them first', 'delete refusal lists live vines and statuses');

  await knex('vines').whereIn('status', ['ACTIVE', 'FAILED']).update({ status: 'DESTROYED' });
  const renamed = await vineyards.update(ada.id, acme.id, { name: 'Acme Two' });
  t.equal(renamed.name, 'Acme Two', 'renamed once no vine is live');
  await t.rejects(vineyards.update(ada.id, acme.id, { name: '東京' }), ValidationError, 'rename onto an existing name refused');
  await vineyards.delete(ada.id, acme.id);
  t.equal((await knex('vines').count('* as n'))[0]?.n, 0, 'its vines deleted with it');
  t.same((await vineyards.list(ada.id)).map((v) => v.name), ['東京'], 'vineyard gone');
});

t.test('vineyards: another user sees nothing', async (t) => {
  const { knex } = await freshDatabase(t);
  const users = createUserService({ knex });
  const vineyards = createVineyardService({ knex });
  const ada = await users.signup('ada@example.com', 'a long enough password');
  const bob = await users.signup('bob@example.com', 'a long enough password');
  const acme = await vineyards.create(ada.id, { name: 'Acme' });
  const nf = new NotFoundError(`vineyard ${acme.id} not found`);
  await t.rejects(vineyards.get(bob.id, acme.id), nf, 'get');
  await t.rejects(vineyards.update(bob.id, acme.id, { description: 'x' }), nf, 'update');
  await t.rejects(vineyards.update(bob.id, acme.id, { name: 'Mine' }), nf, 'rename');
  await t.rejects(vineyards.delete(bob.id, acme.id), nf, 'delete');
  await t.rejects(vineyards.getByName(bob.id, 'Acme'), new NotFoundError('vineyard "Acme" not found'), 'getByName');
  t.same(await vineyards.list(bob.id), [], 'list');
  const mine = await vineyards.create(bob.id, { name: 'Acme' });
  t.not(mine.id, acme.id, 'the same name is free for another user');
  t.equal((await vineyards.get(ada.id, acme.id)).description, '', 'ada’s vineyard untouched');
});
