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

export interface SeededResource {
  kind: 'network' | 'subnet' | 'dns_zone';
  external_id: string;
  name?: string | null;
  region?: string | null;
  data?: Record<string, unknown>;
}

/**
 * An identity's discovery as a Tendril leaves it, without a cloud: the snapshot in
 * `discovered_resources` and the FETCH_RESOURCES job that found it (`ago`: how long ago it ended).
 */
export async function seedDiscovery(knex: Knex, identityId: string, resources: SeededResource[], opts: { agoMs?: number; truncated?: boolean; message?: string } = {}): Promise<string> {
  const at = new Date(Date.now() - (opts.agoMs ?? 60_000));
  const kinds = { network: 0, subnet: 0, dns_zone: 0 } as Record<string, number>;
  for (const r of resources) kinds[r.kind] = (kinds[r.kind] ?? 0) + 1;
  return knex.transaction(async (trx) => {
    await trx('discovered_resources').where({ identity_id: identityId }).delete();
    if (resources.length) {
      await trx('discovered_resources').insert(
        resources.map((r) => ({ identity_id: identityId, kind: r.kind, external_id: r.external_id, name: r.name ?? null, region: r.region ?? null, data: JSON.stringify(r.data ?? {}), discovered_at: at })),
      );
    }
    const result = { discovered: resources.length, kinds, truncated: opts.truncated === true, ...(opts.message ? { message: opts.message } : {}) };
    const [job] = await trx('provision_jobs')
      .insert({ identity_id: identityId, type: 'FETCH_RESOURCES', status: 'SUCCESS', result: JSON.stringify(result), queued_at: at, finished_at: at, created_at: at, updated_at: at })
      .returning('id');
    return job.id as string;
  });
}

/** A few networks, subnets and zones of an AWS account, as discovery stores them. */
export const AWS_RESOURCES: SeededResource[] = [
  { kind: 'network', external_id: 'vpc-0shop', name: 'shop', region: 'eu-west-1', data: { cidr_blocks: ['10.20.0.0/16'], is_default: false } },
  { kind: 'network', external_id: 'vpc-0default', name: null, region: 'eu-west-1', data: { cidr_blocks: ['172.31.0.0/16'], is_default: true } },
  { kind: 'subnet', external_id: 'subnet-0a', name: 'shop-a', region: 'eu-west-1', data: { cidr: '10.20.1.0/24', availability_zone: 'eu-west-1a', network_id: 'vpc-0shop', public: true } },
  { kind: 'subnet', external_id: 'subnet-0b', name: 'shop-b', region: 'eu-west-1', data: { cidr: '10.20.2.0/24', availability_zone: 'eu-west-1b', network_id: 'vpc-0shop', public: false } },
  { kind: 'dns_zone', external_id: 'Z0PUBLIC', name: 'shop.example.com', region: null, data: { domain_name: 'shop.example.com', private: false, record_count: 4 } },
  { kind: 'dns_zone', external_id: 'Z0PRIVATE', name: 'corp.internal', region: null, data: { domain_name: 'corp.internal', private: true, record_count: 2 } },
];
