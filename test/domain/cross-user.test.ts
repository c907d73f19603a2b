/**
 * Another user's vineyard, vine, identity or token must be indistinguishable from a missing one:
 * every service function that takes an id answers NotFoundError with the same message it gives
 * for an id that does not exist.
 */
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { domain, fieldErrors } from './fixtures.js';
import { NotFoundError, ValidationError } from '../../src/domain/errors.js';
import { createPoolService } from '../../src/domain/pools/service.js';
import { createStateService } from '../../src/domain/state/service.js';

t.test('cross-user matrix', async (t) => {
  const d = await domain(t);
  const ada = await d.person('ada@example.com');
  const bob = await d.person('bob@example.com', 'Bobland');
  const adaIdentity = await d.identities.create(ada.user.id, { name: 'aws', provider: 'aws', region: 'eu-west-1', role_arn: 'arn:aws:iam::123456789012:role/v' });
  const vine = await d.vines.create(ada.user.id, ada.vineyard.id, { name: 'Shop', stage: 'development', identity: 'aws', databases: [{ name: 'main' }] });
  const { row: token } = await d.users.createToken(ada.user.id, 'laptop');
  const pools = createPoolService({ knex: d.knex });
  const adaPool = await pools.create(ada.user.id, { name: 'edge' });
  const spec = vine.spec;
  const B = bob.user.id;
  const state = createStateService({ knex: d.knex, sealer: d.sealer });

  /** [what, kind of id, ada's id, call with an id] */
  const cases: Array<[string, string, string, (id: string) => Promise<unknown>]> = [
    ['vineyards.get', 'vineyard', ada.vineyard.id, (id) => d.vineyards.get(B, id)],
    ['vineyards.update', 'vineyard', ada.vineyard.id, (id) => d.vineyards.update(B, id, { description: 'mine' })],
    ['vineyards.delete', 'vineyard', ada.vineyard.id, (id) => d.vineyards.delete(B, id)],
    ['vines.list', 'vineyard', ada.vineyard.id, (id) => d.vines.list(B, id)],
    ['vines.create', 'vineyard', ada.vineyard.id, (id) => d.vines.create(B, id, { ...spec, identity: 'sandbox' })],
    ['vines.get', 'vine', vine.vine.id, (id) => d.vines.get(B, id)],
    ['vines.diff', 'vine', vine.vine.id, (id) => d.vines.diff(B, id, { ...spec, identity: 'sandbox' })],
    ['vines.replace', 'vine', vine.vine.id, (id) => d.vines.replace(B, id, { ...spec, identity: 'sandbox' })],
    ['vines.delete', 'vine', vine.vine.id, (id) => d.vines.delete(B, id)],
    ['state.versions', 'vine', vine.vine.id, (id) => state.versions(B, id)],
    ['state.inspect', 'vine', vine.vine.id, (id) => state.inspect(B, id, '1')],
    ['state.restore', 'vine', vine.vine.id, (id) => state.restore(B, id, '1')],
    ['identities.get', 'identity', adaIdentity.id, (id) => d.identities.get(B, id)],
    ['identities.delete', 'identity', adaIdentity.id, (id) => d.identities.delete(B, id)],
    ['identities.update', 'identity', adaIdentity.id, (id) => d.identities.update(B, id, { pool_id: null })],
    ['pools.get', 'pool', adaPool.id, (id) => pools.get(B, id)],
    ['pools.update', 'pool', adaPool.id, (id) => pools.update(B, id, { description: 'mine' })],
    ['pools.delete', 'pool', adaPool.id, (id) => pools.delete(B, id)],
    ['pools.tendrils', 'pool', adaPool.id, (id) => pools.tendrils(B, id)],
    ['pools.tokens', 'pool', adaPool.id, (id) => pools.tokens(B, id)],
    ['pools.createToken', 'pool', adaPool.id, (id) => pools.createToken(B, id, { name: 'x' })],
    ['users.revokeToken', 'token', token.id, (id) => d.users.revokeToken(B, id)],
  ];
  for (const [what, kind, adaId, call] of cases) {
    const theirs = await call(adaId).catch((e: unknown) => e);
    const missingId = randomUUID();
    const missing = await call(missingId).catch((e: unknown) => e);
    t.ok(theirs instanceof NotFoundError, `${what}: another user's ${kind} → NotFoundError`);
    t.ok(missing instanceof NotFoundError, `${what}: a missing ${kind} → NotFoundError`);
    t.equal((theirs as Error).message, `${kind} ${adaId} not found`, `${what}: message names only the id`);
    t.equal((missing as Error).message.replace(missingId, adaId), (theirs as Error).message, `${what}: same message as for a missing one`);
  }

  // By name: ada's names mean nothing to bob.
  await t.rejects(d.vineyards.getByName(B, 'Acme'), new NotFoundError('vineyard "Acme" not found'), 'vineyards.getByName');
  await t.rejects(d.vines.findByNames(B, 'Acme', 'Shop'), new NotFoundError('vineyard "Acme" not found'), 'vines.findByNames');
  await t.rejects(d.identities.getByName(B, 'aws'), new NotFoundError('identity "aws" not found'), 'identities.getByName');
  t.same(await d.users.listTokens(B), [], 'users.listTokens');
  t.same((await d.identities.list(B)).map((i) => i.name), ['sandbox'], 'identities.list');
  t.same((await d.vineyards.list(B)).map((v) => v.name), ['Bobland'], 'vineyards.list');

  // A spec naming another user's identity, by id or by name, is a spec naming no identity.
  for (const ref of [adaIdentity.id, 'aws']) {
    const err = await d.vines.create(B, bob.vineyard.id, { ...spec, identity: ref }).catch((e: unknown) => e);
    t.ok(err instanceof ValidationError, `identity ${ref === 'aws' ? 'name' : 'id'} of another user refused`);
    t.same(fieldErrors(err), [`identity: identity "${ref}" not found`], 'as not found');
  }

  // Nothing of ada's changed.
  const after = await d.vines.get(ada.user.id, vine.vine.id);
  t.equal(after.vine.config_version, 1, 'ada’s vine untouched');
  t.equal((await d.vineyards.get(ada.user.id, ada.vineyard.id)).name, 'Acme', 'ada’s vineyard untouched');
  t.equal((await d.users.listTokens(ada.user.id))[0]?.revoked_at, null, 'ada’s token not revoked');
  t.equal((await d.identities.get(ada.user.id, adaIdentity.id)).name, 'aws', 'ada’s identity still there');

  // Malformed ids are not found either (never a database error).
  await t.rejects(d.vines.get(ada.user.id, 'not-an-id'), new NotFoundError('vine not-an-id not found'), 'malformed vine id');
  await t.rejects(d.vineyards.get(ada.user.id, "1'; drop table vines; --"), NotFoundError, 'malformed vineyard id');
});
