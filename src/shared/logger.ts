import { createHash } from 'node:crypto';
import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/**
 * Structured English logs (pino). Secrets and phone numbers are redacted by key; user ids are logged hashed
 * (`userHash`) so a log can follow one person without naming them.
 */
export function createLogger(level: LogLevel = 'info', destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: {
        paths: [
          'secret',
          '*.secret',
          'token',
          '*.token',
          'encodingAesKey',
          '*.encodingAesKey',
          'accessToken',
          '*.accessToken',
          'access_token',
          '*.access_token',
          'mobile',
          '*.mobile',
          'phone',
          '*.phone',
          'officePhone',
          '*.officePhone',
          'password',
          '*.password',
          'webhookUrl',
          '*.webhookUrl',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}

const userHashes = new Map<string, string>();
/** Users whose hashes are remembered (the roster of a district is a few hundred people). */
const USER_HASH_CACHE_SIZE = 5000;

/** A short stable hash of a userid for logs (not reversible without the roster). Remembered: every callback logs it. */
export function hashUserId(userId: string): string {
  let hash = userHashes.get(userId);
  if (hash === undefined) {
    hash = createHash('sha256').update(`wecom-user:${userId}`).digest('hex').slice(0, 12);
    if (userHashes.size >= USER_HASH_CACHE_SIZE) userHashes.clear();
    userHashes.set(userId, hash);
  }
  return hash;
}

/** Mask a mobile number for display outside a single chat with its owner: 139****1234. */
export function maskMobile(mobile: string): string {
  const digits = mobile.replace(/\D/g, '');
  if (digits.length < 7) return '****';
  return `${digits.slice(0, 3)}****${digits.slice(-4)}`;
}

/** Strip the key from a webhook URL before it is logged. */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:key|access_token|response_code|corpsecret)=)[^&]*/gi, '$1[redacted]');
}
