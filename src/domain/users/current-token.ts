/** The stored row of the token a request came with (`GET /api/v1/me`, `grape whoami`/`logout`). */
import type { Knex } from 'knex';
import { NotFoundError } from '../errors.js';
import { createUserRepository } from './repository.js';
import type { ApiToken } from './service.js';
import { hashToken, looksLikeToken } from './tokens.js';

export async function currentToken(knex: Knex, userId: string, token: string): Promise<ApiToken> {
  const found = looksLikeToken(token) ? await createUserRepository(knex).findTokenByHash(hashToken(token)) : undefined;
  if (!found || found.token.user_id !== userId) throw new NotFoundError('token not found');
  const { user_id: _u, updated_at: _x, ...shown } = found.token;
  return shown;
}
