/**
 * The fake WeCom's own implementation of the callback crypto (PROTOCOL §1), written with node:crypto only.
 * Deliberately independent from the production code, so the fake checks the bot instead of agreeing with it
 * by construction. Strict: every check of §1.4 is applied when decrypting.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const BLOCK = 32;

/** Official library codes (§1.8), used as `code` of FakeCryptoError. */
export const FakeCryptoCode = {
  signature: -40001,
  parse: -40002,
  illegalAesKey: -40004,
  receiveId: -40005,
  decryptAes: -40007,
  illegalBuffer: -40008,
  decodeBase64: -40010,
} as const;

export class FakeCryptoError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(`${message} (${code})`);
    this.name = 'FakeCryptoError';
  }
}

export interface FakeKeyMaterial {
  key: Buffer;
  iv: Buffer;
}

/** base64decode(EncodingAESKey + '=') → 32 bytes; IV = first 16 bytes. Lenient decode (console keys may be non-canonical). */
export function deriveKey(encodingAesKey: string): FakeKeyMaterial {
  if (!/^[A-Za-z0-9]{43}$/.test(encodingAesKey)) {
    throw new FakeCryptoError(FakeCryptoCode.illegalAesKey, 'EncodingAESKey must be 43 characters [A-Za-z0-9]');
  }
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  if (key.length !== 32) throw new FakeCryptoError(FakeCryptoCode.illegalAesKey, 'EncodingAESKey does not decode to 32 bytes');
  return { key, iv: key.subarray(0, 16) };
}

/** lowercase hex SHA1 of the four strings sorted ascending and concatenated. */
export function computeSignature(token: string, timestamp: string, nonce: string, encrypt: string): string {
  const joined = [token, timestamp, nonce, encrypt].sort().join('');
  return createHash('sha1').update(joined, 'utf8').digest('hex');
}

export function signatureMatches(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Encrypt one frame: random(16) ‖ len(4, BE) ‖ msg ‖ receiveid, PKCS#7 to 32, AES-256-CBC, base64. */
export function encryptFrame(encodingAesKey: string, message: string, receiveId: string, random?: Buffer): string {
  const { key, iv } = deriveKey(encodingAesKey);
  const rnd = random ?? randomAlnum(16);
  if (rnd.length !== 16) throw new Error('random prefix must be 16 bytes');
  const msg = Buffer.from(message, 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(msg.length, 0);
  const frame = Buffer.concat([rnd, len, msg, Buffer.from(receiveId, 'utf8')]);
  const pad = BLOCK - (frame.length % BLOCK);
  const padded = Buffer.concat([frame, Buffer.alloc(pad, pad)]);
  const cipher = createCipheriv('aes-256-cbc', key, iv);
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(padded), cipher.final()]).toString('base64');
}

export interface DecryptedFrame {
  message: string;
  receiveId: string;
  random: Buffer;
}

/** Strict decryption (§1.4 steps 2–6). Throws FakeCryptoError with the official code. */
export function decryptFrame(encodingAesKey: string, encryptBase64: string, expectedReceiveId: string): DecryptedFrame {
  const { key, iv } = deriveKey(encodingAesKey);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encryptBase64) || encryptBase64.length % 4 !== 0) {
    throw new FakeCryptoError(FakeCryptoCode.decodeBase64, 'ciphertext is not canonical base64');
  }
  const data = Buffer.from(encryptBase64, 'base64');
  if (data.length === 0 || data.length % BLOCK !== 0) {
    throw new FakeCryptoError(FakeCryptoCode.decryptAes, `ciphertext length ${data.length} is not a positive multiple of ${BLOCK}`);
  }
  let plain: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-cbc', key, iv);
    decipher.setAutoPadding(false);
    plain = Buffer.concat([decipher.update(data), decipher.final()]);
  } catch (err) {
    throw new FakeCryptoError(FakeCryptoCode.decryptAes, `AES failure: ${(err as Error).message}`);
  }
  const pad = plain[plain.length - 1];
  if (pad < 1 || pad > BLOCK || pad > plain.length) throw new FakeCryptoError(FakeCryptoCode.illegalBuffer, `bad padding byte ${pad}`);
  for (let i = plain.length - pad; i < plain.length; i++) {
    if (plain[i] !== pad) throw new FakeCryptoError(FakeCryptoCode.illegalBuffer, 'inconsistent padding bytes');
  }
  const frame = plain.subarray(0, plain.length - pad);
  if (frame.length < 20) throw new FakeCryptoError(FakeCryptoCode.illegalBuffer, 'frame shorter than 20 bytes');
  const msgLen = frame.readUInt32BE(16);
  if (20 + msgLen > frame.length) throw new FakeCryptoError(FakeCryptoCode.illegalBuffer, `msg_len ${msgLen} overflows the frame`);
  const receiveIdBytes = frame.subarray(20 + msgLen);
  const expected = Buffer.from(expectedReceiveId, 'utf8');
  if (!receiveIdBytes.equals(expected)) {
    throw new FakeCryptoError(
      FakeCryptoCode.receiveId,
      `receiveid ${JSON.stringify(receiveIdBytes.toString('utf8'))} != ${JSON.stringify(expectedReceiveId)}`,
    );
  }
  return {
    message: frame.subarray(20, 20 + msgLen).toString('utf8'),
    receiveId: receiveIdBytes.toString('utf8'),
    random: Buffer.from(frame.subarray(0, 16)),
  };
}

/** Verify the signature (§1.4 step 1) and decrypt strictly. */
export function verifyAndDecrypt(params: {
  token: string;
  encodingAesKey: string;
  receiveId: string;
  signature: string;
  timestamp: string;
  nonce: string;
  encrypt: string;
}): DecryptedFrame {
  const expected = computeSignature(params.token, params.timestamp, params.nonce, params.encrypt);
  if (!signatureMatches(expected, params.signature)) throw new FakeCryptoError(FakeCryptoCode.signature, 'signature mismatch');
  return decryptFrame(params.encodingAesKey, params.encrypt, params.receiveId);
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** n ASCII letters/digits, as the official libraries generate the random prefix. */
export function randomAlnum(n: number): Buffer {
  const bytes = randomBytes(n);
  return Buffer.from(Array.from(bytes, (b) => ALNUM.charCodeAt(b % ALNUM.length)));
}

/** A random decimal string (nonces, echostr plaintexts). */
export function randomDigits(n: number): string {
  const bytes = randomBytes(n);
  let out = String((bytes[0] % 9) + 1);
  for (let i = 1; i < n; i++) out += String(bytes[i] % 10);
  return out;
}

/**
 * A robot media download body (PROTOCOL §8.7): AES-256-CBC of the file bytes, PKCS#7 padded to 32 bytes, with the
 * robot callback's key and IV (its first 16 bytes); no random prefix, length or receiveid.
 */
export function encryptMedia(encodingAesKey: string, bytes: Buffer): Buffer {
  const { key, iv } = deriveKey(encodingAesKey);
  const pad = BLOCK - (bytes.length % BLOCK);
  const cipher = createCipheriv('aes-256-cbc', key, iv);
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(Buffer.concat([bytes, Buffer.alloc(pad, pad)])), cipher.final()]);
}
