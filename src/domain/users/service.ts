/**
 * Accounts and API tokens. Signup also gives the user a `local` identity named `sandbox`, so a new
 * user can plant and harvest a vine at once (terraform/local needs no cloud).
 */
import type { Knex } from 'knex';
import { Type } from '@sinclair/typebox';
import { ConflictError, NotFoundError, UnauthorizedError } from '../errors.js';
import { createIdentityRepository } from '../identities/repository.js';
import { assertSchema, invalid, isUniqueViolation, isUuid } from '../validation.js';
import { hashPassword, verifyPassword } from './password.js';
import { createUserRepository, USERS_EMAIL_UNIQUE, type TokenRow, type UserRow } from './repository.js';
import { generateToken, hashToken, looksLikeToken, tokenDisplayPrefix } from './tokens.js';
import { createTokenCache, TOKEN_REVOKED_CHANNEL } from './token-cache.js';
import { createEpochCache } from '../cache.js';
import type { ApiToken, User } from './schema.js';

export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 200;
export const SANDBOX_IDENTITY = 'sandbox';

export type { User, ApiToken };

const toUser = (u: UserRow): User => ({ id: u.id, email: u.email, display_name: u.display_name, created_at: u.created_at });
const toToken = (t: TokenRow): ApiToken => ({
  id: t.id,
  name: t.name,
  prefix: t.prefix,
  last_used_at: t.last_used_at,
  expires_at: t.expires_at,
  revoked_at: t.revoked_at,
  created_at: t.created_at,
});

const EmailSchema = Type.String({ minLength: 3, maxLength: 254, pattern: '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$', description: 'an email address such as ada@example.com' });
export const SignupSchema = Type.Object({
  email: EmailSchema,
  password: Type.String({ minLength: PASSWORD_MIN, maxLength: PASSWORD_MAX }),
});
export const TokenInputSchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100 }),
  expires_in_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650, description: 'the token stops working after this many days (default: never)' })),
});

export const normaliseEmail = (email: unknown) => (typeof email === 'string' ? email.trim().toLowerCase() : email);

const WRONG_LOGIN = 'wrong email or password';
const BAD_TOKEN = 'token revoked or unknown: run grape login';

export interface UserServiceDeps {
  knex: Knex;
  /** Remember checked API tokens this long (0: read the token on every request). See token-cache.ts. */
  tokenCacheMs?: number;
  /**
   * Remember users read by id this long (0: read on every request). A user's row never changes
   * once created (no rename, no deletion), so nothing needs evicting; the bound is for memory.
   */
  userCacheMs?: number;
}

export function createUserService({ knex, tokenCacheMs = 0, userCacheMs = 0 }: UserServiceDeps) {
  const users = createUserRepository(knex);
  const cache = tokenCacheMs > 0 ? createTokenCache(tokenCacheMs) : undefined;
  const byId = createEpochCache<User>({ ttlMs: userCacheMs, max: 50_000 });
  const identities = createIdentityRepository(knex);
  // Compared against when the email is unknown, so both failures take as long.
  let dummyHash: Promise<string> | undefined;

  return {
    async signup(email: string, password: string): Promise<User> {
      const input = { email: normaliseEmail(email), password };
      assertSchema(SignupSchema, input, 'signup');
      const password_hash = await hashPassword(password);
      try {
        return await knex.transaction(async (trx) => {
          const user = await users.insert({ email: input.email as string, password_hash }, trx);
          await identities.insert({ user_id: user.id, name: SANDBOX_IDENTITY, provider: 'local', config: {}, credentials_encrypted: null }, trx);
          return toUser(user);
        });
      } catch (err) {
        if (isUniqueViolation(err, USERS_EMAIL_UNIQUE)) throw new ConflictError('an account with this email already exists');
        throw err;
      }
    },

    async authenticate(email: string, password: string): Promise<User> {
      const normal = normaliseEmail(email);
      const usable = typeof normal === 'string' && typeof password === 'string' && password.length <= 4 * PASSWORD_MAX;
      const user = usable ? await users.findByEmail(normal) : undefined;
      if (!user) {
        dummyHash ??= hashPassword('not a password of anyone');
        await verifyPassword(typeof password === 'string' ? password.slice(0, PASSWORD_MAX) : '', await dummyHash);
        throw new UnauthorizedError(WRONG_LOGIN);
      }
      if (!(await verifyPassword(password, user.password_hash))) throw new UnauthorizedError(WRONG_LOGIN);
      return toUser(user);
    },

    async getUser(userId: string): Promise<User> {
      const known = byId.get(userId);
      if (known) return known;
      const user = isUuid(userId) ? await users.findById(userId) : undefined;
      if (!user) throw new NotFoundError(`user ${userId} not found`);
      const found = Object.freeze(toUser(user));
      byId.set(userId, found, byId.epoch);
      return found;
    },

    /** The token is in the answer this once; only its sha256 and first characters are stored. */
    async createToken(userId: string, name: string, opts: { expiresInDays?: number } = {}): Promise<{ token: string; row: ApiToken }> {
      const input = { name: typeof name === 'string' ? name.trim() : name, ...(opts.expiresInDays !== undefined ? { expires_in_days: opts.expiresInDays } : {}) };
      assertSchema(TokenInputSchema, input, 'token');
      if (!isUuid(userId) || !(await users.findById(userId))) throw new NotFoundError(`user ${userId} not found`);
      const token = generateToken();
      const expires_at = opts.expiresInDays ? new Date(Date.now() + opts.expiresInDays * 86_400_000) : null;
      const row = await users.insertToken({ user_id: userId, name: input.name as string, token_hash: hashToken(token), prefix: tokenDisplayPrefix(token), expires_at });
      return { token, row: toToken(row) };
    },

    async listTokens(userId: string): Promise<ApiToken[]> {
      if (!isUuid(userId)) return [];
      return (await users.listTokens(userId)).map(toToken);
    },

    async revokeToken(userId: string, id: string): Promise<ApiToken> {
      const row = isUuid(userId) && isUuid(id) ? await users.revokeToken(userId, id) : undefined;
      if (!row) throw new NotFoundError(`token ${id} not found`);
      cache?.forgetToken(row.id);
      await knex.raw('SELECT pg_notify(?, ?)', [TOKEN_REVOKED_CHANNEL, row.id]);
      return toToken(row);
    },

    async authenticateToken(token: string): Promise<User> {
      if (!looksLikeToken(token)) throw new UnauthorizedError(BAD_TOKEN);
      const hash = hashToken(token);
      const known = cache?.get(hash);
      if (known) return known;
      const epoch = cache?.epoch ?? 0;
      const found = await users.findTokenByHash(hash);
      if (!found || found.token.revoked_at || (found.token.expires_at && found.token.expires_at.getTime() <= Date.now())) {
        throw new UnauthorizedError(BAD_TOKEN);
      }
      const last = found.token.last_used_at;
      if (!last || Date.now() - last.getTime() > 60_000) await users.touchToken(found.token.id);
      const user = toUser(found.user);
      cache?.set(hash, found.token.id, user, found.token.expires_at, epoch);
      return user;
    },

    /** Another process revoked a token (TOKEN_REVOKED_CHANNEL): stop trusting what this one remembers. */
    forgetToken(tokenId: string): void {
      cache?.forgetToken(tokenId);
    },
    /** Notifications may have been missed (the LISTEN connection dropped): forget every token. */
    forgetAllTokens(): void {
      cache?.clear();
    },
  };
}

export type UserService = ReturnType<typeof createUserService>;
