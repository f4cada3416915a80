import { createCipheriv, createDecipheriv } from 'node:crypto';
import * as wecomCrypto from '@wecom/crypto';
import {
  CallbackErrorCode,
  CallbackRejectedError,
  computeSignature,
  decodeEncodingAesKey,
  decryptMessage,
  encryptMessage,
  openCallback,
  sealReply,
  verifySignature,
} from '../../../src/wecom/callback-crypto';
import { parseCallbackQuery } from '../../../src/wecom/callback-query';
import {
  isHttpReply,
  isHttpRequest,
  loadVectors,
  negativeVector,
  officialVector,
  positiveVector,
  splitUrl,
  type PositiveVector,
} from '../../helpers/wecom-vectors';
import { rejection } from '../../helpers/rejection';

const file = loadVectors();
const app = positiveVector('app-text-message');
const bot = positiveVector('aibot-group-text');
const appKey = decodeEncodingAesKey(app.encodingAESKey);
const botKey = decodeEncodingAesKey(bot.encodingAESKey);
const CORP_ID = app.receiveId;

function nowOf(timestamp: string, offsetSeconds = 0): Date {
  return new Date((Number(timestamp) + offsetSeconds) * 1000);
}

/** Encrypts an arbitrary (already padded) buffer: lets the tests build frames the real encoder never makes. */
function rawEncrypt(key: Buffer, padded: Buffer): string {
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(padded), cipher.final()]).toString('base64');
}

function rawDecrypt(key: Buffer, b64: string): Buffer {
  const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
  decipher.setAutoPadding(false);
  return Buffer.concat([decipher.update(Buffer.from(b64, 'base64')), decipher.final()]);
}

