import type { TemplateCard, WebhookMessageBody } from '../../outbox/outbound-message';
import { formatInstantCn } from '../../shared/shanghai-time';
// The one place the domain leans on the channel: the byte limits of a group-bot message and the splitter that keeps
// a piece within them are pure functions, shared with the webhook client so both always agree.
import { splitForWebhook, WEBHOOK_TEXT_MAX_BYTES } from '../../outbox/webhook-text';

/**
 * What a bulletin looks like when it leaves the bot: the text posted to the work group (split within the webhook's
 * byte limit, the liaisons @-mentioned), the card with the 已阅 button each addressed person gets, and the 催阅 card.
 * Pure functions: the service decides who gets what and when.
 */

/**
 * A group bot takes 20 messages a minute (PROTOCOL §6.3). Messages of one bulletin are spaced 3.1 s apart (60 s / 20
 * plus a margin for clocks and the dispatcher's poll), so a bulletin alone can never trip the limit.
 */
export const WEBHOOK_SPACING_MS = 3_100;

/** A group-bot text message (and an app text message) holds at most this many UTF-8 bytes. */
export const TEXT_MAX_BYTES = WEBHOOK_TEXT_MAX_BYTES;

/**
 * How many members one text message mentions through `mentioned_list`. WeCom documents no limit (mentions cost no
 * content bytes); a modest number keeps each message valid and readable. More liaisons: more messages.
 */
export const MENTIONS_PER_MESSAGE = 50;

/** The button key of the 已阅 button: bulletin:ack:<bulletin id>. */
export function ackButtonKey(bulletinId: number): string {
  return `bulletin:ack:${bulletinId}`;
}

export function parseAckButtonKey(key: string | undefined): number | null {
  const match = /^bulletin:ack:(\d{1,12})$/.exec(key ?? '');
  return match ? Number(match[1]) : null;
}

export const ACK_LABEL = '已阅';

/** Line endings as typed on any system, trailing spaces and blank runs tidied; the words stay as written. */
export function normalizeBulletinText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => line.replace(/[ \t\u3000]+$/, ''))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

const byteLength = (text: string): number => Buffer.byteLength(text, 'utf8');

/**
 * `text` under a heading, in as many pieces as its byte limit needs. One piece: `【通报】标题\n…`. Several: each piece
 * carries the title and its place, `【通报】标题（2/3）\n…`, so a reader can put them in order even when a rate limit
 * delayed one of them.
 */
export function labelledParts(title: string, text: string, maxBytes: number): string[] {
  const heading = `【通报】${title}`;
  const whole = `${heading}\n${text}`;
  if (byteLength(whole) <= maxBytes) return [whole];
  for (let digits = 1; digits <= 4; digits++) {
    const widest = '9'.repeat(digits);
    const room = maxBytes - byteLength(`${heading}（${widest}/${widest}）\n`);
    if (room < 64) throw new RangeError(`the title leaves no room for the text within ${maxBytes} bytes`);
    const pieces = splitText(text, room);
    if (String(pieces.length).length > digits) continue;
    return pieces.map((piece, i) => `${heading}（${i + 1}/${pieces.length}）\n${piece}`);
  }
  throw new RangeError('the text needs more than 9999 messages');
}

/**
 * Pieces of at most `maxBytes`: lines are packed by splitForWebhook; a line longer than that (a body typed in chat
 * is one line) is first cut after the end of a sentence (。！？；), else after a comma, else between characters, so a
 * piece does not stop in the middle of a word. The pieces hold the text exactly (the newline at a cut is dropped).
 */
export function splitText(text: string, maxBytes: number): string[] {
  const pieces: string[] = [];
  let block: string[] = [];
  const flush = (): void => {
    if (block.length) pieces.push(...splitForWebhook(block.join('\n'), maxBytes));
    block = [];
  };
  for (const line of text.split('\n')) {
    if (byteLength(line) <= maxBytes) {
      block.push(line);
      continue;
    }
    flush();
    const chunks = breakLongLine(line, maxBytes);
    // standalone pieces, never joined to a neighbour with a newline that was not in the text
    pieces.push(...chunks.slice(0, -1).filter((c) => c.trim() !== ''));
    block.push(chunks[chunks.length - 1]);
  }
  flush();
  return pieces;
}

const SENTENCE_END = new Set([...'。！？；!?;…']);
const CLAUSE_END = new Set([...'，、,：:']);
const CLOSERS = new Set([...'”’）】》」』)]"\'']);

