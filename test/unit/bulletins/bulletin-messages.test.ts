import {
  ackButtonKey,
  bulletinCard,
  cardTaskId,
  groupPostMessages,
  labelledParts,
  normalizeBulletinText,
  parseAckButtonKey,
  reminderCard,
  splitText,
} from '../../../src/domain/bulletins/bulletin-messages';
import type { WebhookMessageBody } from '../../../src/outbox/outbound-message';
import { checkWebhookBody } from '../../../src/wecom/webhook-client';
import { WEBHOOK_TEXT_MAX_BYTES } from '../../../src/outbox/webhook-text';

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');
const textOf = (m: WebhookMessageBody) => (m.msgtype === 'text' ? m.text.content : m.markdown.content);
const mentionsOf = (m: WebhookMessageBody) => (m.msgtype === 'text' ? (m.text.mentioned_list ?? []) : []);

/** A body of `lines` lines, each a numbered Chinese sentence (3 bytes a character). */
function longBody(lines: number): string {
  return Array.from({ length: lines }, (_, i) => `${i + 1}. 各单位要落实政务新媒体“三审三校”制度，发布前严格审核内容，杜绝错敏字和过时信息。`).join('\n');
}

/** What is left of the pieces after their headings: the text they carry, joined again. */
function carried(parts: string[]): string {
  return parts.map((p) => p.slice(p.indexOf('\n') + 1)).join('\n');
}

describe('labelledParts', () => {
  it('keeps a short text in one piece under the heading, without a number', () => {
    expect(labelledParts('第3期工作简报', '请于周五前反馈。', WEBHOOK_TEXT_MAX_BYTES)).toEqual(['【通报】第3期工作简报\n请于周五前反馈。']);
  });

  it('splits a long text into numbered pieces, each within the byte limit, losing nothing', () => {
    const body = longBody(60);
    const parts = labelledParts('2026年第三季度检查情况通报', body, WEBHOOK_TEXT_MAX_BYTES);
    expect(parts.length).toBeGreaterThan(2);
    parts.forEach((part, i) => {
      expect(bytes(part)).toBeLessThanOrEqual(WEBHOOK_TEXT_MAX_BYTES);
      expect(part.startsWith(`【通报】2026年第三季度检查情况通报（${i + 1}/${parts.length}）\n`)).toBe(true);
    });
    expect(carried(parts)).toBe(body);
  });

  it('uses the exact limit: a text that just fits stays whole, one byte more splits', () => {
    const heading = '【通报】标题\n';
    const fits = 'a'.repeat(200 - bytes(heading));
    expect(labelledParts('标题', fits, 200)).toHaveLength(1);
    const over = labelledParts('标题', `${fits}\nb`, 200);
    expect(over).toHaveLength(2);
    for (const part of over) expect(bytes(part)).toBeLessThanOrEqual(200);
  });

  it('cuts a long line typed in chat after the end of a sentence, not in the middle of a word', () => {
    const line = Array.from({ length: 60 }, (_, i) => `第${i + 1}项，各单位要落实“三审三校”。`).join(''); // one line, ~3.6 KB
    const parts = labelledParts('自查要求', line, WEBHOOK_TEXT_MAX_BYTES);
    expect(parts.length).toBe(2);
    for (const part of parts) expect(bytes(part)).toBeLessThanOrEqual(WEBHOOK_TEXT_MAX_BYTES);
    expect(parts[0]).toMatch(/“三审三校”。$/);
    expect(parts.map((p) => p.slice(p.indexOf('\n') + 1)).join('')).toBe(line);
  });

  it('cuts a single line without punctuation between characters, never inside one', () => {
    const line = '政务公开'.repeat(400); // 4 800 bytes, no line break
    const parts = labelledParts('长段落', line, WEBHOOK_TEXT_MAX_BYTES);
    expect(parts).toHaveLength(3);
    for (const part of parts) {
      expect(bytes(part)).toBeLessThanOrEqual(WEBHOOK_TEXT_MAX_BYTES);
      expect(part).not.toContain('\uFFFD');
    }
    expect(parts.map((p) => p.slice(p.indexOf('\n') + 1)).join('')).toBe(line);
  });

  it('widens the numbering when ten or more pieces are needed', () => {
    const parts = labelledParts('通报', longBody(400), WEBHOOK_TEXT_MAX_BYTES);
    expect(parts.length).toBeGreaterThanOrEqual(10);
    expect(parts[9]).toMatch(new RegExp(`^【通报】通报（10/${parts.length}）\n`));
    for (const part of parts) expect(bytes(part)).toBeLessThanOrEqual(WEBHOOK_TEXT_MAX_BYTES);
  });

  it('refuses a title that leaves no room for the text', () => {
    expect(() => labelledParts('很长的标题'.repeat(20), 'x\n'.repeat(200), 300)).toThrow(RangeError);
  });
});

