import { createDecipheriv } from 'node:crypto';
import { FileFetchError, type FileFetcher } from '../chat/inspection/file-fetcher';
import type { InboundFile } from '../chat/inbound-message';
import { decodeEncodingAesKey } from './callback-crypto';

export interface RobotMediaClientOptions {
  /** The robot callback's EncodingAESKey (43 characters). */
  encodingAesKey: string;
  timeoutMs: number;
  /** Largest file accepted (the robot delivers files up to 100 MB; an inspection table is far smaller). */
  maxBytes?: number;
}

/**
 * Downloads a file the intelligent robot received (PROTOCOL §8.7): GET `file.url` within 5 minutes; the body is
 * AES-256-CBC with the callback's key, IV = its first 16 bytes, PKCS#7 padding to 32 bytes, no frame. An expired
 * link (HTTP 403/404, or a JSON error) is FileFetchError('expired').
 */
export class RobotMediaClient implements FileFetcher {
  private readonly key: Buffer;

  constructor(private readonly options: RobotMediaClientOptions) {
    this.key = decodeEncodingAesKey(options.encodingAesKey);
  }

  async fetch(file: InboundFile): Promise<Buffer> {
    let response: Response;
    try {
      response = await fetch(file.url, { signal: AbortSignal.timeout(this.options.timeoutMs) });
    } catch (error) {
      throw new FileFetchError('failed', `download failed: ${(error as Error).message}`);
    }
    if (response.status === 403 || response.status === 404 || response.status === 410) {
      throw new FileFetchError('expired', `download refused with HTTP ${response.status} (link expired)`);
    }
    if (!response.ok) throw new FileFetchError('failed', `download failed with HTTP ${response.status}`);
    const max = this.options.maxBytes ?? 20 * 1024 * 1024;
    const length = Number(response.headers.get('content-length') ?? 0);
    if (length > max) throw new FileFetchError('failed', `file too large (${length} bytes)`);
    const body = Buffer.from(await response.arrayBuffer());
    if ((response.headers.get('content-type') ?? '').includes('json')) {
      throw new FileFetchError('expired', `download answered with an error: ${body.toString('utf8').slice(0, 200)}`);
    }
    if (body.length > max) throw new FileFetchError('failed', `file too large (${body.length} bytes)`);
    return decryptMedia(this.key, body);
  }
}

/** AES-256-CBC, IV = first 16 bytes of the key, PKCS#7 padding of 1–32 bytes (checked). */
export function decryptMedia(key: Buffer, body: Buffer): Buffer {
  if (body.length === 0 || body.length % 16 !== 0) throw new FileFetchError('failed', `encrypted body has a bad length (${body.length})`);
  let plain: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
    decipher.setAutoPadding(false);
    plain = Buffer.concat([decipher.update(body), decipher.final()]);
  } catch (error) {
    throw new FileFetchError('failed', `decryption failed: ${(error as Error).message}`);
  }
  const pad = plain[plain.length - 1];
  if (pad < 1 || pad > 32 || pad > plain.length || !plain.subarray(plain.length - pad).every((b) => b === pad)) {
    throw new FileFetchError('failed', 'decryption failed: bad padding (wrong EncodingAESKey?)');
  }
  return plain.subarray(0, plain.length - pad);
}