/** Cut one long line into pieces of at most `maxBytes`, preferring the end of a sentence, then of a clause. */
function breakLongLine(line: string, maxBytes: number): string[] {
  const chunks: string[] = [];
  let rest = line;
  while (byteLength(rest) > maxBytes) {
    let used = 0;
    let end = 0;
    let sentence = 0;
    let clause = 0;
    let previous = '';
    for (const char of rest) {
      const size = byteLength(char);
      if (used + size > maxBytes) break;
      used += size;
      end += char.length;
      if (SENTENCE_END.has(char) || (CLOSERS.has(char) && SENTENCE_END.has(previous) && sentence === end - char.length)) sentence = end;
      else if (CLAUSE_END.has(char)) clause = end;
      previous = char;
    }
    // a cut far back would leave a tiny piece: only take a boundary in the latter two thirds
    const cut = sentence * 3 >= end ? sentence : clause * 3 >= end ? clause : end;
    chunks.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  chunks.push(rest);
  return chunks;
}

export interface GroupPostInput {
  title: string;
  body: string;
  /** WeCom userids to @-mention (duplicates are dropped, order kept). */
  mentions: string[];
  maxBytes?: number;
  mentionsPerMessage?: number;
}

/**
 * The work-group post of a bulletin as text messages: title and body split within the text limit (2048 bytes), the
 * last piece @-mentioning the liaisons through `mentioned_list` (no byte cost). When there are more liaisons than
 * one message should mention, further short messages mention the rest.
 */
export function groupPostMessages(input: GroupPostInput): WebhookMessageBody[] {
  const maxBytes = input.maxBytes ?? WEBHOOK_TEXT_MAX_BYTES;
  const perMessage = input.mentionsPerMessage ?? MENTIONS_PER_MESSAGE;
  const mentions = [...new Set(input.mentions.map((m) => m.trim()).filter(Boolean))];
  const footer = mentions.length ? '\n请以下联络员认真阅读，并在企业微信应用消息的通报卡片上点击“已阅”。' : '';
  const pieces = labelledParts(input.title, `${input.body}${footer}`, maxBytes);
  const groups: string[][] = [];
  for (let i = 0; i < mentions.length; i += perMessage) groups.push(mentions.slice(i, i + perMessage));
  const messages: WebhookMessageBody[] = pieces.map((content, i) =>
    i === pieces.length - 1 && groups.length
      ? { msgtype: 'text', text: { content, mentioned_list: groups[0] } }
      : { msgtype: 'text', text: { content } },
  );
  groups.slice(1).forEach((group, i) => {
    const content = `【通报】${input.title}：请以下联络员阅读并确认（续${i + 1}）`;
    messages.push({ msgtype: 'text', text: { content: clipBytes(content, maxBytes), mentioned_list: group } });
  });
  return messages;
}

/** What a card shows about its bulletin. */
export interface BulletinCardFacts {
  id: number;
  title: string;
  body: string;
  publishedAt: Date;
  /** Where the whole text is: posted in the work group, or sent by app message just before the card. */
  fullText: 'group' | 'app';
}

/** The card each addressed person gets: title, the start of the text, and one button 已阅. */
export function bulletinCard(bulletin: BulletinCardFacts, taskId: string): TemplateCard {
  return {
    card_type: 'button_interaction',
    source: { desc: '政务公开办通报' },
    main_title: { title: clip(bulletin.title, 26), desc: `编号 ${bulletin.id} · ${formatInstantCn(bulletin.publishedAt)}` },
    sub_title_text: excerpt(bulletin.body, 100),
    horizontal_content_list: [{ keyname: '全文', value: bulletin.fullText === 'group' ? '见工作群通报消息' : '见上一条应用消息' }],
    task_id: taskId,
    button_list: [{ text: ACK_LABEL, style: 1, key: ackButtonKey(bulletin.id) }],
  };
}

/** The 催阅 card: the same bulletin, asked again politely, with the same 已阅 button. */
export function reminderCard(bulletin: BulletinCardFacts, taskId: string, round: number): TemplateCard {
  return {
    card_type: 'button_interaction',
    source: { desc: '政务公开办通报' },
    main_title: { title: `【请阅】${clip(bulletin.title, 22)}`, desc: `编号 ${bulletin.id} · ${formatInstantCn(bulletin.publishedAt)}发布` },
    sub_title_text: `您尚未确认阅读这份通报，请查阅后点击“${ACK_LABEL}”。${excerpt(bulletin.body, 60)}`,
    horizontal_content_list: [
      { keyname: '全文', value: bulletin.fullText === 'group' ? '见工作群通报消息' : '见此前的应用消息' },
      { keyname: '提醒', value: `第${round}次` },
    ],
    task_id: taskId,
    button_list: [{ text: ACK_LABEL, style: 1, key: ackButtonKey(bulletin.id) }],
  };
}

/**
 * A card's task_id: at most 128 bytes of [0-9A-Za-z_-@] and unique per app (PROTOCOL §4.3). Built from row ids, never
 * from userids (they may hold a dot).
 */
export function cardTaskId(bulletinId: number, recipientId: number, round = 0): string {
  return round === 0 ? `bulletin-${bulletinId}-${recipientId}` : `bulletin-${bulletinId}-${recipientId}-r${round}`;
}

function excerpt(body: string, max: number): string {
  return clip(body.replace(/\s*\n\s*/g, ' '), max);
}

function clip(text: string, max: number): string {
  const chars = [...text];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : text;
}

function clipBytes(text: string, maxBytes: number): string {
  let out = '';
  for (const char of text) {
    if (byteLength(out + char) > maxBytes) break;
    out += char;
  }
  return out;
}
