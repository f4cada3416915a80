/**
 * Text the way people type it: full-width letters, digits and punctuation folded to half-width (NFKC), the
 * ideographic space treated as a space, runs of white space collapsed, trimmed.
 */
export function normalizeText(input: string): string {
  return input
    .normalize('NFKC')
    .replace(/[\u3000\s]+/g, ' ')
    .trim();
}

/** Split a message into its command word and the rest: "帮助" → ["帮助", ""]; "审核 12" → ["审核", "12"]. */
export function splitCommand(input: string): { head: string; args: string } {
  const text = normalizeText(input).replace(/^[/／]/, '');
  const space = text.indexOf(' ');
  if (space < 0) return { head: text.replace(/[。.!！?？]+$/, ''), args: '' };
  return { head: text.slice(0, space), args: text.slice(space + 1).trim() };
}
