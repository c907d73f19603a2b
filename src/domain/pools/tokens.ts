/**
 * Pool tokens: what a pool's Tendrils send (TENDRIL_TOKEN). `vtp_` + 32 random bytes (base64url),
 * the API tokens' format with their own prefix, so neither is ever mistaken for the other (an API
 * token is refused by the agent API, a pool token by the user API); only the sha256 is stored.
 */
import { randomBytes } from 'node:crypto';
import { hashToken, tokenDisplayPrefix } from '../users/tokens.js';

export const POOL_TOKEN_PREFIX = 'vtp_';
/** NOTIFY payload: a pool token's id, when it is revoked (a long-poll holding it can end at once). */
export const POOL_TOKEN_REVOKED_CHANNEL = 'vintner_pool_token_revoked';
const POOL_TOKEN_PATTERN = /^vtp_[A-Za-z0-9_-]{43}$/;

const generatePoolToken = () => `${POOL_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
export const looksLikePoolToken = (token: unknown): token is string => typeof token === 'string' && POOL_TOKEN_PATTERN.test(token);
/** A new pool token: the plaintext (answered once, never stored) and what is stored of it. */
export function newPoolToken(): { token: string; stored: { token_hash: string; prefix: string } } {
  const token = generatePoolToken();
  return { token, stored: { token_hash: hashToken(token), prefix: tokenDisplayPrefix(token) } };
}
export { hashToken };
