import t from 'tap';
import { freshDatabase } from '../helpers.js';
import { createComponentRepository } from '../../src/domain/components/repository.js';
import { COMPONENT_KINDS } from '../../src/domain/components/catalogue.js';
import { InvalidTransitionError } from '../../src/domain/errors.js';

t.test('every kind round-trips through the repository, and transitions are guarded', async (t) => {
  const { knex } = await freshDatabase(t);
  const [user] = await knex('users').insert({ email: 'a@example.com', password_hash: 'x' }).returning('*');
  const [identity] = await knex('cloud_identities').insert({ user_id: user.id, name: 'sandbox', provider: 'local' }).returning('*');
  const [vineyard] = await knex('vineyards').insert({ user_id: user.id, name: 'acme' }).returning('*');
  const [vine] = await knex('vines').insert({ vineyard_id: vineyard.id, name: 'shop', stage: 'production', identity_id: identity.id }).returning('*');
  const repo = createComponentRepository(knex);
  for (const k of COMPONENT_KINDS) {
    const settings = k.defaults('production') as Record<string, unknown>;
    const name = k.singleton ? k.kind.replace(/_/g, '-') : 'main';
    const row = await repo.insert(k.kind, vine.id, name, settings);
    t.equal(row.status, 'PENDING', `${k.kind} starts PENDING`);
    t.same(row.settings, { ...settings, ...(k.secretFields.length ? { value: null } : {}) }, `${k.kind} settings round-trip`);
  }
  const all = await repo.listByVine(vine.id);
  t.same(all.map((c) => c.kind), COMPONENT_KINDS.map((k) => k.kind), 'listByVine returns every kind in catalogue order');
  t.ok(all.every((c) => c.created_at instanceof Date), 'timestamps are dates');

  const db = all.find((c) => c.kind === 'databases')!;
  await t.rejects(repo.transition('databases', db.id, 'ACTIVE'), InvalidTransitionError, 'PENDING → ACTIVE is refused');
  await repo.transition('databases', db.id, 'CREATING');
  const active = await repo.transition('databases', db.id, 'ACTIVE', { outputs: { endpoint: 'db.local:5432' }, applied_settings: db.settings });
  t.equal(active.status, 'ACTIVE');
  t.same(active.outputs, { endpoint: 'db.local:5432' }, 'outputs stored');
  t.same(active.applied_settings, db.settings, 'applied settings stored');
});
