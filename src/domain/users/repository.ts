/** `users` and `api_tokens` rows. Token hashes are read only to authenticate, never listed. */
import type { Knex } from 'knex';

type Db = Knex | Knex.Transaction;

export interface UserRow {
  id: string;
  email: string;
  password_hash: string;
  display_name: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface TokenRow {
  id: string;
  user_id: string;
  name: string;
  prefix: string;
  last_used_at: Date | null;
  expires_at: Date | null;
  revoked_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** Every token column but the hash. */
const TOKEN_COLUMNS = ['id', 'user_id', 'name', 'prefix', 'last_used_at', 'expires_at', 'revoked_at', 'created_at', 'updated_at'];

export const USERS_EMAIL_UNIQUE = 'users_email_unique';

export function createUserRepository(knex: Knex) {
  return {
    findById: (id: string, trx: Db = knex): Promise<UserRow | undefined> => trx('users').where({ id }).first(),
    findByEmail: (email: string, trx: Db = knex): Promise<UserRow | undefined> =>
      trx('users').whereRaw('lower(email) = lower(?)', [email]).first(),
    async insert(row: { email: string; password_hash: string }, trx: Db = knex): Promise<UserRow> {
      const [user] = await trx('users').insert(row).returning('*');
      return user as UserRow;
    },

    async insertToken(row: { user_id: string; name: string; token_hash: string; prefix: string; expires_at: Date | null }, trx: Db = knex): Promise<TokenRow> {
      const [token] = await trx('api_tokens').insert(row).returning(TOKEN_COLUMNS);
      return token as TokenRow;
    },
    listTokens: (userId: string, trx: Db = knex): Promise<TokenRow[]> =>
      trx('api_tokens').where({ user_id: userId }).orderBy('created_at', 'desc').select(TOKEN_COLUMNS),
    findToken: (userId: string, id: string, trx: Db = knex): Promise<TokenRow | undefined> =>
      trx('api_tokens').where({ user_id: userId, id }).first(TOKEN_COLUMNS),
    /** Sets revoked_at once; revoking again keeps the first time. */
    async revokeToken(userId: string, id: string, trx: Db = knex): Promise<TokenRow | undefined> {
      const [row] = await trx('api_tokens')
        .where({ user_id: userId, id })
        .update({ revoked_at: trx.raw('coalesce(revoked_at, now())'), updated_at: trx.fn.now() })
        .returning(TOKEN_COLUMNS);
      return row as TokenRow | undefined;
    },
    /** The token with that hash and its user, whatever its state (the caller decides). */
    async findTokenByHash(hash: string, trx: Db = knex): Promise<{ token: TokenRow; user: UserRow } | undefined> {
      const row = await trx('api_tokens as t')
        .join('users as u', 'u.id', 't.user_id')
        .where('t.token_hash', hash)
        .first(
          ...TOKEN_COLUMNS.map((c) => `t.${c} as t_${c}`),
          ...['id', 'email', 'password_hash', 'display_name', 'created_at', 'updated_at'].map((c) => `u.${c} as u_${c}`),
        );
      if (!row) return undefined;
      const pick = (p: string) => Object.fromEntries(Object.entries(row as Record<string, unknown>).filter(([k]) => k.startsWith(p)).map(([k, v]) => [k.slice(p.length), v]));
      return { token: pick('t_') as unknown as TokenRow, user: pick('u_') as unknown as UserRow };
    },
    /** Records a use at most once a minute, so authenticating stays one read most of the time. */
    async touchToken(id: string, trx: Db = knex): Promise<void> {
      await trx('api_tokens')
        .where({ id })
        .andWhere((q) => q.whereNull('last_used_at').orWhereRaw("last_used_at < now() - interval '1 minute'"))
        .update({ last_used_at: trx.fn.now() });
    },
  };
}

export type UserRepository = ReturnType<typeof createUserRepository>;
