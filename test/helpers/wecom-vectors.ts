/**
 * Typed access to the WeCom callback-crypto test vectors (test/fixtures/wecom-vectors.json, the project's copy of
 * the shared vectors; see PROTOCOL.md §10.2).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export type VectorKind =
  | 'app-callback-post'
  | 'url-verify-get'
  | 'app-passive-reply'
  | 'aibot-callback-post'
  | 'aibot-passive-reply'
  | 'edge';

export interface VectorHttpRequest {
  method: 'GET' | 'POST';
  url: string;
  body?: string;
  expectedResponseStatus?: number;
  expectedResponseBody?: string;
}

export interface VectorHttpReply {
  responseBody: string;
}

/** A positive vector: produced by @wecom/crypto and an independent implementation. */
export interface PositiveVector {
  id: string;
  kind: VectorKind;
  description: string;
  token: string;
  encodingAESKey: string;
  aesKeyHex: string;
  ivHex: string;
  receiveId: string;
  timestamp: string;
  nonce: string;
  randomHex: string;
  plaintext: string;
  msgLenBytes: number;
  msgLenFieldHex: string;
  frameLength: number;
  padLength: number;
  paddedLength: number;
  ciphertextBase64: string;
  signatureInput: string;
  signature: string;
  http?: VectorHttpRequest | VectorHttpReply;
}

/** A vector that a strict implementation must reject with `expect.code`. */
export interface NegativeVector {
  id: string;
  description: string;
  token: string;
  encodingAESKey: string;
  expectedReceiveId: string;
  timestamp: string;
  nonce: string;
  ciphertextBase64: string;
  signature: string;
  expect: { reject: true; code: number };
  strictResult?: string;
  wecomCryptoBehaviour?: Record<string, unknown>;
}

/** The worked examples of the official WeCom crypto page (key ending in the non-canonical 'C'). */
export interface OfficialVector {
  id: string;
  token: string;
  timestamp: string;
  nonce: string;
  signature: string;
  ciphertextBase64: string;
  encodingAESKey: string;
  receiveId: string;
  randomHex: string;
  randomAscii: string;
  plaintext: string;
  keyLastCharNonCanonical: boolean;
}

export interface VectorFile {
  about: string;
  generator: { script: string; wecomCrypto: string };
  algorithm: Record<string, string>;
  vectors: PositiveVector[];
  negative: NegativeVector[];
  official: OfficialVector[];
}

export type AnyVector = PositiveVector | NegativeVector | OfficialVector;

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'wecom-vectors.json');
let cache: VectorFile | undefined;

export function loadVectors(): VectorFile {
  if (!cache) {
    const parsed = JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as VectorFile;
    if (!Array.isArray(parsed.vectors) || !Array.isArray(parsed.negative) || !Array.isArray(parsed.official)) {
      throw new Error('wecom-vectors.json: unexpected structure');
    }
    cache = parsed;
  }
  return cache;
}

/** Looks a vector up by id in all three sections; throws when unknown so a renamed vector fails loudly. */
export function vector(id: string): AnyVector {
  const file = loadVectors();
  const found = [...file.vectors, ...file.negative, ...file.official].find((v) => v.id === id);
  if (!found) throw new Error(`unknown WeCom test vector: ${id}`);
  return found;
}

export function positiveVector(id: string): PositiveVector {
  const found = loadVectors().vectors.find((v) => v.id === id);
  if (!found) throw new Error(`unknown positive WeCom test vector: ${id}`);
  return found;
}

export function negativeVector(id: string): NegativeVector {
  const found = loadVectors().negative.find((v) => v.id === id);
  if (!found) throw new Error(`unknown negative WeCom test vector: ${id}`);
  return found;
}

export function officialVector(id: string): OfficialVector {
  const found = loadVectors().official.find((v) => v.id === id);
  if (!found) throw new Error(`unknown official WeCom test vector: ${id}`);
  return found;
}

export function isHttpRequest(http: PositiveVector['http']): http is VectorHttpRequest {
  return http !== undefined && 'method' in http;
}

export function isHttpReply(http: PositiveVector['http']): http is VectorHttpReply {
  return http !== undefined && 'responseBody' in http;
}

/** Splits a vector request URL into path and raw query string (no decoding). */
export function splitUrl(url: string): { path: string; rawQuery: string } {
  const q = url.indexOf('?');
  return q === -1 ? { path: url, rawQuery: '' } : { path: url.slice(0, q), rawQuery: url.slice(q + 1) };
}
