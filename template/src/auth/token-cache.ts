import { LRUCache } from 'lru-cache';
import type { User } from './user';

/**
 * Verified tokens, so a client sending the same token again skips the signature check (about
 * 150 µs with jose). Keyed by the whole token string, so a token that differs in any byte (another
 * signature) never hits. An entry never outlives the token's `exp`; when the cache is full, the token
 * used least recently goes first.
 */
export class TokenCache {
  readonly #entries: LRUCache<string, User>;

  /** `now`: the wall clock that `exp` is read against (tests pass their own). */
  constructor(
    maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {
    this.#entries = new LRUCache({
      max: maxEntries,
      // `exp` is a wall-clock time, so entries age on the wall clock jose checks `exp` against rather
      // than on lru-cache's default monotonic performance.now(); and every lookup reads that clock
      // (no 1 ms debounce), so an entry is never served past its expiry.
      perf: { now },
      ttlResolution: 0,
    });
  }

  get(token: string): User | undefined {
    return this.#entries.get(token);
  }

  set(token: string, user: User, expiresAtSeconds: number) {
    // lru-cache serves an entry while its age is at most its ttl: one millisecond less ends it at
    // `exp` itself. A ttl of 0 would mean "forever", so a token already at its expiry is not kept.
    const ttl = expiresAtSeconds * 1000 - this.now() - 1;
    if (ttl > 0) this.#entries.set(token, user, { ttl });
  }

  get size() {
    return this.#entries.size;
  }
}
