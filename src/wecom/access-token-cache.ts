import { createHash } from 'node:crypto';
import type { Clock } from '../shared/clock';

/** What identifies one access token: tokens are per app (per Secret) of one corp on one API host. */
export interface TokenCredentials {
  apiBase: string;
  corpId: string;
  secret: string;
}

export interface FetchedToken {
  accessToken: string;
  expiresInSeconds: number;
}

/** Calls gettoken. Rejects with a WeComApiError on failure. */
export type TokenFetcher = (credentials: TokenCredentials) => Promise<FetchedToken>;

export interface AccessTokenCacheOptions {
  clock: Clock;
  fetchToken: TokenFetcher;
  /** Refresh when fewer seconds than this remain (default 300), capped at a quarter of the token's lifetime. */
  refreshMarginSeconds?: number;
}

interface Entry {
  token?: string;
  /** epoch ms */
  expiresAt: number;
  /** epoch ms from which a refresh is started */
  refreshAt: number;
  inflight?: Promise<string>;
}

/**
 * Access tokens keyed by (apiBase, corpId, secret). Concurrent callers share one gettoken call (single flight);
 * the token is refreshed early, before it expires. Times come from the injected clock.
 */
export class AccessTokenCache {
  private readonly entries = new Map<string, Entry>();
  private readonly marginMs: number;

  constructor(private readonly options: AccessTokenCacheOptions) {
    this.marginMs = (options.refreshMarginSeconds ?? 300) * 1000;
  }

  /** A valid token, fetched when there is none or the cached one is about to expire. */
  async get(credentials: TokenCredentials): Promise<string> {
    const entry = this.entry(credentials);
    const now = this.options.clock.now().getTime();
    if (entry.token && now < entry.refreshAt) return entry.token;

    if (!entry.inflight) {
      const flight = this.refresh(entry, credentials);
      entry.inflight = flight;
      const clear = (): void => {
        if (entry.inflight === flight) entry.inflight = undefined;
      };
      flight.then(clear, clear);
    }
    const stale = entry.token;
    try {
      return await entry.inflight;
    } catch (err) {
      // An early refresh failed but the old token has not expired yet: keep using it.
      if (stale && stale === entry.token && this.options.clock.now().getTime() < entry.expiresAt) return stale;
      throw err;
    }
  }

  /**
   * Forget `token` (WeCom said it is invalid or expired). Does nothing when another token has been cached in the
   * meantime, so a late failure of an old token does not throw away a fresh one. Returns whether it dropped one.
   */
  invalidate(token: string): boolean {
    let dropped = false;
    for (const entry of this.entries.values()) {
      if (entry.token === token) {
        entry.token = undefined;
        entry.expiresAt = 0;
        entry.refreshAt = 0;
        dropped = true;
      }
    }
    return dropped;
  }

  private async refresh(entry: Entry, credentials: TokenCredentials): Promise<string> {
    const fetched = await this.options.fetchToken(credentials);
    const now = this.options.clock.now().getTime();
    const lifetimeMs = Math.max(0, fetched.expiresInSeconds) * 1000;
    const margin = Math.min(this.marginMs, lifetimeMs / 4);
    entry.token = fetched.accessToken;
    entry.expiresAt = now + lifetimeMs;
    entry.refreshAt = now + lifetimeMs - margin;
    return fetched.accessToken;
  }

  private entry(credentials: TokenCredentials): Entry {
    const key = cacheKey(credentials);
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { expiresAt: 0, refreshAt: 0 };
      this.entries.set(key, entry);
    }
    return entry;
  }
}

function cacheKey(c: TokenCredentials): string {
  // The secret is hashed so the map key never holds it in clear.
  const secretHash = createHash('sha256').update(c.secret).digest('hex');
  return `${c.apiBase.replace(/\/+$/, '')}\n${c.corpId}\n${secretHash}`;
}
