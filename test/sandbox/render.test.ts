/**
 * What the sandbox page makes of the bot's messages (src/sandbox/public/render.js, the same file the browser loads):
 * a small markdown subset and @-mentions as tokens, never HTML; links only to http(s); cards as their parts.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const render = require('../../src/sandbox/public/render.js') as {
  safeUrl(url: unknown): string | null;
  parseInline(line: string, markdown: boolean): Array<{ t: string; v?: string; id?: string; href?: string; color?: string }>;
  markdownBlocks(content: string): Array<{ type: string; level?: number; inline: Array<{ t: string; v?: string; id?: string }> }>;
  textBlocks(content: string): Array<{ type: string; inline: Array<{ t: string; v?: string; id?: string }> }>;
  cardModel(card: unknown): {
    title: string;
    fields: Array<{ key: string; value: string; url: string | null }>;
    buttons: Array<{ text: string; key: string; style: number }>;
    jumps: Array<{ title: string; url: string | null }>;
  };
  cardText(card: unknown): string;
  plainText(blocks: unknown[], nameOf: (id: string) => string): string;
};

describe('the sandbox page renderer', () => {
  it('keeps markup a person or the bot wrote as text', () => {
    const hostile = '<img src=x onerror=alert(1)><script>alert(2)</script>';
    for (const blocks of [render.markdownBlocks(hostile), render.textBlocks(hostile)]) {
      expect(blocks).toEqual([{ type: 'p', inline: [{ t: 'text', v: hostile }] }]);
    }
  });

  it('reads the markdown subset: headings, quotes, bold, code, colours, links', () => {
    const blocks = render.markdownBlocks('## 通报\n> 请于**11月27日**前报送 `整改情况`\n<font color="warning">逾期</font> [查看](https://example.gov.cn/a?b=1)');
    expect(blocks[0]).toEqual({ type: 'h', level: 2, inline: [{ t: 'text', v: '通报' }] });
    expect(blocks[1]).toEqual({
      type: 'quote',
      inline: [
        { t: 'text', v: '请于' },
        { t: 'bold', v: '11月27日' },
        { t: 'text', v: '前报送 ' },
        { t: 'code', v: '整改情况' },
      ],
    });
    expect(blocks[2].inline).toEqual([
      { t: 'color', v: '逾期', color: 'warning' },
      { t: 'text', v: ' ' },
      { t: 'link', v: '查看', href: 'https://example.gov.cn/a?b=1' },
    ]);
  });

  it('does not make links of anything but http and https', () => {
    expect(render.parseInline('[点我](javascript:alert(1))', true)).toEqual([{ t: 'text', v: '[点我](javascript:alert(1))' }]);
    expect(render.safeUrl('data:text/html,x')).toBeNull();
    expect(render.safeUrl(' https://weibo.com/u/1 ')).toBe('https://weibo.com/u/1');
  });

  it('shows @-mentions by name, in text and markdown, and nothing else in plain text', () => {
    const names: Record<string, string> = { zhongyutong: '钟雨桐' };
    const blocks = render.textBlocks('<@zhongyutong> 请回复**序号**');
    expect(blocks[0].inline).toEqual([
      { t: 'mention', id: 'zhongyutong' },
      { t: 'text', v: ' 请回复**序号**' },
    ]);
    expect(render.plainText(blocks, (id) => names[id] ?? id)).toBe('@钟雨桐 请回复**序号**');
  });

  it('takes a template card apart: fields, buttons with their keys, safe jumps only', () => {
    const card = {
      card_type: 'button_interaction',
      main_title: { title: '开设备案待审核', desc: '区发改局' },
      horizontal_content_list: [{ keyname: '备案编号', value: 'BA2026-000001' }, { keyname: '链接', value: '打开', type: 1, url: 'javascript:void(0)' }],
      jump_list: [{ title: '详情', url: 'https://example.gov.cn' }, { title: '坏链接', url: 'vbscript:x' }],
      button_list: [{ text: '通过', style: 1, key: 'review:approve:1' }, { text: '驳回', style: 2, key: 'review:reject:1' }],
    };
    const model = render.cardModel(card);
    expect(model.title).toBe('开设备案待审核');
    expect(model.fields).toEqual([
      { key: '备案编号', value: 'BA2026-000001', url: null },
      { key: '链接', value: '打开', url: null },
    ]);
    expect(model.jumps).toEqual([{ title: '详情', url: 'https://example.gov.cn' }]);
    expect(model.buttons).toEqual([
      { text: '通过', key: 'review:approve:1', style: 1 },
      { text: '驳回', key: 'review:reject:1', style: 2 },
    ]);
    expect(render.cardText(card)).toBe('开设备案待审核\n区发改局\n备案编号：BA2026-000001\n链接：打开');
  });
});