function frame(msg: string | Buffer, receiveId: string, msgLen?: number): Buffer {
  const body = Buffer.isBuffer(msg) ? msg : Buffer.from(msg, 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(msgLen ?? body.length, 0);
  return Buffer.concat([Buffer.from('abcdefghijklmnop', 'latin1'), len, body, Buffer.from(receiveId, 'utf8')]);
}

function pad32(buf: Buffer): Buffer {
  const n = 32 - (buf.length % 32);
  return Buffer.concat([buf, Buffer.alloc(n, n)]);
}


function signedQuery(token: string, timestamp: string, nonce: string, encrypt: string) {
  return { msgSignature: computeSignature(token, timestamp, nonce, encrypt), timestamp, nonce };
}

describe('decodeEncodingAesKey', () => {
  it.each(file.vectors.map((v) => [v.id, v] as const))('decodes the key of %s to aesKeyHex', (_id, v) => {
    const key = decodeEncodingAesKey(v.encodingAESKey);
    expect(key).toHaveLength(32);
    expect(key.toString('hex')).toBe(v.aesKeyHex);
    expect(key.subarray(0, 16).toString('hex')).toBe(v.ivHex);
  });

  it('accepts the official non-canonical key ending in C (lenient like Node base64)', () => {
    const official = officialVector('official-callback-example');
    expect(official.keyLastCharNonCanonical).toBe(true);
    expect(official.encodingAESKey.endsWith('C')).toBe(true);
    const key = decodeEncodingAesKey(official.encodingAESKey);
    expect(key.equals(Buffer.from(`${official.encodingAESKey}=`, 'base64'))).toBe(true);
  });

  it('maps two key strings that differ only in the ignored low bits to the same key', () => {
    const noncanonical = positiveVector('edge-empty-message-noncanonical-key');
    expect(noncanonical.encodingAESKey).not.toBe(app.encodingAESKey);
    expect(decodeEncodingAesKey(noncanonical.encodingAESKey).equals(appKey)).toBe(true);
  });

  it.each([
    ['42 characters', app.encodingAESKey.slice(0, 42), /43 characters.*got 42 characters/],
    ['44 characters', `${app.encodingAESKey}A`, /got 44 characters/],
    ['a padded key', `${app.encodingAESKey}=`, /got 44 characters/],
    ['empty', '', /got 0 characters/],
    ['a trailing newline', `${app.encodingAESKey}\n`, /got 44 characters \(it has surrounding whitespace\)/],
  ])('rejects %s', (_what, key, message) => {
    expect(() => decodeEncodingAesKey(key)).toThrow(message);
  });

  it.each([
    ['+', 10],
    ['/', 1],
    ['-', 43],
    ['_', 20],
    [' ', 5],
  ])('rejects the base64 character %j and names its position, not the key', (ch, position) => {
    const key = app.encodingAESKey.slice(0, position - 1) + ch + app.encodingAESKey.slice(position);
    expect(key).toHaveLength(43);
    let message = '';
    try {
      decodeEncodingAesKey(key);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toBe(
      `EncodingAESKey must be 43 characters of A-Z, a-z, 0-9; the character at position ${position} is not`,
    );
    expect(message).not.toContain(app.encodingAESKey.slice(0, 10));
  });
});

describe('computeSignature / verifySignature', () => {
  const all = [...file.vectors, ...file.negative, ...file.official];

  it.each(file.vectors.map((v) => [v.id, v] as const))('%s: sha1 of the sorted concatenation', (_id, v) => {
    expect(computeSignature(v.token, v.timestamp, v.nonce, v.ciphertextBase64)).toBe(v.signature);
    expect([v.token, v.timestamp, v.nonce, v.ciphertextBase64].sort().join('')).toBe(v.signatureInput);
    expect(wecomCrypto.getSignature(v.token, v.timestamp, v.nonce, v.ciphertextBase64)).toBe(v.signature);
  });

  it.each(file.official.map((v) => [v.id, v] as const))('%s: reproduces the published signature', (_id, v) => {
    expect(computeSignature(v.token, v.timestamp, v.nonce, v.ciphertextBase64)).toBe(v.signature);
    expect(verifySignature(v.token, v.timestamp, v.nonce, v.ciphertextBase64, v.signature)).toBe(true);
  });

  it('accepts every correct signature and refuses neg-bad-signature', () => {
    for (const v of all.filter((x) => x.id !== 'neg-bad-signature')) {
      expect(verifySignature(v.token, v.timestamp, v.nonce, v.ciphertextBase64, v.signature)).toBe(true);
    }
    const bad = negativeVector('neg-bad-signature');
    expect(verifySignature(bad.token, bad.timestamp, bad.nonce, bad.ciphertextBase64, bad.signature)).toBe(false);
  });

  it('refuses a signature of another length, in upper case, or over a changed value', () => {
    const args = [app.token, app.timestamp, app.nonce, app.ciphertextBase64] as const;
    expect(verifySignature(...args, app.signature.slice(0, 39))).toBe(false);
    expect(verifySignature(...args, `${app.signature}0`)).toBe(false);
    expect(verifySignature(...args, '')).toBe(false);
    expect(verifySignature(...args, app.signature.toUpperCase())).toBe(false);
    expect(verifySignature(app.token, app.timestamp, `${app.nonce}1`, app.ciphertextBase64, app.signature)).toBe(false);
    expect(verifySignature('other', app.timestamp, app.nonce, app.ciphertextBase64, app.signature)).toBe(false);
  });

  it('sorts by bytes (the ordering does not depend on argument positions)', () => {
    const a = computeSignature('b', 'a', 'd', 'c');
    const b = computeSignature('d', 'c', 'b', 'a');
    expect(a).toBe(b);
    // sha1('abcd')
    expect(a).toBe('81fe8bfe87576c3ecb22426f8e57847382917acf');
  });
});

describe('encryptMessage', () => {
  it.each([...file.vectors, ...file.official].map((v) => [v.id, v] as const))(
    '%s: re-creates the ciphertext from randomHex',
    (_id, v) => {
      const key = decodeEncodingAesKey(v.encodingAESKey);
      const random = Buffer.from(v.randomHex, 'hex');
      expect(encryptMessage(key, v.plaintext, v.receiveId, random)).toBe(v.ciphertextBase64);
    },
  );

  it.each(file.vectors.map((v) => [v.id, v] as const))('%s: exact frame layout and padding', (_id, v) => {
    const padded = rawDecrypt(decodeEncodingAesKey(v.encodingAESKey), v.ciphertextBase64);
    expect(padded).toHaveLength(v.paddedLength);
    expect(padded.subarray(0, 16).toString('hex')).toBe(v.randomHex);
    expect(padded.subarray(16, 20).toString('hex')).toBe(v.msgLenFieldHex);
    expect(padded.readUInt32BE(16)).toBe(v.msgLenBytes);
    expect(padded.subarray(20, 20 + v.msgLenBytes).toString('utf8')).toBe(v.plaintext);
    expect(padded.subarray(20 + v.msgLenBytes, v.frameLength).toString('utf8')).toBe(v.receiveId);
    expect(padded.subarray(v.frameLength)).toEqual(Buffer.alloc(v.padLength, v.padLength));
  });

  it('adds a full block of 32 × 0x20 when the frame is already aligned (edge-exact-block-padding)', () => {
    const v = positiveVector('edge-exact-block-padding');
    expect(v.frameLength % 32).toBe(0);
    expect(v.padLength).toBe(32);
    const padded = rawDecrypt(decodeEncodingAesKey(v.encodingAESKey), v.ciphertextBase64);
    expect(padded.subarray(padded.length - 32)).toEqual(Buffer.alloc(32, 0x20));
  });

  it('refuses a random prefix that is not 16 bytes (@wecom/crypto silently corrupts the frame)', () => {
    expect(() => encryptMessage(appKey, 'x', CORP_ID, Buffer.alloc(8))).toThrow(/exactly 16 bytes/);
    expect(() => encryptMessage(appKey, 'x', CORP_ID, Buffer.alloc(17))).toThrow(/exactly 16 bytes/);
  });

  it('refuses an AES key that is not 32 bytes', () => {
    expect(() => encryptMessage(Buffer.alloc(16), 'x', CORP_ID)).toThrow(/32-byte/);
  });

  it('uses a fresh alphanumeric random prefix when none is given', () => {
    const a = encryptMessage(appKey, 'same text', CORP_ID);
    const b = encryptMessage(appKey, 'same text', CORP_ID);
    expect(a).not.toBe(b);
    for (const ct of [a, b]) {
      expect(decryptMessage(appKey, ct, CORP_ID)).toBe('same text');
      expect(rawDecrypt(appKey, ct).subarray(0, 16).toString('latin1')).toMatch(/^[A-Za-z0-9]{16}$/);
      expect(wecomCrypto.decrypt(app.encodingAESKey, ct)).toMatchObject({ message: 'same text', id: CORP_ID });
    }
  });

  it('round-trips UTF-8, an empty message and the robot empty receiveid', () => {
    for (const [msg, rid] of [
      ['联络员会议 🚀', CORP_ID],
      ['', CORP_ID],
      ['{"a":1}', ''],
      ['x'.repeat(1000), ''],
    ] as const) {
      expect(decryptMessage(botKey, encryptMessage(botKey, msg, rid), rid)).toBe(msg);
    }
  });
});

describe('decryptMessage', () => {
  it.each([...file.vectors, ...file.official].map((v) => [v.id, v] as const))(
    '%s: decrypts to the plaintext with its receiveid',
    (_id, v) => {
      const key = decodeEncodingAesKey(v.encodingAESKey);
      expect(decryptMessage(key, v.ciphertextBase64, v.receiveId)).toBe(v.plaintext);
      // Cross-check with the official (lax) library.
      const lax = wecomCrypto.decrypt(v.encodingAESKey, v.ciphertextBase64);
      expect(lax.message).toBe(v.plaintext);
      expect(lax.id).toBe(v.receiveId);
    },
  );

  it.each(file.vectors.map((v) => [v.id, v] as const))(
    '%s: openCallback (signature, skew, strict decryption with its receiveid) gives the plaintext',
    (_id, v) => {
      const plaintext = openCallback({
        token: v.token,
        aesKey: decodeEncodingAesKey(v.encodingAESKey),
        receiveId: v.receiveId,
        query: { msgSignature: v.signature, timestamp: v.timestamp, nonce: v.nonce },
        encrypt: v.ciphertextBase64,
        maxSkewSeconds: 300,
        now: nowOf(v.timestamp, -2),
      });
      expect(plaintext).toBe(v.plaintext);
      expect(Buffer.byteLength(plaintext, 'utf8')).toBe(v.msgLenBytes);
    },
  );

  it('decrypts the empty message of edge-empty-message-noncanonical-key', () => {
    const v = positiveVector('edge-empty-message-noncanonical-key');
    expect(v.msgLenBytes).toBe(0);
    expect(decryptMessage(appKey, v.ciphertextBase64, v.receiveId)).toBe('');
  });

  it('rejects a wrong receiveid (-40005) in both directions', () => {
    expect(rejection(() => decryptMessage(appKey, app.ciphertextBase64, 'wwffffffffffffffff')).code).toBe(-40005);
    expect(rejection(() => decryptMessage(appKey, app.ciphertextBase64, '')).code).toBe(-40005);
    expect(rejection(() => decryptMessage(appKey, app.ciphertextBase64, CORP_ID.slice(0, -1))).code).toBe(-40005);
    expect(rejection(() => decryptMessage(appKey, app.ciphertextBase64, `${CORP_ID} `)).code).toBe(-40005);
    // The robot's receiveid is "": anything after msg is a mismatch.
    expect(rejection(() => decryptMessage(botKey, bot.ciphertextBase64, CORP_ID)).code).toBe(-40005);
    const withRid = encryptMessage(botKey, '{}', 'x');
    expect(rejection(() => decryptMessage(botKey, withRid, '')).code).toBe(-40005);
  });

  it('rejects empty and non-base64 ciphertext (-40010)', () => {
    expect(rejection(() => decryptMessage(appKey, '', CORP_ID)).code).toBe(-40010);
    expect(rejection(() => decryptMessage(appKey, `${app.ciphertextBase64.slice(0, -4)}!!!!`, CORP_ID)).code).toBe(
      -40010,
    );
    expect(rejection(() => decryptMessage(appKey, app.ciphertextBase64.replace(/\+/g, '-'), CORP_ID)).code).toBe(-40010);
    expect(rejection(() => decryptMessage(appKey, ` ${app.ciphertextBase64}`, CORP_ID)).code).toBe(-40010);
  });

  it('rejects truncated base64', () => {
    // One character off: no longer a base64 length.
    expect(rejection(() => decryptMessage(appKey, app.ciphertextBase64.slice(0, -1), CORP_ID)).code).toBe(-40010);
    // Four characters (3 bytes) off: valid base64, but the ciphertext is no longer a multiple of 32 bytes.
    expect(rejection(() => decryptMessage(appKey, app.ciphertextBase64.slice(0, -4), CORP_ID)).code).toBe(-40007);
    // Cut to a whole number of blocks: decrypts, but the padding/frame is garbage.
    const cut = Buffer.from(app.ciphertextBase64, 'base64').subarray(0, 64).toString('base64');
    const e = rejection(() => decryptMessage(appKey, cut, CORP_ID));
    expect([-40008, -40005]).toContain(e.code);
  });

  it('rejects a ciphertext that is not a multiple of 32 bytes (-40007), even one AES block', () => {
    const oneAesBlock = Buffer.from(app.ciphertextBase64, 'base64').subarray(0, 16).toString('base64');
    expect(rejection(() => decryptMessage(appKey, oneAesBlock, CORP_ID)).code).toBe(-40007);
    const fortyEight = Buffer.from(app.ciphertextBase64, 'base64').subarray(0, 48).toString('base64');
    expect(rejection(() => decryptMessage(appKey, fortyEight, CORP_ID)).code).toBe(-40007);
    expect(rejection(() => decryptMessage(appKey, Buffer.alloc(33).toString('base64'), CORP_ID)).code).toBe(-40007);
  });

  it('rejects pad byte 0 and pad byte 33 (-40008)', () => {
    const base = frame('hello', CORP_ID); // 43 bytes
    const pad0 = Buffer.concat([base, Buffer.alloc(21, 0)]);
    const e0 = rejection(() => decryptMessage(appKey, rawEncrypt(appKey, pad0), CORP_ID));
    expect(e0.code).toBe(-40008);
    expect(e0.reason).toBe('pad byte 0 outside 1..32');
    const pad33 = Buffer.concat([base, Buffer.alloc(21, 33)]);
    const e33 = rejection(() => decryptMessage(appKey, rawEncrypt(appKey, pad33), CORP_ID));
    expect(e33.code).toBe(-40008);
    expect(e33.reason).toBe('pad byte 33 outside 1..32');
    // The lax library accepts both.
    expect(() => wecomCrypto.decrypt(app.encodingAESKey, rawEncrypt(appKey, pad0))).not.toThrow();
  });

  it('rejects pad bytes that are not all equal (-40008)', () => {
    const bad = pad32(frame('hello', CORP_ID));
    bad[bad.length - 5] = 0x01;
    const e = rejection(() => decryptMessage(appKey, rawEncrypt(appKey, bad), CORP_ID));
    expect(e.code).toBe(-40008);
    expect(e.reason).toBe('pad bytes not all equal');
  });

  it('rejects a msg_len larger than the data (-40008), including by one byte', () => {
    const overflow = pad32(frame('hello', '', 6));
    const e = rejection(() => decryptMessage(appKey, rawEncrypt(appKey, overflow), ''));
    expect(e.code).toBe(-40008);
    expect(e.reason).toBe('msg_len exceeds data');
    const huge = pad32(frame('hello', CORP_ID, 0xffffffff));
    expect(rejection(() => decryptMessage(appKey, rawEncrypt(appKey, huge), CORP_ID)).code).toBe(-40008);
  });

  it('rejects a frame shorter than 20 bytes (-40008)', () => {
    const short = pad32(Buffer.alloc(19, 0x41));
    const e = rejection(() => decryptMessage(appKey, rawEncrypt(appKey, short), CORP_ID));
    expect(e.code).toBe(-40008);
    expect(e.reason).toMatch(/shorter than 20/);
    // A frame of a full block of padding only.
    expect(rejection(() => decryptMessage(appKey, rawEncrypt(appKey, Buffer.alloc(32, 32)), '')).code).toBe(-40008);
  });

  it('rejects a msg that is not UTF-8 (-40008)', () => {
    const bad = pad32(frame(Buffer.from([0x61, 0xff, 0xfe]), CORP_ID));
    expect(rejection(() => decryptMessage(appKey, rawEncrypt(appKey, bad), CORP_ID)).code).toBe(-40008);
  });

  it('keeps a leading BOM of the msg (the verification answer must be byte-exact)', () => {
    const ct = encryptMessage(appKey, '\uFEFF123', CORP_ID);
    expect(decryptMessage(appKey, ct, CORP_ID)).toBe('\uFEFF123');
  });

  it('rejects a ciphertext made with another key', () => {
    expect(rejection(() => decryptMessage(botKey, app.ciphertextBase64, CORP_ID)).code).toBeLessThan(-40000);
  });
});

describe('negative vectors', () => {
  it.each(file.negative.map((v) => [v.id, v] as const))('%s is rejected with its expected code', (_id, v) => {
    expect(v.expect.reject).toBe(true);
    const e = rejection(() =>
      openCallback({
        token: v.token,
        aesKey: decodeEncodingAesKey(v.encodingAESKey),
        receiveId: v.expectedReceiveId,
        query: { msgSignature: v.signature, timestamp: v.timestamp, nonce: v.nonce },
        encrypt: v.ciphertextBase64,
        maxSkewSeconds: 600,
        now: nowOf(v.timestamp),
      }),
    );
    expect(e.code).toBe(v.expect.code);
    if (v.strictResult === 'pad bytes not all equal' || v.strictResult === 'msg_len exceeds data') {
      expect(e.reason).toBe(v.strictResult);
    }
  });

  it.each(file.negative.filter((v) => v.id !== 'neg-bad-signature').map((v) => [v.id, v] as const))(
    '%s: decryptMessage alone rejects it too, while @wecom/crypto accepts it',
    (_id, v) => {
      const e = rejection(() =>
        decryptMessage(decodeEncodingAesKey(v.encodingAESKey), v.ciphertextBase64, v.expectedReceiveId),
      );
      expect(e.code).toBe(v.expect.code);
      const lax = wecomCrypto.decrypt(v.encodingAESKey, v.ciphertextBase64);
      expect(lax.message).toBe(v.wecomCryptoBehaviour?.message);
      expect(lax.id).toBe(v.wecomCryptoBehaviour?.id);
    },
  );
});

describe('openCallback', () => {
  const base = {
    token: app.token,
    aesKey: appKey,
    receiveId: CORP_ID,
    encrypt: app.ciphertextBase64,
    maxSkewSeconds: 600,
  };
  const query = { msgSignature: app.signature, timestamp: app.timestamp, nonce: app.nonce };

  it('opens a valid callback', () => {
    expect(openCallback({ ...base, query, now: nowOf(app.timestamp) })).toBe(app.plaintext);
  });

  it.each([
    ['msgSignature', 'msg_signature missing'],
    ['timestamp', 'timestamp missing'],
    ['nonce', 'nonce missing'],
  ] as const)('rejects a missing %s (-40001)', (field, reason) => {
    const e = rejection(() => openCallback({ ...base, query: { ...query, [field]: undefined }, now: nowOf(app.timestamp) }));
    expect(e.code).toBe(-40001);
    expect(e.reason).toBe(reason);
    const empty = rejection(() => openCallback({ ...base, query: { ...query, [field]: '' }, now: nowOf(app.timestamp) }));
    expect(empty.code).toBe(-40001);
  });

  it.each(['17356986OO', '-1735698600', '1735698600.5', ' 1735698600', '0x1234', '1'.repeat(13)])(
    'rejects the timestamp %j (-40001) even when signed',
    (timestamp) => {
      const q = signedQuery(app.token, timestamp, app.nonce, app.ciphertextBase64);
      const e = rejection(() => openCallback({ ...base, query: q, maxSkewSeconds: 0, now: nowOf(app.timestamp) }));
      expect(e.code).toBe(-40001);
      expect(e.reason).toBe('timestamp is not a number of seconds');
    },
  );

  it('accepts timestamps inside the skew window, both directions, up to the limit', () => {
    for (const offset of [0, 1, -1, 599, -599, 600, -600]) {
      expect(openCallback({ ...base, query, now: nowOf(app.timestamp, offset) })).toBe(app.plaintext);
    }
  });

  it('rejects timestamps outside the skew window (-40001) before checking the signature', () => {
    for (const offset of [601, -601, 86400]) {
      const e = rejection(() => openCallback({ ...base, query, now: nowOf(app.timestamp, offset) }));
      expect(e.code).toBe(-40001);
      expect(e.reason).toMatch(/outside the accepted window/);
    }
    // Sub-second: 600.5 s is outside a 600 s window.
    const late = new Date(Number(app.timestamp) * 1000 + 600_500);
    expect(rejection(() => openCallback({ ...base, query, now: late })).reason).toMatch(/outside/);
  });

  it('skips the skew check when maxSkewSeconds is 0', () => {
    expect(openCallback({ ...base, query, maxSkewSeconds: 0, now: new Date('2031-06-01T00:00:00Z') })).toBe(
      app.plaintext,
    );
    expect(openCallback({ ...base, query, maxSkewSeconds: 0, now: new Date(0) })).toBe(app.plaintext);
  });

  it('refuses a negative or non-finite maxSkewSeconds as a programming error', () => {
    expect(() => openCallback({ ...base, query, maxSkewSeconds: -1, now: nowOf(app.timestamp) })).toThrow(
      /non-negative/,
    );
    expect(() => openCallback({ ...base, query, maxSkewSeconds: Number.NaN, now: nowOf(app.timestamp) })).toThrow(
      /non-negative/,
    );
  });

  it('rejects a signature over another encrypt, timestamp, nonce or token (-40001)', () => {
    const now = nowOf(app.timestamp);
    const other = positiveVector('app-event-enter-agent');
    expect(rejection(() => openCallback({ ...base, encrypt: other.ciphertextBase64, query, now })).code).toBe(-40001);
    expect(rejection(() => openCallback({ ...base, query: { ...query, nonce: '1' }, now })).code).toBe(-40001);
    expect(
      rejection(() => openCallback({ ...base, query: { ...query, timestamp: String(Number(app.timestamp) + 1) }, now }))
        .code,
    ).toBe(-40001);
    expect(rejection(() => openCallback({ ...base, token: 'wrong', query, now })).code).toBe(-40001);
  });

  it('checks the signature before decrypting (garbage signed correctly reaches decryption)', () => {
    const now = nowOf(app.timestamp);
    expect(rejection(() => openCallback({ ...base, encrypt: 'not base64!', query, now })).code).toBe(-40001);
    const q = signedQuery(app.token, app.timestamp, app.nonce, 'not base64!');
    expect(rejection(() => openCallback({ ...base, encrypt: 'not base64!', query: q, now })).code).toBe(-40010);
  });

  it('rejects the wrong receiveid after a valid signature (-40005)', () => {
    const e = rejection(() => openCallback({ ...base, receiveId: '', query, now: nowOf(app.timestamp) }));
    expect(e.code).toBe(-40005);
  });
});

describe('positive vectors through the HTTP request they describe', () => {
  const requests = file.vectors.filter((v) => isHttpRequest(v.http));

  function encryptOf(v: PositiveVector, rawQuery: string): string {
    const http = v.http;
    if (!isHttpRequest(http)) throw new Error('not a request vector');
    if (http.method === 'GET') {
      const echostr = parseCallbackQuery(rawQuery).echostr;
      if (echostr === undefined) throw new Error('no echostr');
      return echostr;
    }
    const body = http.body ?? '';
    const match = v.kind === 'aibot-callback-post' ? /"encrypt":"([^"]+)"/.exec(body) : /<Encrypt><!\[CDATA\[([^\]]+)\]\]><\/Encrypt>/.exec(body);
    if (!match) throw new Error('no ciphertext in body');
    return match[1];
  }

  it('covers every request vector kind', () => {
    expect(new Set(requests.map((v) => v.kind))).toEqual(
      new Set(['app-callback-post', 'url-verify-get', 'aibot-callback-post']),
    );
  });

  it.each(requests.map((v) => [v.id, v] as const))('%s: query + body open to the plaintext', (_id, v) => {
    const http = v.http;
    if (!isHttpRequest(http)) throw new Error('not a request vector');
    const { rawQuery } = splitUrl(http.url);
    const query = parseCallbackQuery(rawQuery);
    expect(query).toMatchObject({ msgSignature: v.signature, timestamp: v.timestamp, nonce: v.nonce });
    const encrypt = encryptOf(v, rawQuery);
    expect(encrypt).toBe(v.ciphertextBase64);
    const plaintext = openCallback({
      token: v.token,
      aesKey: decodeEncodingAesKey(v.encodingAESKey),
      receiveId: v.receiveId,
      query,
      encrypt,
      maxSkewSeconds: 600,
      now: nowOf(v.timestamp, 3),
    });
    expect(plaintext).toBe(v.plaintext);
    if (http.method === 'GET') {
      expect(http.expectedResponseBody).toBe(plaintext);
      expect(plaintext).toMatch(/^[0-9]+$/);
    }
  });

  it('the URL-verification echostr values contain "+" and "/", percent-encoded on the wire', () => {
    const verify = file.vectors.filter((v) => v.kind === 'url-verify-get');
    expect(verify.map((v) => v.id).sort()).toEqual(['aibot-url-verify', 'app-url-verify']);
    for (const v of verify) {
      expect(v.ciphertextBase64).toMatch(/[+/]/);
      if (!isHttpRequest(v.http)) throw new Error('not a request vector');
      expect(v.http.url).toMatch(/%2B|%2F/);
    }
  });
});

