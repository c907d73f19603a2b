/**
 * Pool tokens: what a pool's Tendrils send (TENDRIL_TOKEN). `vtp_` + 32 random bytes (base64url),
 * the API tokens' format with their own prefix, so neither is ever mistaken for the other (an API
 * token is refused by the agent API, a pool token by the user API); only the sha256 is stored.
 */
import { randomBytes } from 'node:crypto';
import { hashToken, TOKEN_DISPLAY_LENGTH } from '../users/tokens.js';

export const POOL_TOKEN_PREFIX = 'vtp_';
const POOL_TOKEN_PATTERN = /^vtp_[A-Za-z0-9_-]{43}$/;

export const generatePoolToken = () => `${POOL_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
export const looksLikePoolToken = (token: unknown): token is string => typeof token === 'string' && POOL_TOKEN_PATTERN.test(token);
export const poolTokenDisplayPrefix = (token: string) => token.slice(0, TOKEN_DISPLAY_LENGTH);
export { hashToken };
