/**
 * A short memory of API tokens already checked, so an API request usually costs no token read.
 * Revocation is respected: `revokeToken` forgets the token in this process at once and NOTIFYs
 * `TOKEN_REVOKED_CHANNEL` so other Trellis processes forget it too; an entry also lapses after
 * `ttlMs` (the bound on staleness should a notification be missed), or at the token's own expiry
 * if that comes first. Built on the shared epoch cache (src/domain/cache.ts).
 */
import type { User } from './service.js';
import { createEpochCache } from '../cache.js';

export const TOKEN_REVOKED_CHANNEL = 'vintner_token_revoked';

interface Entry {
  tokenId: string;
  user: User;
}

export interface TokenCache {
  get(hash: string): User | undefined;
  /**
   * Counts forgets. A reader takes it before reading the token row and hands it to `set`, which
   * then keeps nothing if a revocation came in between (the row it read may predate it).
   */
  readonly epoch: number;
  set(hash: string, tokenId: string, user: User, expiresAt: Date | null, epochAtRead: number): void;
  forgetToken(tokenId: string): void;
  clear(): void;
}

export function createTokenCache(ttlMs: number, max = 10_000): TokenCache {
  const byHash = createEpochCache<Entry>({ ttlMs, max });
  return {
    get epoch() {
      return byHash.epoch;
    },
    get: (hash) => byHash.get(hash)?.user,
    // A token's own expiry ends its entry earlier than the time-to-live.
    set: (hash, tokenId, user, expiresAt, epochAtRead) => byHash.set(hash, { tokenId, user }, epochAtRead, expiresAt ? expiresAt.getTime() - Date.now() : ttlMs),
    forgetToken: (tokenId) => byHash.evictWhere((e) => e.tokenId === tokenId),
    clear: () => byHash.clear(),
  };
}