describe('official examples', () => {
  it.each(file.official.map((v) => [v.id, v] as const))('%s opens with openCallback', (_id, v) => {
    const plaintext = openCallback({
      token: v.token,
      aesKey: decodeEncodingAesKey(v.encodingAESKey),
      receiveId: v.receiveId,
      query: { msgSignature: v.signature, timestamp: v.timestamp, nonce: v.nonce },
      encrypt: v.ciphertextBase64,
      maxSkewSeconds: 600,
      now: nowOf(v.timestamp),
    });
    expect(plaintext).toBe(v.plaintext);
    const padded = rawDecrypt(decodeEncodingAesKey(v.encodingAESKey), v.ciphertextBase64);
    expect(padded.subarray(0, 16).toString('latin1')).toBe(v.randomAscii);
  });

  it('the URL example answers the documented digits', () => {
    expect(officialVector('official-url-verify-example').plaintext).toBe('1616140317555161061');
  });
});

describe('sealReply', () => {
  it.each(file.vectors.filter((v) => isHttpReply(v.http)).map((v) => [v.id, v] as const))(
    '%s: same ciphertext and signature as the vector',
    (_id, v) => {
      const sealed = sealReply({
        token: v.token,
        aesKey: decodeEncodingAesKey(v.encodingAESKey),
        receiveId: v.receiveId,
        plaintext: v.plaintext,
        timestamp: v.timestamp,
        nonce: v.nonce,
        random: Buffer.from(v.randomHex, 'hex'),
      });
      expect(sealed).toEqual({ encrypt: v.ciphertextBase64, signature: v.signature });
    },
  );

  it('produces a reply that the receiving side can open', () => {
    const sealed = sealReply({
      token: bot.token,
      aesKey: botKey,
      receiveId: '',
      plaintext: '{"msgtype":"text","text":{"content":"hi"}}',
      timestamp: '1735699300',
      nonce: 'n1',
    });
    const opened = openCallback({
      token: bot.token,
      aesKey: botKey,
      receiveId: '',
      query: { msgSignature: sealed.signature, timestamp: '1735699300', nonce: 'n1' },
      encrypt: sealed.encrypt,
      maxSkewSeconds: 0,
      now: new Date(),
    });
    expect(JSON.parse(opened)).toEqual({ msgtype: 'text', text: { content: 'hi' } });
  });
});

describe('CallbackRejectedError', () => {
  it('carries the code and the reason, and a message naming both', () => {
    const e = new CallbackRejectedError(CallbackErrorCode.ValidateReceiveId, 'receiveid does not match');
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('CallbackRejectedError');
    expect(e.code).toBe(-40005);
    expect(e.reason).toBe('receiveid does not match');
    expect(e.message).toBe('WeCom callback rejected (-40005): receiveid does not match');
  });

  it('uses the official numbering', () => {
    expect(CallbackErrorCode).toEqual({
      ValidateSignature: -40001,
      ParseMessage: -40002,
      ValidateReceiveId: -40005,
      DecryptAes: -40007,
      IllegalBuffer: -40008,
      DecodeBase64: -40010,
    });
  });
});
