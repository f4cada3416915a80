/**
 * Reads the callback query string exactly. Node's querystring (and so Koa's ctx.query) turns a literal '+' into a
 * space, which breaks the signature over `echostr` (base64 contains '+'); this parser does not.
 */
import { CallbackErrorCode, CallbackRejectedError } from './callback-crypto';

export interface CallbackQuery {
  msgSignature?: string;
  timestamp?: string;
  nonce?: string;
  /** URL verification only: the encrypted payload, percent-decoded, '+' kept. */
  echostr?: string;
}

const FIELDS: Record<string, keyof CallbackQuery> = {
  msg_signature: 'msgSignature',
  timestamp: 'timestamp',
  nonce: 'nonce',
  echostr: 'echostr',
};

function reject(reason: string): never {
  throw new CallbackRejectedError(CallbackErrorCode.ValidateSignature, reason);
}

function percentDecode(raw: string, what: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return reject(`malformed percent-encoding in query parameter ${what}`);
  }
}

/**
 * Parses msg_signature, timestamp, nonce and echostr from the raw query string (with or without the leading '?').
 * Values are percent-decoded without the '+' → space rule. A space in echostr can only come from a proxy that
 * un-encoded the URL (base64 has no spaces), so it is turned back into '+'. Other parameters are ignored.
 * A duplicated or malformed known parameter is rejected (CallbackRejectedError -40001).
 */
export function parseCallbackQuery(rawQueryString: string): CallbackQuery {
  const result: CallbackQuery = {};
  let raw = rawQueryString ?? '';
  if (raw.startsWith('?')) raw = raw.slice(1);
  if (raw === '') return result;

  for (const piece of raw.split('&')) {
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    const rawName = eq === -1 ? piece : piece.slice(0, eq);
    let name: string;
    try {
      name = decodeURIComponent(rawName);
    } catch {
      // A parameter we cannot even name is not one of ours.
      continue;
    }
    if (!Object.prototype.hasOwnProperty.call(FIELDS, name)) continue;
    const field = FIELDS[name];
    if (eq === -1) reject(`query parameter ${name} has no value`);
    if (result[field] !== undefined) reject(`query parameter ${name} is repeated`);
    let value = percentDecode(piece.slice(eq + 1), name);
    if (field === 'echostr' && value.includes(' ')) value = value.replace(/ /g, '+');
    result[field] = value;
  }
  return result;
}
