/**
 * WeCom callback crypto (加解密方案): signature, AES-256-CBC frame encryption and the strict decryption that the
 * official libraries do not do (padding, msg_len and receiveid checks). Used by the self-built app callbacks
 * (XML, receiveid = CorpID) and the intelligent robot callbacks (JSON, receiveid = "").
 *
 * Frame: random(16) ‖ uint32_be(len(msg)) ‖ msg ‖ receiveid, PKCS#7-padded to a multiple of 32 bytes,
 * AES-256-CBC with IV = the first 16 key bytes and library padding off, then base64.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { CallbackQuery } from './callback-query';

/** Result codes of the official WeCom crypto libraries, reused for our rejections (they never go on the wire). */
export const CallbackErrorCode = {
  ValidateSignature: -40001,
  ParseMessage: -40002,
  ValidateReceiveId: -40005,
  DecryptAes: -40007,
  IllegalBuffer: -40008,
  DecodeBase64: -40010,
} as const;

/** A callback that must not be processed: forged, replayed, corrupt or not for us. Answer it without a body. */
export class CallbackRejectedError extends Error {
  /** The official library code (-40001 signature, -40005 receiveid, -40007 AES, -40008 frame, -40010 base64, -40002 parse). */
  readonly code: number;
  /** Short English reason, for the log only (never for the HTTP response). */
  readonly reason: string;

  constructor(code: number, reason: string) {
    super(`WeCom callback rejected (${code}): ${reason}`);
    this.name = 'CallbackRejectedError';
    this.code = code;
    this.reason = reason;
  }
}

const AES_KEY_LENGTH = 32;
const BLOCK = 32;
const RANDOM_LENGTH = 16;
const HEADER_LENGTH = RANDOM_LENGTH + 4;
const ENCODING_AES_KEY = /^[A-Za-z0-9]{43}$/;
/** Standard alphabet, length a multiple of 4, at most two '=' at the end. */
const CANONICAL_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const DIGITS = /^[0-9]{1,12}$/;
const RANDOM_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Turns the console's EncodingAESKey into the 32-byte AES key. The key must be exactly 43 characters of
 * A-Z, a-z, 0-9; the decoding itself is lenient about the low bits of the last character, as WeCom's own
 * libraries are (console keys such as the official example ending in 'C' are "non-canonical" base64).
 * The error message never repeats the key; callers prefix it with the variable name.
 */
export function decodeEncodingAesKey(key: string): Buffer {
  if (typeof key !== 'string') {
    throw new Error('EncodingAESKey must be a string of 43 characters of A-Z, a-z, 0-9');
  }
  if (key.length !== 43) {
    const hint = key.trim().length !== key.length ? ' (it has surrounding whitespace)' : '';
    throw new Error(`EncodingAESKey must be 43 characters of A-Z, a-z, 0-9; got ${key.length} characters${hint}`);
  }
  if (!ENCODING_AES_KEY.test(key)) {
    let position = 0;
    while (position < key.length && /[A-Za-z0-9]/.test(key[position])) position += 1;
    throw new Error(
      `EncodingAESKey must be 43 characters of A-Z, a-z, 0-9; the character at position ${position + 1} is not`,
    );
  }
  const aesKey = Buffer.from(`${key}=`, 'base64');
  if (aesKey.length !== AES_KEY_LENGTH) {
    // Cannot happen for 43 alphanumeric characters; kept as a guard.
    throw new Error(`EncodingAESKey must decode to 32 bytes; got ${aesKey.length}`);
  }
  return aesKey;
}

/** lowercase hex SHA1 of the four values sorted in byte order and concatenated (§1.3). */
export function computeSignature(token: string, timestamp: string, nonce: string, encrypt: string): string {
  const parts = [token, timestamp, nonce, encrypt].map((s) => Buffer.from(String(s), 'utf8'));
  parts.sort(Buffer.compare);
  return createHash('sha1').update(Buffer.concat(parts)).digest('hex');
}

/** Constant-time check of a received msg_signature (exact, lowercase hex as WeCom sends it). */
export function verifySignature(
  token: string,
  timestamp: string,
  nonce: string,
  encrypt: string,
  signature: string,
): boolean {
  const expected = Buffer.from(computeSignature(token, timestamp, nonce, encrypt), 'utf8');
  const received = Buffer.from(String(signature), 'utf8');
  if (expected.length !== received.length) return false;
  return timingSafeEqual(expected, received);
}

