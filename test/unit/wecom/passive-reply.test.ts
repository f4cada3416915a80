import { XMLParser } from 'fast-xml-parser';
import { decodeEncodingAesKey, openCallback } from '../../../src/wecom/callback-crypto';
import {
  appTextReplyPlaintext,
  appUpdateButtonReplyPlaintext,
  buildAppReplyXml,
  buildRobotReplyJson,
  cdata,
  robotStreamReply,
  robotTextReply,
  robotUpdateCardReply,
} from '../../../src/wecom/passive-reply';
import { parseAppMessage } from '../../../src/wecom/app-message-parser';
import { isHttpReply, positiveVector } from '../../helpers/wecom-vectors';

const appReply = positiveVector('app-passive-reply-text');
const botReply = positiveVector('aibot-passive-stream-reply');
const botCallback = positiveVector('aibot-group-text');
const appKey = decodeEncodingAesKey(appReply.encodingAESKey);
const botKey = decodeEncodingAesKey(botReply.encodingAESKey);
const CORP = appReply.receiveId;

function expectedBody(id: string): string {
  const http = positiveVector(id).http;
  if (!isHttpReply(http)) throw new Error(`${id} has no reply body`);
  return http.responseBody;
}

const xml = new XMLParser({ parseTagValue: false, processEntities: false, trimValues: false });

/** What WeCom does with our reply: verify the signature over its fields and decrypt with the receiveid. */
function openAppReply(body: string): string {
  const root = (xml.parse(body) as { xml: Record<string, string> }).xml;
  return openCallback({
    token: appReply.token,
    aesKey: appKey,
    receiveId: CORP,
    query: { msgSignature: root.MsgSignature, timestamp: root.TimeStamp, nonce: root.Nonce },
    encrypt: root.Encrypt,
    maxSkewSeconds: 0,
    now: new Date(),
  });
}

function openRobotReply(body: string): string {
  const parsed = JSON.parse(body) as { encrypt: string; msgsignature: string; timestamp: number; nonce: string };
  return openCallback({
    token: botReply.token,
    aesKey: botKey,
    receiveId: '',
    query: { msgSignature: parsed.msgsignature, timestamp: String(parsed.timestamp), nonce: parsed.nonce },
    encrypt: parsed.encrypt,
    maxSkewSeconds: 0,
    now: new Date(),
  });
}

