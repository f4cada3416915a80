import { randomBytes } from 'node:crypto';

/** One file part of a multipart/form-data body. */
export interface MultipartFile {
  /** the form field name; WeCom's media/upload wants `media` */
  field: string;
  filename: string;
  contentType: string;
  data: Uint8Array;
  /** extra Content-Disposition parameters, e.g. WeCom's optional filelength */
  dispositionParams?: Record<string, string | number>;
}

export interface MultipartBody {
  /** the request's Content-Type header, with the boundary */
  contentType: string;
  body: Buffer;
}

/**
 * A multipart/form-data body (RFC 7578) with one file part, built by hand so the bytes are exactly what we mean: the
 * file name goes out as UTF-8 in the quoted `filename` parameter (what browsers send, and what WeCom shows to the
 * recipient); `"`, CR and LF in it are percent-encoded as the HTML standard does.
 */
export function encodeMultipart(file: MultipartFile, boundary = `----liaisonbot${randomBytes(12).toString('hex')}`): MultipartBody {
  const params = Object.entries(file.dispositionParams ?? {})
    .map(([name, value]) => `; ${name}=${typeof value === 'number' ? String(value) : quote(value)}`)
    .join('');
  const head =
    `--${boundary}\r\n` +
    `Content-Disposition: form-data; name=${quote(file.field)}; filename=${quote(file.filename)}${params}\r\n` +
    `Content-Type: ${file.contentType}\r\n\r\n`;
  const tail = `\r\n--${boundary}--\r\n`;
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    body: Buffer.concat([Buffer.from(head, 'utf8'), Buffer.from(file.data), Buffer.from(tail, 'utf8')]),
  };
}

function quote(value: string): string {
  return `"${value.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A')}"`;
}
