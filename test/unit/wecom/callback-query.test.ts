import { decodeEncodingAesKey, openCallback } from '../../../src/wecom/callback-crypto';
import { parseCallbackQuery } from '../../../src/wecom/callback-query';
import { isHttpRequest, loadVectors, positiveVector, splitUrl } from '../../helpers/wecom-vectors';
import { rejection } from '../../helpers/rejection';


const appVerify = positiveVector('app-url-verify');
const botVerify = positiveVector('aibot-url-verify');

function rawQueryOf(id: string): string {
  const http = positiveVector(id).http;
  if (!isHttpRequest(http)) throw new Error(`${id} is not a request vector`);
  return splitUrl(http.url).rawQuery;
}

describe('parseCallbackQuery', () => {
  it('reads the four parameters of a URL verification exactly', () => {
    expect(parseCallbackQuery(rawQueryOf('app-url-verify'))).toEqual({
      msgSignature: appVerify.signature,
      timestamp: appVerify.timestamp,
      nonce: appVerify.nonce,
      echostr: appVerify.ciphertextBase64,
    });
  });

  it('reads a POST callback query (no echostr)', () => {
    const v = positiveVector('app-text-message');
    expect(parseCallbackQuery(rawQueryOf('app-text-message'))).toEqual({
      msgSignature: v.signature,
      timestamp: v.timestamp,
      nonce: v.nonce,
    });
  });

  it('accepts a leading "?" and an empty query', () => {
    expect(parseCallbackQuery(`?${rawQueryOf('aibot-url-verify')}`).echostr).toBe(botVerify.ciphertextBase64);
    expect(parseCallbackQuery('')).toEqual({});
    expect(parseCallbackQuery('?')).toEqual({});
  });

  it('keeps a literal "+" in echostr (Node querystring would turn it into a space)', () => {
    const raw = `msg_signature=${appVerify.signature}&timestamp=${appVerify.timestamp}&nonce=${appVerify.nonce}&echostr=${appVerify.ciphertextBase64.replace(/\//g, '%2F').replace(/=/g, '%3D')}`;
    expect(raw).toContain('+');
    expect(parseCallbackQuery(raw).echostr).toBe(appVerify.ciphertextBase64);
    expect(parseCallbackQuery('echostr=ab+c%2Bd').echostr).toBe('ab+c+d');
  });

  it('decodes %2B, %2F and %3D (also in lower case)', () => {
    expect(parseCallbackQuery('echostr=%2BzvZ%2f1%3D%3d').echostr).toBe('+zvZ/1==');
  });

  it('accepts an unencoded "=" and "/" inside a value', () => {
    expect(parseCallbackQuery('echostr=abc/def==&nonce=1').echostr).toBe('abc/def==');
  });

  it('restores spaces to "+" in echostr only (a proxy un-encoded the URL)', () => {
    const spaced = appVerify.ciphertextBase64.replace(/\+/g, ' ');
    expect(spaced).toContain(' ');
    const q = parseCallbackQuery(
      `msg_signature=${appVerify.signature}&timestamp=${appVerify.timestamp}&nonce=${appVerify.nonce}&echostr=${spaced}`,
    );
    expect(q.echostr).toBe(appVerify.ciphertextBase64);
    expect(parseCallbackQuery('echostr=a%20b').echostr).toBe('a+b');
    // Other parameters are not rewritten: the signature check decides.
    expect(parseCallbackQuery('nonce=a%20b').nonce).toBe('a b');
    expect(parseCallbackQuery('nonce=a+b').nonce).toBe('a+b');
  });

  it('the space-mangled URL verification still opens', () => {
    const mangled = rawQueryOf('app-url-verify').replace(/%2B/g, ' ');
    expect(mangled).toContain(' ');
    const query = parseCallbackQuery(mangled);
    const plaintext = openCallback({
      token: appVerify.token,
      aesKey: decodeEncodingAesKey(appVerify.encodingAESKey),
      receiveId: appVerify.receiveId,
      query,
      encrypt: query.echostr ?? '',
      maxSkewSeconds: 600,
      now: new Date(Number(appVerify.timestamp) * 1000),
    });
    expect(plaintext).toBe(appVerify.plaintext);
  });

  it('both URL-verification vectors open from their raw query to the expected response body', () => {
    for (const v of loadVectors().vectors.filter((x) => x.kind === 'url-verify-get')) {
      const http = v.http;
      if (!isHttpRequest(http)) throw new Error('not a request vector');
      const query = parseCallbackQuery(splitUrl(http.url).rawQuery);
      expect(
        openCallback({
          token: v.token,
          aesKey: decodeEncodingAesKey(v.encodingAESKey),
          receiveId: v.receiveId,
          query,
          encrypt: query.echostr ?? '',
          maxSkewSeconds: 600,
          now: new Date(Number(v.timestamp) * 1000),
        }),
      ).toBe(http.expectedResponseBody);
    }
  });

  it('ignores unknown parameters, empty pieces and unknown malformed parameters', () => {
    expect(parseCallbackQuery('a=1&&nonce=5&x&%E0%A4%A=2&y=%ZZ&timestamp=7')).toEqual({ nonce: '5', timestamp: '7' });
  });

  it('keeps an empty value (openCallback then reports it missing)', () => {
    expect(parseCallbackQuery('nonce=&timestamp=1')).toEqual({ nonce: '', timestamp: '1' });
  });

  it.each([
    ['msg_signature=a&msg_signature=b', 'query parameter msg_signature is repeated'],
    ['timestamp=1&nonce=2&timestamp=1', 'query parameter timestamp is repeated'],
    ['echostr=a&echostr=a', 'query parameter echostr is repeated'],
    ['nonce=1&nonce', 'query parameter nonce has no value'],
    ['echostr', 'query parameter echostr has no value'],
    ['echostr=%E0%A4%A', 'malformed percent-encoding in query parameter echostr'],
    ['msg_signature=%zz', 'malformed percent-encoding in query parameter msg_signature'],
    ['nonce=%', 'malformed percent-encoding in query parameter nonce'],
  ])('rejects %j', (raw, reason) => {
    const e = rejection(() => parseCallbackQuery(raw));
    expect(e.code).toBe(-40001);
    expect(e.reason).toBe(reason);
  });

  it('recognises a percent-encoded parameter name (and so its duplicate)', () => {
    expect(parseCallbackQuery('msg%5Fsignature=abc').msgSignature).toBe('abc');
    expect(rejection(() => parseCallbackQuery('msg_signature=a&msg%5Fsignature=b')).code).toBe(-40001);
  });

  it('does not let "__proto__" or "constructor" pollute the result', () => {
    const q = parseCallbackQuery('__proto__=x&constructor=y&toString=z&nonce=1');
    expect(q).toEqual({ nonce: '1' });
    expect(Object.getPrototypeOf(q)).toBe(Object.prototype);
  });
});
