/**
 * Rows for tests that need a vine without going through the web: a user, a local identity, a
 * vineyard, a vine, and (optionally) one component of every kind with its stage's defaults.
 */
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { COMPONENT_KINDS } from '../src/domain/components/catalogue.js';
import { createComponentRepository } from '../src/domain/components/repository.js';
import type { Stage } from '../src/domain/vines/stage.js';

export interface SeededVine {
  userId: string;
  identityId: string;
  vineyardId: string;
  vineId: string;
}

export async function seedUser(knex: Knex, email = `u-${randomBytes(4).toString('hex')}@example.com`) {
  const [user] = await knex('users').insert({ email, password_hash: 'x' }).returning('*');
  const [identity] = await knex('cloud_identities').insert({ user_id: user.id, name: 'sandbox', provider: 'local' }).returning('*');
  return { userId: user.id as string, identityId: identity.id as string };
}

export async function seedVine(
  knex: Knex,
  opts: { stage?: Stage; allKinds?: boolean; options?: Record<string, unknown>; name?: string; user?: { userId: string; identityId: string } } = {},
): Promise<SeededVine> {
  const { userId, identityId } = opts.user ?? (await seedUser(knex));
  const [vineyard] = await knex('vineyards').insert({ user_id: userId, name: `acme-${randomBytes(3).toString('hex')}` }).returning('*');
  const stage = opts.stage ?? 'development';
  const [vine] = await knex('vines')
    .insert({ vineyard_id: vineyard.id, name: opts.name ?? 'shop', stage, identity_id: identityId, options: JSON.stringify(opts.options ?? {}) })
    .returning('*');
  if (opts.allKinds) {
    const repo = createComponentRepository(knex);
    for (const k of COMPONENT_KINDS) {
      const settings = { ...(k.defaults(stage) as Record<string, unknown>) };
      if (k.kind === 'topics') settings.subscribe_queues = ['orders'];
      await repo.insert(k.kind, vine.id, k.singleton ? k.kind.replace(/_/g, '-') : k.kind === 'queues' ? 'orders' : 'main', settings);
    }
  }
  return { userId, identityId, vineyardId: vineyard.id, vineId: vine.id };
}
