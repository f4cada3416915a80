/**
 * The byte limits of group-bot webhook texts and the splitting that keeps within them: pure text rules, used by
 * whoever composes group messages (bulletins) and checked again by the webhook client before sending.
 */

/** Group-bot webhook content limits (PROTOCOL §6.1), in UTF-8 bytes. */
export const WEBHOOK_TEXT_MAX_BYTES = 2048;
export const WEBHOOK_MARKDOWN_MAX_BYTES = 4096;

/**
 * Split text into pieces of at most `maxBytes` UTF-8 bytes, cutting at line boundaries; a single line longer
 * than the limit is cut between characters (never inside a UTF-8 sequence or a surrogate pair). The newline at a
 * cut is dropped; pieces holding only whitespace are dropped (WeCom refuses empty content). '' gives [].
 */
export function splitForWebhook(text: string, maxBytes: number): string[] {
  if (!Number.isInteger(maxBytes) || maxBytes < 4) throw new RangeError('maxBytes must be an integer ≥ 4');
  const chunks: string[] = [];
  let current: string | undefined;
  let currentBytes = 0;
  const flush = (): void => {
    if (current !== undefined && current.trim() !== '') chunks.push(current);
    current = undefined;
    currentBytes = 0;
  };
  for (const line of text.split('\n')) {
    const lineBytes = Buffer.byteLength(line, 'utf8');
    const pieces = lineBytes <= maxBytes ? [line] : splitLongLine(line, maxBytes);
    for (const piece of pieces) {
      const pieceBytes = Buffer.byteLength(piece, 'utf8');
      if (current === undefined) {
        current = piece;
        currentBytes = pieceBytes;
      } else if (currentBytes + 1 + pieceBytes <= maxBytes) {
        current += `\n${piece}`;
        currentBytes += 1 + pieceBytes;
      } else {
        flush();
        current = piece;
        currentBytes = pieceBytes;
      }
    }
  }
  flush();
  return chunks;
}

function splitLongLine(line: string, maxBytes: number): string[] {
  const pieces: string[] = [];
  let piece = '';
  let bytes = 0;
  for (const char of line) {
    // iterating a string yields whole code points, so a surrogate pair stays together
    const charBytes = Buffer.byteLength(char, 'utf8');
    if (bytes + charBytes > maxBytes) {
      pieces.push(piece);
      piece = '';
      bytes = 0;
    }
    piece += char;
    bytes += charBytes;
  }
  if (piece !== '') pieces.push(piece);
  return pieces;
}