describe('app passive reply', () => {
  it('app-passive-reply-text: the plaintext builder gives the vector plaintext', () => {
    expect(
      appTextReplyPlaintext({ toUser: 'zhangsan', corpId: CORP, createTime: 1735698601, content: '已收到，正在查询。' }),
    ).toBe(appReply.plaintext);
    expect(
      appTextReplyPlaintext({ toUser: 'zhangsan', corpId: CORP, createTime: '1735698601', content: '已收到，正在查询。' }),
    ).toBe(appReply.plaintext);
  });

  it('app-passive-reply-text: the envelope is byte for byte the expected reply body', () => {
    const plaintext = appTextReplyPlaintext({
      toUser: 'zhangsan',
      corpId: CORP,
      createTime: Number(appReply.timestamp),
      content: '已收到，正在查询。',
    });
    const body = buildAppReplyXml({
      token: appReply.token,
      aesKey: appKey,
      corpId: CORP,
      plaintext,
      timestamp: appReply.timestamp,
      nonce: appReply.nonce,
      random: Buffer.from(appReply.randomHex, 'hex'),
    });
    expect(body).toBe(expectedBody('app-passive-reply-text'));
    expect(Buffer.from(body, 'utf8').equals(Buffer.from(expectedBody('app-passive-reply-text'), 'utf8'))).toBe(true);
  });

  it('the vector reply opens on the receiving side to the reply plaintext', () => {
    expect(openAppReply(expectedBody('app-passive-reply-text'))).toBe(appReply.plaintext);
  });

  it('a reply with a fresh random prefix and numeric timestamp opens to its plaintext', () => {
    const plaintext = appTextReplyPlaintext({ toUser: 'lisi', corpId: CORP, createTime: 1735698700, content: 'ok' });
    const body = buildAppReplyXml({
      token: appReply.token,
      aesKey: appKey,
      corpId: CORP,
      plaintext,
      timestamp: 1735698700,
      nonce: 'n0nce',
    });
    expect(body).toMatch(/^<xml><Encrypt><!\[CDATA\[[A-Za-z0-9+/=]+\]\]><\/Encrypt><MsgSignature><!\[CDATA\[[0-9a-f]{40}\]\]><\/MsgSignature><TimeStamp>1735698700<\/TimeStamp><Nonce><!\[CDATA\[n0nce\]\]><\/Nonce><\/xml>$/);
    expect(openAppReply(body)).toBe(plaintext);
  });

  it('update_button plaintext', () => {
    expect(
      appUpdateButtonReplyPlaintext({ toUser: 'zhangsan', corpId: CORP, createTime: 1735698720, replaceName: '已确认' }),
    ).toBe(
      '<xml><ToUserName><![CDATA[zhangsan]]></ToUserName><FromUserName><![CDATA[ww1a2b3c4d5e6f7a8b]]></FromUserName>' +
        '<CreateTime>1735698720</CreateTime><MsgType><![CDATA[update_button]]></MsgType>' +
        '<Button><ReplaceName><![CDATA[已确认]]></ReplaceName></Button></xml>',
    );
  });

  it('escapes "]]>" inside CDATA by splitting the section, and the text survives a parse', () => {
    const content = 'a]]>b ]]]]> <xml>&amp;';
    const plaintext = appTextReplyPlaintext({ toUser: 'u', corpId: CORP, createTime: 1, content });
    expect(plaintext).toContain('<Content><![CDATA[a]]]]><![CDATA[>b ]]]]]]><![CDATA[> <xml>&amp;]]></Content>');
    // Parsed back as WeCom would (our own parser treats the reply like an inbound message).
    const reparsed = parseAppMessage(plaintext.replace('</xml>', '<MsgId>1</MsgId></xml>'), new Date());
    expect(reparsed.text).toBe(content);
  });

  it('cdata() drops characters XML 1.0 cannot carry and keeps the rest', () => {
    expect(cdata('a\u0000b\u0007c\td\ne\rf\uFFFEg😀')).toBe('<![CDATA[abc\td\ne\rfg😀]]>');
    expect(cdata('lone \uD800 surrogate')).toBe('<![CDATA[lone  surrogate]]>');
    expect(cdata('')).toBe('<![CDATA[]]>');
  });

  it.each([[-1], [1.5], ['01735698601'], ['17356986O1'], [''], [Number.NaN]])(
    'refuses the timestamp %j',
    (timestamp) => {
      expect(() =>
        buildAppReplyXml({ token: 't', aesKey: appKey, corpId: CORP, plaintext: 'x', timestamp, nonce: 'n' }),
      ).toThrow(/timestamp/);
      expect(() => appTextReplyPlaintext({ toUser: 'u', corpId: CORP, createTime: timestamp, content: 'x' })).toThrow(
        /timestamp/,
      );
    },
  );

  it('refuses an empty nonce', () => {
    expect(() =>
      buildAppReplyXml({ token: 't', aesKey: appKey, corpId: CORP, plaintext: 'x', timestamp: 1, nonce: '' }),
    ).toThrow(/nonce/);
  });
});

