import { decodeEncodingAesKey, openCallback } from '../../../src/wecom/callback-crypto';
import { parseCallbackQuery } from '../../../src/wecom/callback-query';
import { parseAppEnvelope, parseAppMessage } from '../../../src/wecom/app-message-parser';
import { isHttpRequest, loadVectors, officialVector, positiveVector, splitUrl } from '../../helpers/wecom-vectors';
import { rejection } from '../../helpers/rejection';

const RECEIVED = new Date('2025-01-01T02:30:05Z');
const CORP = 'ww1a2b3c4d5e6f7a8b';


/** A decrypted app XML like WeCom's, with the given inner elements. */
function appXml(inner: string, from = 'zhangsan', createTime = '1735698600'): string {
  return (
    `<xml><ToUserName><![CDATA[${CORP}]]></ToUserName><FromUserName><![CDATA[${from}]]></FromUserName>` +
    `<CreateTime>${createTime}</CreateTime>${inner}<AgentID>1000002</AgentID></xml>`
  );
}

function eventXml(event: string, extra = '', eventKey = ''): string {
  return appXml(
    `<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[${event}]]></Event><EventKey><![CDATA[${eventKey}]]></EventKey>${extra}`,
    'lisi',
    '1735698659',
  );
}

describe('parseAppEnvelope', () => {
  const appPosts = loadVectors().vectors.filter((v) => v.kind === 'app-callback-post');

  it.each(appPosts.map((v) => [v.id, v] as const))('%s: envelope + query + crypto give the plaintext', (_id, v) => {
    const http = v.http;
    if (!isHttpRequest(http) || http.body === undefined) throw new Error('not a POST vector');
    const envelope = parseAppEnvelope(http.body);
    expect(envelope).toEqual({ toUserName: v.receiveId, agentId: '1000002', encrypt: v.ciphertextBase64 });
    const plaintext = openCallback({
      token: v.token,
      aesKey: decodeEncodingAesKey(v.encodingAESKey),
      receiveId: v.receiveId,
      query: parseCallbackQuery(splitUrl(http.url).rawQuery),
      encrypt: envelope.encrypt,
      maxSkewSeconds: 600,
      now: new Date(Number(v.timestamp) * 1000),
    });
    expect(plaintext).toBe(v.plaintext);
  });

  it('reads CDATA and plain-text AgentID alike', () => {
    const cdata = parseAppEnvelope(
      `<xml><ToUserName><![CDATA[${CORP}]]></ToUserName><AgentID><![CDATA[1000002]]></AgentID><Encrypt><![CDATA[abc+/=]]></Encrypt></xml>`,
    );
    const plain = parseAppEnvelope(
      `<xml><ToUserName>${CORP}</ToUserName><AgentID>1000002</AgentID><Encrypt>abc+/=</Encrypt></xml>`,
    );
    expect(cdata).toEqual({ toUserName: CORP, agentId: '1000002', encrypt: 'abc+/=' });
    expect(plain).toEqual(cdata);
    expect(typeof plain.agentId).toBe('string');
  });

  it('accepts whitespace, an XML declaration and missing optional elements', () => {
    const env = parseAppEnvelope(
      `<?xml version="1.0" encoding="UTF-8"?>\n<xml>\n  <Encrypt>\n    <![CDATA[QUJD]]>\n  </Encrypt>\n</xml>\n`,
    );
    expect(env).toEqual({ encrypt: 'QUJD' });
  });

  it('keeps a numeric-looking AgentID as the exact string', () => {
    expect(parseAppEnvelope('<xml><AgentID>0001000002</AgentID><Encrypt>x</Encrypt></xml>').agentId).toBe('0001000002');
  });

  it.each([
    ['no Encrypt', `<xml><ToUserName>${CORP}</ToUserName></xml>`, 'Encrypt element missing'],
    ['an empty Encrypt', '<xml><Encrypt><![CDATA[]]></Encrypt></xml>', 'Encrypt element missing'],
    ['a repeated Encrypt', '<xml><Encrypt>a</Encrypt><Encrypt>b</Encrypt></xml>', 'element Encrypt is repeated'],
    ['a nested Encrypt', '<xml><Encrypt><a>b</a></Encrypt></xml>', 'element Encrypt is not a text element'],
    ['broken XML', '<xml><Encrypt>abc</xml>', 'callback body is not well-formed XML'],
    ['JSON', '{"encrypt":"abc"}', 'callback body is not well-formed XML'],
    ['an empty body', '', 'callback body is empty'],
    ['whitespace only', '  \n', 'callback body is empty'],
    ['another root', '<root><Encrypt>abc</Encrypt></root>', 'callback body has no <xml> root element'],
  ])('rejects %s (-40002)', (_what, xml, reason) => {
    const e = rejection(() => parseAppEnvelope(xml));
    expect(e.code).toBe(-40002);
    expect(e.reason).toBe(reason);
  });

  it('refuses DOCTYPE / ENTITY declarations (no entity expansion)', () => {
    const bomb =
      '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>' +
      '<xml><Encrypt>&b;&b;&b;</Encrypt></xml>';
    const e = rejection(() => parseAppEnvelope(bomb));
    expect(e.code).toBe(-40002);
    expect(e.reason).toBe('callback body contains a DOCTYPE or ENTITY declaration');
    expect(rejection(() => parseAppEnvelope('<!doctype xml><xml><Encrypt>a</Encrypt></xml>')).code).toBe(-40002);
  });

  it('does not expand entities in the envelope', () => {
    expect(parseAppEnvelope('<xml><Encrypt>a&amp;b</Encrypt></xml>').encrypt).toBe('a&amp;b');
  });
});