describe('splitText', () => {
  it('packs short lines, keeps their line breaks, and never joins the pieces of a long line with a newline', () => {
    const long = `${'甲'.repeat(30)}。${'乙'.repeat(30)}，${'丙'.repeat(30)}`; // 275 bytes
    const text = ['一', '二', long, '三', '四'].join('\n');
    const pieces = splitText(text, 100);
    for (const piece of pieces) expect(bytes(piece)).toBeLessThanOrEqual(100);
    expect(pieces[0]).toBe('一\n二');
    expect(pieces[1]).toBe(`${'甲'.repeat(30)}。`);
    expect(pieces[2]).toBe(`${'乙'.repeat(30)}，`);
    expect(pieces[3]).toBe(`${'丙'.repeat(30)}\n三\n四`);
  });

  it('keeps a closing quote with the sentence it ends', () => {
    const line = `他说：“${'好'.repeat(20)}。”${'后'.repeat(20)}`;
    expect(splitText(line, 90)[0]).toBe(`他说：“${'好'.repeat(20)}。”`);
  });
});

describe('groupPostMessages', () => {
  it('posts a short bulletin as one text message mentioning every liaison through mentioned_list', () => {
    const messages = groupPostMessages({ title: '周报', body: '请于周五前报送。', mentions: ['zhongyutong', 'shaomingzhe', 'zhongyutong'] });
    expect(messages).toHaveLength(1);
    const [only] = messages;
    expect(only.msgtype).toBe('text');
    expect(textOf(only)).toBe('【通报】周报\n请于周五前报送。\n请以下联络员认真阅读，并在企业微信应用消息的通报卡片上点击“已阅”。');
    expect(mentionsOf(only)).toEqual(['zhongyutong', 'shaomingzhe']);
  });

  it('mentions on the last piece only, and every piece passes the webhook client check', () => {
    const messages = groupPostMessages({ title: '检查通报', body: longBody(80), mentions: ['a1', 'b2', 'c3'] });
    expect(messages.length).toBeGreaterThan(2);
    messages.slice(0, -1).forEach((m) => expect(mentionsOf(m)).toEqual([]));
    expect(mentionsOf(messages[messages.length - 1])).toEqual(['a1', 'b2', 'c3']);
    for (const m of messages) expect(() => checkWebhookBody(m)).not.toThrow();
  });

  it('mentions many liaisons in chunks, each chunk in its own valid message', () => {
    const liaisons = Array.from({ length: 120 }, (_, i) => `liaison${String(i).padStart(3, '0')}`);
    const messages = groupPostMessages({ title: '全区通报', body: '内容', mentions: liaisons, mentionsPerMessage: 50 });
    expect(messages).toHaveLength(3);
    expect(messages.map((m) => mentionsOf(m).length)).toEqual([50, 50, 20]);
    expect(messages.flatMap(mentionsOf)).toEqual(liaisons);
    expect(textOf(messages[1])).toBe('【通报】全区通报：请以下联络员阅读并确认（续1）');
    for (const m of messages) expect(() => checkWebhookBody(m)).not.toThrow();
  });

  it('leaves out the closing request when nobody is mentioned', () => {
    const [only] = groupPostMessages({ title: '周报', body: '内容', mentions: [] });
    expect(textOf(only)).toBe('【通报】周报\n内容');
    expect(mentionsOf(only)).toEqual([]);
  });
});

describe('cards and keys', () => {
  const facts = { id: 7, title: '关于开展2026年第四季度政务新媒体自查工作的通报', body: '各单位：\n请对照检查指标开展自查。', publishedAt: new Date('2026-11-20T01:05:00Z'), fullText: 'group' as const };

  it('a bulletin card has one 已阅 button keyed by the bulletin, a short title and where the full text is', () => {
    const card = bulletinCard(facts, cardTaskId(7, 31));
    expect(card).toMatchObject({
      card_type: 'button_interaction',
      task_id: 'bulletin-7-31',
      main_title: { desc: '编号 7 · 2026年11月20日 09:05' },
      sub_title_text: '各单位： 请对照检查指标开展自查。',
      horizontal_content_list: [{ keyname: '全文', value: '见工作群通报消息' }],
      button_list: [{ text: '已阅', style: 1, key: 'bulletin:ack:7' }],
    });
    expect([...(card.main_title as { title: string }).title].length).toBeLessThanOrEqual(26);
  });

  it('a reminder card has its own task id per round and the same button', () => {
    const card = reminderCard({ ...facts, fullText: 'app' }, cardTaskId(7, 31, 2), 2);
    expect(card.task_id).toBe('bulletin-7-31-r2');
    expect(card.button_list).toEqual([{ text: '已阅', style: 1, key: 'bulletin:ack:7' }]);
    expect(card.horizontal_content_list).toEqual([
      { keyname: '全文', value: '见此前的应用消息' },
      { keyname: '提醒', value: '第2次' },
    ]);
  });

  it('task ids use only the characters WeCom allows', () => {
    expect(cardTaskId(123456, 987654, 12)).toMatch(/^[0-9A-Za-z_\-@]{1,128}$/);
  });

  it('reads back only its own button keys', () => {
    expect(parseAckButtonKey(ackButtonKey(42))).toBe(42);
    expect(parseAckButtonKey('review:approve:42')).toBeNull();
    expect(parseAckButtonKey('bulletin:ack:')).toBeNull();
    expect(parseAckButtonKey(undefined)).toBeNull();
  });

  it('tidies line endings and trailing spaces but keeps the words', () => {
    expect(normalizeBulletinText('  各单位：\r\n\r\n\r\n\r\n请于周五前反馈。  \r\n')).toBe('各单位：\n\n请于周五前反馈。');
  });
});