describe('robot passive reply', () => {
  it('aibot-passive-stream-reply: the plaintext builder gives the vector plaintext', () => {
    expect(robotStreamReply({ id: 'stream-bmsg-20250101-0001', finish: false, content: '正在查询会议安排…' })).toBe(
      botReply.plaintext,
    );
  });

  it('aibot-passive-stream-reply: the envelope is byte for byte the expected reply body', () => {
    // The nonce of the reply is the nonce of the callback it answers.
    expect(botReply.nonce).toBe(botCallback.nonce);
    const body = buildRobotReplyJson({
      token: botReply.token,
      aesKey: botKey,
      plaintext: robotStreamReply({ id: 'stream-bmsg-20250101-0001', finish: false, content: '正在查询会议安排…' }),
      timestamp: botReply.timestamp,
      nonce: botCallback.nonce,
      random: Buffer.from(botReply.randomHex, 'hex'),
    });
    expect(body).toBe(expectedBody('aibot-passive-stream-reply'));
    const parsed = JSON.parse(body) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(['encrypt', 'msgsignature', 'timestamp', 'nonce']);
    expect(parsed.timestamp).toBe(1735699201);
    expect(parsed.nonce).toBe('6617302954');
  });

  it('the same body with a numeric timestamp parameter', () => {
    const body = buildRobotReplyJson({
      token: botReply.token,
      aesKey: botKey,
      plaintext: botReply.plaintext,
      timestamp: Number(botReply.timestamp),
      nonce: botReply.nonce,
      random: Buffer.from(botReply.randomHex, 'hex'),
    });
    expect(body).toBe(expectedBody('aibot-passive-stream-reply'));
  });

  it('the vector reply opens with receiveid "" to the stream plaintext', () => {
    expect(openRobotReply(expectedBody('aibot-passive-stream-reply'))).toBe(botReply.plaintext);
  });

  it('a fresh reply opens with receiveid "" (and not with a CorpID)', () => {
    const plaintext = robotTextReply('欢迎使用联络助手');
    const body = buildRobotReplyJson({ token: botReply.token, aesKey: botKey, plaintext, timestamp: 1735699300, nonce: 'cb-nonce' });
    expect(openRobotReply(body)).toBe(plaintext);
    const parsed = JSON.parse(body) as { encrypt: string; msgsignature: string; nonce: string };
    expect(() =>
      openCallback({
        token: botReply.token,
        aesKey: botKey,
        receiveId: CORP,
        query: { msgSignature: parsed.msgsignature, timestamp: '1735699300', nonce: parsed.nonce },
        encrypt: parsed.encrypt,
        maxSkewSeconds: 0,
        now: new Date(),
      }),
    ).toThrow(expect.objectContaining({ code: -40005 }));
  });

  it('text reply (enter_chat)', () => {
    expect(robotTextReply('欢迎')).toBe('{"msgtype":"text","text":{"content":"欢迎"}}');
    expect(JSON.parse(robotTextReply('a"b\\c\n'))).toEqual({ msgtype: 'text', text: { content: 'a"b\\c\n' } });
  });

  it('stream reply with feedback id and finish', () => {
    expect(
      JSON.parse(
        robotStreamReply({
          id: 'stream-bmsg-20250101-0001',
          finish: true,
          content: '下周一例会改为 **10:00**，地点不变。',
          feedbackId: 'trace_bmsg-20250101-0001',
        }),
      ),
    ).toEqual({
      msgtype: 'stream',
      stream: {
        id: 'stream-bmsg-20250101-0001',
        finish: true,
        content: '下周一例会改为 **10:00**，地点不变。',
        feedback: { id: 'trace_bmsg-20250101-0001' },
      },
    });
  });

  it('stream reply limits: 20480 UTF-8 bytes accepted, one more refused; empty id refused', () => {
    expect(() => robotStreamReply({ id: 's', finish: true, content: 'a'.repeat(20480) })).not.toThrow();
    expect(() => robotStreamReply({ id: 's', finish: true, content: '中'.repeat(6827) })).toThrow(RangeError);
    expect(() => robotStreamReply({ id: '', finish: true, content: 'x' })).toThrow(/id/);
  });

  it('card update reply (PROTOCOL §8.5 example)', () => {
    const templateCard = {
      card_type: 'text_notice',
      main_title: { title: '已确认', desc: '2025 年第 2 号通知' },
      card_action: { type: 1, url: 'https://oa.example.gov.cn/notice/2025-002' },
      task_id: 'bot-notice-2025-002',
    };
    expect(robotUpdateCardReply({ userids: ['wangwu'], templateCard })).toBe(
      '{"response_type":"update_template_card","userids":["wangwu"],' +
        '"template_card":{"card_type":"text_notice","main_title":{"title":"已确认","desc":"2025 年第 2 号通知"},' +
        '"card_action":{"type":1,"url":"https://oa.example.gov.cn/notice/2025-002"},"task_id":"bot-notice-2025-002"}}',
    );
    expect(JSON.parse(robotUpdateCardReply({ templateCard }))).toEqual({
      response_type: 'update_template_card',
      template_card: templateCard,
    });
  });

  it('card update reply without task_id is refused', () => {
    expect(() => robotUpdateCardReply({ templateCard: { card_type: 'text_notice' } })).toThrow(/task_id/);
  });

  it('refuses an empty nonce or a bad timestamp', () => {
    expect(() => buildRobotReplyJson({ token: 't', aesKey: botKey, plaintext: '{}', timestamp: 1, nonce: '' })).toThrow(
      /nonce/,
    );
    expect(() => buildRobotReplyJson({ token: 't', aesKey: botKey, plaintext: '{}', timestamp: '1e9', nonce: 'n' })).toThrow(
      /timestamp/,
    );
  });
});