function assertAesKey(aesKey: Buffer): void {
  if (!Buffer.isBuffer(aesKey) || aesKey.length !== AES_KEY_LENGTH) {
    throw new Error('AES key must be a 32-byte Buffer (use decodeEncodingAesKey)');
  }
}

/** 16 random ASCII letters/digits, like the official libraries produce. */
function randomPrefix(): Buffer {
  const out = Buffer.alloc(RANDOM_LENGTH);
  let filled = 0;
  while (filled < RANDOM_LENGTH) {
    for (const byte of randomBytes(RANDOM_LENGTH * 2)) {
      // 248 = 4 × 62: rejecting higher bytes keeps the choice unbiased.
      if (byte >= 248) continue;
      out[filled] = RANDOM_ALPHABET.charCodeAt(byte % RANDOM_ALPHABET.length);
      filled += 1;
      if (filled === RANDOM_LENGTH) break;
    }
  }
  return out;
}

/** Encrypts one message as a WeCom frame; returns the base64 ciphertext. `random` (16 bytes) is for tests. */
export function encryptMessage(aesKey: Buffer, plaintext: string, receiveId: string, random?: Buffer): string {
  assertAesKey(aesKey);
  if (random !== undefined && (!Buffer.isBuffer(random) || random.length !== RANDOM_LENGTH)) {
    throw new Error(`random prefix must be exactly ${RANDOM_LENGTH} bytes`);
  }
  const msg = Buffer.from(plaintext, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(msg.length, 0);
  const frame = Buffer.concat([random ?? randomPrefix(), length, msg, Buffer.from(receiveId, 'utf8')]);
  const padLength = BLOCK - (frame.length % BLOCK);
  const padded = Buffer.concat([frame, Buffer.alloc(padLength, padLength)]);
  const cipher = createCipheriv('aes-256-cbc', aesKey, aesKey.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(padded), cipher.final()]).toString('base64');
}

/**
 * Strict decryption (§1.4 steps 2–6): canonical non-empty base64 of a multiple of 32 bytes, AES-256-CBC, PKCS#7(32)
 * padding with every pad byte checked, a frame of at least 20 bytes whose msg_len fits, and a trailing receiveid
 * byte-for-byte equal to `expectedReceiveId` ("" for the robot). Returns msg; throws CallbackRejectedError.
 */
export function decryptMessage(aesKey: Buffer, encryptBase64: string, expectedReceiveId: string): string {
  assertAesKey(aesKey);
  if (typeof encryptBase64 !== 'string' || encryptBase64.length === 0) {
    throw new CallbackRejectedError(CallbackErrorCode.DecodeBase64, 'ciphertext is empty');
  }
  if (!CANONICAL_BASE64.test(encryptBase64)) {
    throw new CallbackRejectedError(CallbackErrorCode.DecodeBase64, 'ciphertext is not valid base64');
  }
  const ciphertext = Buffer.from(encryptBase64, 'base64');
  if (ciphertext.length === 0 || ciphertext.length % BLOCK !== 0) {
    throw new CallbackRejectedError(
      CallbackErrorCode.DecryptAes,
      `ciphertext length ${ciphertext.length} is not a positive multiple of ${BLOCK} bytes`,
    );
  }

  let padded: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-cbc', aesKey, aesKey.subarray(0, 16));
    decipher.setAutoPadding(false);
    padded = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    throw new CallbackRejectedError(CallbackErrorCode.DecryptAes, 'AES decryption failed');
  }

  const padLength = padded[padded.length - 1];
  if (padLength < 1 || padLength > BLOCK) {
    throw new CallbackRejectedError(CallbackErrorCode.IllegalBuffer, `pad byte ${padLength} outside 1..${BLOCK}`);
  }
  let padDiff = 0;
  for (let i = padded.length - padLength; i < padded.length; i++) padDiff |= padded[i] ^ padLength;
  if (padDiff !== 0) {
    throw new CallbackRejectedError(CallbackErrorCode.IllegalBuffer, 'pad bytes not all equal');
  }

  const frame = padded.subarray(0, padded.length - padLength);
  if (frame.length < HEADER_LENGTH) {
    throw new CallbackRejectedError(CallbackErrorCode.IllegalBuffer, `frame shorter than ${HEADER_LENGTH} bytes`);
  }
  const msgLength = frame.readUInt32BE(RANDOM_LENGTH);
  if (HEADER_LENGTH + msgLength > frame.length) {
    throw new CallbackRejectedError(CallbackErrorCode.IllegalBuffer, 'msg_len exceeds data');
  }

  const receiveId = frame.subarray(HEADER_LENGTH + msgLength);
  if (!receiveId.equals(Buffer.from(expectedReceiveId, 'utf8'))) {
    throw new CallbackRejectedError(CallbackErrorCode.ValidateReceiveId, 'receiveid does not match');
  }

  try {
    return utf8Strict.decode(frame.subarray(HEADER_LENGTH, HEADER_LENGTH + msgLength));
  } catch {
    throw new CallbackRejectedError(CallbackErrorCode.IllegalBuffer, 'msg is not valid UTF-8');
  }
}

