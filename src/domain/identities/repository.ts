/** `cloud_identities` rows; every read is scoped to the owning user. */
import type { Knex } from 'knex';
import type { Provider } from './schema.js';

type Db = Knex | Knex.Transaction;

export interface IdentityRow {
  id: string;
  user_id: string;
  name: string;
  provider: Provider;
  config: Record<string, unknown>;
  credentials_encrypted: string | null;
  last_test_status: 'SUCCESS' | 'FAILED' | null;
  last_test_message: string | null;
  last_tested_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface IdentityUse {
  vine_id: string;
  vine_name: string;
  stage: string;
  status: string;
  vineyard_name: string;
}

export interface IdentityRepository {
  listByUser(userId: string, trx?: Db): Promise<IdentityRow[]>;
  findById(userId: string, id: string, trx?: Db): Promise<IdentityRow | undefined>;
  findByName(userId: string, name: string, trx?: Db): Promise<IdentityRow | undefined>;
  insert(row: { user_id: string; name: string; provider: Provider; config: Record<string, unknown>; credentials_encrypted: string | null }, trx?: Db): Promise<IdentityRow>;
  delete(id: string, trx?: Db): Promise<void>;
  /** The vines that use an identity (call after lock(): a vine insert then waits on the row lock). */
  vinesUsing(identityId: string, trx?: Db): Promise<IdentityUse[]>;
  /** SELECT … FOR UPDATE, scoped to the user. */
  lock(userId: string, id: string, trx: Knex.Transaction): Promise<IdentityRow | undefined>;
}

export const IDENTITY_NAME_UNIQUE = 'cloud_identities_user_id_name_unique';

export function createIdentityRepository(knex: Knex): IdentityRepository {
  return {
    listByUser: (userId, trx = knex) => trx('cloud_identities').where({ user_id: userId }).orderBy('name'),
    findById: (userId, id, trx = knex) => trx('cloud_identities').where({ user_id: userId, id }).first(),
    findByName: (userId, name, trx = knex) => trx('cloud_identities').where({ user_id: userId, name }).first(),
    lock: (userId, id, trx) => trx('cloud_identities').where({ user_id: userId, id }).forUpdate().first(),
    async insert(row, trx = knex) {
      const [created] = await trx('cloud_identities')
        .insert({ ...row, config: JSON.stringify(row.config) })
        .returning('*');
      return created as IdentityRow;
    },
    async delete(id, trx = knex) {
      await trx('cloud_identities').where({ id }).delete();
    },
    vinesUsing: (identityId, trx = knex) =>
      trx('vines as v')
        .join('vineyards as vy', 'vy.id', 'v.vineyard_id')
        .where('v.identity_id', identityId)
        .orderBy(['vy.name', 'v.name', 'v.stage'])
        .select('v.id as vine_id', 'v.name as vine_name', 'v.stage', 'v.status', 'vy.name as vineyard_name'),
  };
}
