/**
 * A short memory of API tokens already checked, so an API request usually costs no token read.
 * Revocation is respected: `revokeToken` forgets the token in this process at once and NOTIFYs
 * `TOKEN_REVOKED_CHANNEL` so other Trellis processes forget it too; an entry also lapses after
 * `ttlMs` (the bound on staleness should a notification be missed), and a token's own expiry is
 * checked on every hit.
 */
import type { User } from './service.js';

export const TOKEN_REVOKED_CHANNEL = 'vintner_token_revoked';

interface Entry {
  tokenId: string;
  user: User;
  expiresAt: number | null;
  until: number;
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
  const byHash = new Map<string, Entry>();
  let epoch = 0;
  return {
    get epoch() {
      return epoch;
    },
    get(hash) {
      const e = byHash.get(hash);
      if (!e) return undefined;
      const now = Date.now();
      if (e.until <= now || (e.expiresAt !== null && e.expiresAt <= now)) {
        byHash.delete(hash);
        return undefined;
      }
      return e.user;
    },
    set(hash, tokenId, user, expiresAt, epochAtRead) {
      if (epochAtRead !== epoch) return;
      // Oldest first out: a Map iterates in insertion order.
      if (byHash.size >= max) byHash.delete(byHash.keys().next().value!);
      byHash.set(hash, { tokenId, user, expiresAt: expiresAt ? expiresAt.getTime() : null, until: Date.now() + ttlMs });
    },
    forgetToken(tokenId) {
      epoch++;
      for (const [hash, e] of byHash) if (e.tokenId === tokenId) byHash.delete(hash);
    },
    clear() {
      epoch++;
      byHash.clear();
    },
  };
}