export interface OpenCallbackParams {
  token: string;
  aesKey: Buffer;
  /** CorpID for the self-built app, "" for the intelligent robot. */
  receiveId: string;
  query: CallbackQuery;
  /** The `Encrypt` element, the `encrypt` JSON field, or `echostr` for a URL verification — exactly as received. */
  encrypt: string;
  /** Largest accepted |now − timestamp| in seconds; 0 turns the check off. */
  maxSkewSeconds: number;
  now: Date;
}

/**
 * Authenticates and opens one callback: msg_signature, timestamp and nonce present, timestamp digits, timestamp
 * within the skew window, signature, then strict decryption. Returns the plaintext (XML, JSON or the echostr
 * payload to answer verbatim). Throws CallbackRejectedError.
 */
export function openCallback(params: OpenCallbackParams): string {
  const { token, aesKey, receiveId, query, encrypt, maxSkewSeconds, now } = params;
  if (!Number.isFinite(maxSkewSeconds) || maxSkewSeconds < 0) {
    throw new Error('maxSkewSeconds must be a non-negative number (0 = off)');
  }
  const { msgSignature, timestamp, nonce } = query;
  if (!msgSignature) throw new CallbackRejectedError(CallbackErrorCode.ValidateSignature, 'msg_signature missing');
  if (!timestamp) throw new CallbackRejectedError(CallbackErrorCode.ValidateSignature, 'timestamp missing');
  if (!nonce) throw new CallbackRejectedError(CallbackErrorCode.ValidateSignature, 'nonce missing');
  if (!DIGITS.test(timestamp)) {
    throw new CallbackRejectedError(CallbackErrorCode.ValidateSignature, 'timestamp is not a number of seconds');
  }
  if (maxSkewSeconds > 0) {
    const skew = Math.abs(now.getTime() / 1000 - Number(timestamp));
    if (!(skew <= maxSkewSeconds)) {
      throw new CallbackRejectedError(
        CallbackErrorCode.ValidateSignature,
        `timestamp outside the accepted window (skew ${Math.round(skew)} s > ${maxSkewSeconds} s)`,
      );
    }
  }
  if (typeof encrypt !== 'string' || !verifySignature(token, timestamp, nonce, encrypt, msgSignature)) {
    throw new CallbackRejectedError(CallbackErrorCode.ValidateSignature, 'signature mismatch');
  }
  return decryptMessage(aesKey, encrypt, receiveId);
}

export interface SealReplyParams {
  token: string;
  aesKey: Buffer;
  /** CorpID for the self-built app, "" for the intelligent robot. */
  receiveId: string;
  plaintext: string;
  /** Seconds, as the decimal string that is signed and sent. */
  timestamp: string;
  nonce: string;
  /** 16 bytes; for deterministic tests only. */
  random?: Buffer;
}

/** Encrypts and signs a passive reply: returns the ciphertext and its signature over (token, timestamp, nonce). */
export function sealReply(params: SealReplyParams): { encrypt: string; signature: string } {
  const encrypt = encryptMessage(params.aesKey, params.plaintext, params.receiveId, params.random);
  return { encrypt, signature: computeSignature(params.token, params.timestamp, params.nonce, encrypt) };
}
