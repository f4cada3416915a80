import type { InboundFile } from '../inbound-message';

/** Why a file could not be fetched: the link expired (robot links live 5 minutes), or another failure. */
export type FileFetchErrorCode = 'expired' | 'failed';

export class FileFetchError extends Error {
  constructor(
    readonly code: FileFetchErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'FileFetchError';
  }
}

/**
 * The port through which the chat layer gets the bytes of a file a person sent (implemented by the WeCom robot
 * media client: download and decrypt). Rejects with FileFetchError.
 */
export interface FileFetcher {
  fetch(file: InboundFile): Promise<Buffer>;
}