describe('parseAppMessage', () => {
  it('app-text-message: a text with a 64-bit MsgId kept exactly', () => {
    const v = positiveVector('app-text-message');
    const msg = parseAppMessage(v.plaintext, RECEIVED);
    expect(msg).toEqual({
      channel: 'app',
      msgKey: '7452301234567890123',
      userId: 'zhangsan',
      chatType: 'single',
      msgType: 'text',
      text: '查询本周联络员会议安排',
      botId: '1000002',
      createdAt: new Date(1735698600 * 1000),
    });
    // 7452301234567890123 is above 2^53: a number would have been rounded.
    expect(Number(msg.msgKey)).toBeGreaterThan(Number.MAX_SAFE_INTEGER);
    expect(String(Number(msg.msgKey))).not.toBe('7452301234567890123');
  });

  it('keeps the largest unsigned 64-bit MsgId and leading zeros digit for digit', () => {
    const max = parseAppMessage(
      appXml('<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi]]></Content><MsgId>18446744073709551615</MsgId>'),
      RECEIVED,
    );
    expect(max.msgKey).toBe('18446744073709551615');
    const cdata = parseAppMessage(
      appXml('<MsgType>text</MsgType><Content>hi</Content><MsgId><![CDATA[9007199254740993]]></MsgId>'),
      RECEIVED,
    );
    expect(cdata.msgKey).toBe('9007199254740993');
  });

  it('official-callback-example: multi-line XML with AgentID 218', () => {
    const msg = parseAppMessage(officialVector('official-callback-example').plaintext, RECEIVED);
    expect(msg).toMatchObject({
      msgKey: '4561255354251345929',
      userId: 'mycreate',
      msgType: 'text',
      text: 'hello',
      botId: '218',
      createdAt: new Date(1409659813 * 1000),
    });
  });

  it('app-event-enter-agent: event key derived from FromUserName, CreateTime, Event, EventKey, TaskId', () => {
    const msg = parseAppMessage(positiveVector('app-event-enter-agent').plaintext, RECEIVED);
    expect(msg).toEqual({
      channel: 'app',
      msgKey: 'evt:lisi:1735698659:enter_agent::',
      userId: 'lisi',
      chatType: 'single',
      msgType: 'event',
      event: { type: 'enter_agent' },
      botId: '1000002',
      createdAt: new Date(1735698659 * 1000),
    });
    expect(msg.text).toBeUndefined();
  });

  it('app-event-template-card: EventKey, TaskId, CardType, ResponseCode', () => {
    const msg = parseAppMessage(positiveVector('app-event-template-card').plaintext, RECEIVED);
    expect(msg.msgKey).toBe('evt:zhangsan:1735698719:template_card_event:ack:notice-2025-001:notice-2025-001-zhangsan');
    expect(msg.event).toEqual({
      type: 'template_card_event',
      key: 'ack:notice-2025-001',
      taskId: 'notice-2025-001-zhangsan',
      cardType: 'button_interaction',
      responseCode: 'RC_fake_4f1e9a',
    });
    expect(msg.msgType).toBe('event');
  });

  it('distinguishes events of the same second by Event, EventKey and TaskId', () => {
    const keys = [
      eventXml('click', '', 'menu_a'),
      eventXml('click', '', 'menu_b'),
      eventXml('view', '', 'menu_a'),
      eventXml('template_card_event', '<TaskId>t1</TaskId>', 'k'),
      eventXml('template_card_event', '<TaskId>t2</TaskId>', 'k'),
    ].map((xml) => parseAppMessage(xml, RECEIVED).msgKey);
    expect(keys).toEqual([
      'evt:lisi:1735698659:click:menu_a:',
      'evt:lisi:1735698659:click:menu_b:',
      'evt:lisi:1735698659:view:menu_a:',
      'evt:lisi:1735698659:template_card_event:k:t1',
      'evt:lisi:1735698659:template_card_event:k:t2',
    ]);
  });

  it('uses MsgId when an event carries one', () => {
    const msg = parseAppMessage(eventXml('click', '<MsgId>123</MsgId>', 'menu_a'), RECEIVED);
    expect(msg.msgKey).toBe('123');
  });

  it.each([
    ['subscribe', '', undefined],
    ['unsubscribe', '', undefined],
    ['enter_agent', '', undefined],
    ['click', '', 'menu_weekly'],
    ['view', '', 'https://oa.example.gov.cn/x?a=1&b=2'],
  ])('event %s', (type, extra, key) => {
    const xml = eventXml(type, extra, key ?? '');
    const msg = parseAppMessage(xml, RECEIVED);
    expect(msg.event).toEqual(key === undefined ? { type } : { type, key });
    expect(msg.msgKey).toBe(`evt:lisi:1735698659:${type}:${key ?? ''}:`);
  });

  it('LOCATION event (type kept as sent)', () => {
    const msg = parseAppMessage(
      appXml(
        '<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[LOCATION]]></Event><Latitude>23.104105</Latitude><Longitude>113.320107</Longitude><Precision>65.000000</Precision>',
        'wangwu',
        '1735698700',
      ),
      RECEIVED,
    );
    expect(msg.event).toEqual({ type: 'LOCATION' });
    expect(msg.msgKey).toBe('evt:wangwu:1735698700:LOCATION::');
  });

  it('template_card_event with SelectedItems (several questions and options)', () => {
    const selected =
      '<SelectedItems>' +
      '<SelectedItem><QuestionKey><![CDATA[q1]]></QuestionKey><OptionIds><OptionId><![CDATA[opt_a]]></OptionId><OptionId><![CDATA[opt_b]]></OptionId></OptionIds></SelectedItem>' +
      '<SelectedItem><QuestionKey><![CDATA[q2]]></QuestionKey><OptionIds><OptionId><![CDATA[opt_c]]></OptionId></OptionIds></SelectedItem>' +
      '</SelectedItems>';
    const msg = parseAppMessage(
      eventXml(
        'template_card_event',
        `<TaskId><![CDATA[vote-1]]></TaskId><CardType><![CDATA[vote_interaction]]></CardType><ResponseCode><![CDATA[RC1]]></ResponseCode>${selected}`,
        'submit',
      ),
      RECEIVED,
    );
    expect(msg.event).toEqual({
      type: 'template_card_event',
      key: 'submit',
      taskId: 'vote-1',
      cardType: 'vote_interaction',
      responseCode: 'RC1',
      selected: { q1: ['opt_a', 'opt_b'], q2: ['opt_c'] },
    });
  });

  it('template_card_menu_event with a single SelectedItem with a single option', () => {
    const msg = parseAppMessage(
      eventXml(
        'template_card_menu_event',
        '<TaskId>t9</TaskId><CardType>text_notice</CardType><ResponseCode>RC9</ResponseCode>' +
          '<SelectedItems><SelectedItem><QuestionKey>q</QuestionKey><OptionIds><OptionId>only</OptionId></OptionIds></SelectedItem></SelectedItems>',
        'menu_remove',
      ),
      RECEIVED,
    );
    expect(msg.event).toEqual({
      type: 'template_card_menu_event',
      key: 'menu_remove',
      taskId: 't9',
      cardType: 'text_notice',
      responseCode: 'RC9',
      selected: { q: ['only'] },
    });
    expect(msg.msgKey).toBe('evt:lisi:1735698659:template_card_menu_event:menu_remove:t9');
  });

  it('keeps option ids that look like numbers as strings', () => {
    const msg = parseAppMessage(
      eventXml(
        'template_card_event',
        '<TaskId>t</TaskId><SelectedItems><SelectedItem><QuestionKey>1</QuestionKey><OptionIds><OptionId>007</OptionId></OptionIds></SelectedItem></SelectedItems>',
        'k',
      ),
      RECEIVED,
    );
    expect(msg.event?.selected).toEqual({ '1': ['007'] });
  });

  it.each([
    ['image', '<PicUrl><![CDATA[https://wework.qpic.cn/x]]></PicUrl><MediaId><![CDATA[m1]]></MediaId>'],
    ['voice', '<MediaId><![CDATA[m2]]></MediaId><Format><![CDATA[amr]]></Format>'],
    ['video', '<MediaId><![CDATA[m3]]></MediaId><ThumbMediaId><![CDATA[t3]]></ThumbMediaId>'],
    ['location', '<Location_X>23.13</Location_X><Location_Y>113.26</Location_Y><Scale>15</Scale><Label><![CDATA[广州]]></Label><AppType><![CDATA[wxwork]]></AppType>'],
    ['link', '<Title><![CDATA[t]]></Title><Description><![CDATA[d]]></Description><Url><![CDATA[https://x]]></Url><PicUrl><![CDATA[https://p]]></PicUrl>'],
    ['file', '<MediaId><![CDATA[m4]]></MediaId>'],
    ['some_future_type', '<Whatever>1</Whatever>'],
  ])('%s: msgType kept, no text', (type, extra) => {
    const msg = parseAppMessage(
      appXml(`<MsgType><![CDATA[${type}]]></MsgType>${extra}<MsgId>7452301234567890124</MsgId>`),
      RECEIVED,
    );
    expect(msg).toEqual({
      channel: 'app',
      msgKey: '7452301234567890124',
      userId: 'zhangsan',
      chatType: 'single',
      msgType: type,
      botId: '1000002',
      createdAt: new Date(1735698600 * 1000),
    });
  });

  it('reads plain-text elements and decodes the predefined entities there', () => {
    const msg = parseAppMessage(
      `<xml><ToUserName>${CORP}</ToUserName><FromUserName>zhangsan</FromUserName><CreateTime>1735698600</CreateTime>` +
        '<MsgType>text</MsgType><Content>a &lt;b&gt; &amp; c</Content><MsgId>1</MsgId><AgentID>1000002</AgentID></xml>',
      RECEIVED,
    );
    expect(msg.text).toBe('a <b> & c');
    expect(msg.botId).toBe('1000002');
  });

  it('keeps CDATA content verbatim, "]]>" split across sections and markup-like text included', () => {
    const msg = parseAppMessage(
      appXml(
        '<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[x ]]]]><![CDATA[> <!DOCTYPE y> &amp; <b>]]></Content><MsgId>2</MsgId>',
      ),
      RECEIVED,
    );
    expect(msg.text).toBe('x ]]> <!DOCTYPE y> &amp; <b>');
  });

  it('trims the text and gives an empty text for an empty Content', () => {
    expect(
      parseAppMessage(appXml('<MsgType>text</MsgType><Content><![CDATA[  查询  \n]]></Content><MsgId>3</MsgId>'), RECEIVED)
        .text,
    ).toBe('查询');
    expect(parseAppMessage(appXml('<MsgType>text</MsgType><Content/><MsgId>4</MsgId>'), RECEIVED).text).toBe('');
  });

  it('falls back to the reception time when CreateTime is missing or not digits', () => {
    const noTime = `<xml><FromUserName>u</FromUserName><MsgType>text</MsgType><Content>x</Content><MsgId>5</MsgId></xml>`;
    expect(parseAppMessage(noTime, RECEIVED).createdAt).toEqual(RECEIVED);
    expect(parseAppMessage(noTime, RECEIVED).botId).toBeUndefined();
    expect(
      parseAppMessage(appXml('<MsgType>text</MsgType><Content>x</Content><MsgId>6</MsgId>', 'u', 'soon'), RECEIVED)
        .createdAt,
    ).toEqual(RECEIVED);
  });

  it('derives a key for a non-event message without MsgId (undocumented, kept deduplicable)', () => {
    expect(parseAppMessage(appXml('<MsgType>image</MsgType>'), RECEIVED).msgKey).toBe('msg:zhangsan:1735698600:image');
  });

  it.each([
    ['no FromUserName', `<xml><ToUserName>${CORP}</ToUserName><MsgType>text</MsgType><MsgId>1</MsgId></xml>`, 'FromUserName missing'],
    ['no MsgType', `<xml><FromUserName>u</FromUserName><MsgId>1</MsgId></xml>`, 'MsgType missing'],
    ['an event without Event', appXml('<MsgType>event</MsgType>'), 'event without Event element'],
    ['a repeated FromUserName', '<xml><FromUserName>a</FromUserName><FromUserName>b</FromUserName><MsgType>text</MsgType></xml>', 'element FromUserName is repeated'],
    ['not XML', '6283710418592736154', 'decrypted message is not well-formed XML'],
    ['JSON', '{"msgid":"1"}', 'decrypted message is not well-formed XML'],
    ['empty', '', 'decrypted message is empty'],
    ['truncated XML', positiveVector('app-text-message').plaintext.slice(0, 120), 'decrypted message is not well-formed XML'],
    ['a DOCTYPE', `<!DOCTYPE xml [<!ENTITY e "x">]>${appXml('<MsgType>text</MsgType><Content>&e;</Content>')}`, 'decrypted message contains a DOCTYPE or ENTITY declaration'],
    ['malformed SelectedItems', eventXml('template_card_event', '<SelectedItems><SelectedItem><OptionIds><OptionId>a</OptionId></OptionIds></SelectedItem></SelectedItems>'), 'SelectedItem without QuestionKey'],
  ])('rejects %s (-40002)', (_what, xml, reason) => {
    const e = rejection(() => parseAppMessage(xml, RECEIVED));
    expect(e.code).toBe(-40002);
    expect(e.reason).toBe(reason);
  });
});
