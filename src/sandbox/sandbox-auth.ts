import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';

/** The cookie a successful login step sets (HttpOnly, SameSite=Strict, path /sandbox). */
export const SESSION_COOKIE = 'sandbox_session';

/**
 * Who may use the sandbox when SANDBOX_ADMIN_TOKEN is set: a request that carries the token (Authorization: Bearer,
 * or X-Sandbox-Token — the terminal client), or the session cookie the login page sets (the browser). Every
 * comparison takes the same time whatever the input (digests of equal length, timingSafeEqual).
 */
export class SandboxAuth {
  private readonly tokenDigest: Buffer | undefined;
  private readonly session: string | undefined;

  constructor(token: string | undefined) {
    this.tokenDigest = token ? digest(token) : undefined;
    // derived from the token: a leaked cookie is not the token, and changing the token ends every session
    this.session = token ? createHmac('sha256', token).update('sandbox-session-v1').digest('hex') : undefined;
  }

  get required(): boolean {
    return this.tokenDigest !== undefined;
  }

  /** The value the session cookie holds after a login with the right token. */
  sessionValue(): string | undefined {
    return this.session;
  }

  /** True when the token is right (the login step). */
  checkToken(candidate: unknown): boolean {
    if (!this.tokenDigest) return true;
    return typeof candidate === 'string' && candidate.length <= 1024 && timingSafeEqual(digest(candidate), this.tokenDigest);
  }

  /** True when the request may use the sandbox. */
  allows(ctx: Context): boolean {
    if (!this.tokenDigest || !this.session) return true;
    const bearer = /^Bearer\s+(\S+)$/i.exec(ctx.get('authorization'))?.[1];
    const header = bearer ?? (ctx.get('x-sandbox-token') || undefined);
    if (header !== undefined) return this.checkToken(header);
    const cookie = ctx.cookies.get(SESSION_COOKIE);
    return typeof cookie === 'string' && cookie.length <= 256 && timingSafeEqual(digest(cookie), digest(this.session));
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
