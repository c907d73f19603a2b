/** API tokens for Grape: `vnt_` + 32 random bytes (base64url); only their sha256 is stored. */
import { createHash, randomBytes } from 'node:crypto';

export const TOKEN_PREFIX = 'vnt_';
const TOKEN_PATTERN = /^vnt_[A-Za-z0-9_-]{43}$/;
/** How much of a token is kept in clear, to tell tokens apart in a list. */
export const TOKEN_DISPLAY_LENGTH = 12;

export const generateToken = () => `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
export const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');
export const looksLikeToken = (token: unknown): token is string => typeof token === 'string' && TOKEN_PATTERN.test(token);
export const tokenDisplayPrefix = (token: string) => token.slice(0, TOKEN_DISPLAY_LENGTH);
