import { decodeEncodingAesKey, openCallback } from '../../../src/wecom/callback-crypto';
import { parseCallbackQuery } from '../../../src/wecom/callback-query';
import {
  parseRobotEnvelope,
  parseRobotMessage,
  stripRobotMention,
} from '../../../src/wecom/robot-message-parser';
import { isHttpRequest, positiveVector, splitUrl } from '../../helpers/wecom-vectors';
import { rejection } from '../../helpers/rejection';

const RECEIVED = new Date('2025-01-01T08:40:00Z');
const AIBOT = 'aibQ7xW2mK9pL4nR8tV1zB6cD3fG5hJ0';
const RESPONSE_URL = 'https://qyapi.weixin.qq.com/cgi-bin/aibot/response?response_code=RC_fake_0001';


function robotJson(fields: Record<string, unknown>, chattype: 'single' | 'group' = 'single'): string {
  return JSON.stringify({
    msgid: 'bmsg-1',
    aibotid: AIBOT,
    ...(chattype === 'group' ? { chatid: 'wrkGrpA1b2C3d4E5f6G7' } : {}),
    chattype,
    from: { userid: 'wangwu' },
    response_url: RESPONSE_URL,
    ...fields,
  });
}

function groupText(content: string): string {
  return robotJson({ msgtype: 'text', text: { content } }, 'group');
}

describe('parseRobotEnvelope', () => {
  it('aibot-group-text: envelope + query + crypto + parser', () => {
    const v = positiveVector('aibot-group-text');
    const http = v.http;
    if (!isHttpRequest(http) || http.body === undefined) throw new Error('not a POST vector');
    const envelope = parseRobotEnvelope(http.body);
    expect(envelope).toEqual({ encrypt: v.ciphertextBase64 });
    const plaintext = openCallback({
      token: v.token,
      aesKey: decodeEncodingAesKey(v.encodingAESKey),
      receiveId: '',
      query: parseCallbackQuery(splitUrl(http.url).rawQuery),
      encrypt: envelope.encrypt,
      maxSkewSeconds: 600,
      now: new Date(Number(v.timestamp) * 1000),
    });
    expect(plaintext).toBe(v.plaintext);
    const msg = parseRobotMessage(plaintext, RECEIVED, { robotName: '联络助手' });
    expect(msg).toEqual({
      channel: 'robot',
      msgKey: 'bmsg-20250101-0001',
      userId: 'wangwu',
      chatType: 'group',
      chatId: 'wrkGrpA1b2C3d4E5f6G7',
      msgType: 'text',
      text: '下周一的会议改到几点？',
      responseUrl: RESPONSE_URL,
      botId: AIBOT,
      createdAt: RECEIVED,
    });
  });

  it('ignores extra fields', () => {
    expect(parseRobotEnvelope('{"encrypt":"abc","other":1}')).toEqual({ encrypt: 'abc' });
  });

  it.each([
    ['no encrypt', '{"Encrypt":"abc"}', 'encrypt field missing'],
    ['an empty encrypt', '{"encrypt":""}', 'encrypt field missing'],
    ['a numeric encrypt', '{"encrypt":123}', 'encrypt field missing'],
    ['an array', '["abc"]', 'callback body is not a JSON object'],
    ['null', 'null', 'callback body is not a JSON object'],
    ['a string', '"abc"', 'callback body is not a JSON object'],
    ['XML', '<xml><Encrypt>abc</Encrypt></xml>', 'callback body is not valid JSON'],
    ['truncated JSON', '{"encrypt":"abc"', 'callback body is not valid JSON'],
    ['an empty body', '', 'callback body is empty'],
  ])('rejects %s (-40002)', (_what, body, reason) => {
    const e = rejection(() => parseRobotEnvelope(body));
    expect(e.code).toBe(-40002);
    expect(e.reason).toBe(reason);
  });
});

describe('group @ stripping', () => {
  it.each([
    ['@联络助手 下周一的会议改到几点？', '下周一的会议改到几点？'],
    ['@联络助手\u3000下周一', '下周一'],
    ['@联络助手\u3000\u3000 下周一 ', '下周一'],
    ['@联络助手下周一', '下周一'],
    ['  @联络助手 下周一', '下周一'],
    ['@联络助手', ''],
    ['@联络助手 ', ''],
    ['@张三 @联络助手 下周一', '@张三 @联络助手 下周一'],
    ['下周一 @联络助手', '下周一 @联络助手'],
    ['@联络 下周一', '@联络 下周一'],
  ])('with a configured name: %j → %j', (input, expected) => {
    expect(parseRobotMessage(groupText(input), RECEIVED, { robotName: '联络助手' }).text).toBe(expected);
  });

  it('treats the configured name literally (regex characters, spaces)', () => {
    expect(stripRobotMention('@Bot (beta)+ hello', 'Bot (beta)+')).toBe('hello');
    expect(stripRobotMention('@Bot Xbeta hello', 'Bot (beta)')).toBe('@Bot Xbeta hello');
    expect(stripRobotMention('@联络 助手 你好', '联络 助手')).toBe('你好');
  });

  it.each([
    ['@联络助手 下周一的会议改到几点？', '下周一的会议改到几点？'],
    ['@联络助手\u3000下周一', '下周一'],
    ['@联络助手', ''],
    ['@any-bot-name\thello world', 'hello world'],
    ['no mention here', 'no mention here'],
    ['@张三 @联络助手 下周一', '@联络助手 下周一'],
  ])('without a configured name: %j → %j (first leading @token)', (input, expected) => {
    expect(parseRobotMessage(groupText(input), RECEIVED, {}).text).toBe(expected);
  });

  it('does not strip in a single chat, only trims', () => {
    const msg = parseRobotMessage(robotJson({ msgtype: 'text', text: { content: ' @联络助手 你好 ' } }), RECEIVED, {
      robotName: '联络助手',
    });
    expect(msg.chatType).toBe('single');
    expect(msg.chatId).toBeUndefined();
    expect(msg.text).toBe('@联络助手 你好');
  });
});

describe('parseRobotMessage', () => {
  it('single-chat text', () => {
    const msg = parseRobotMessage(robotJson({ msgtype: 'text', text: { content: '请假 周三下午' } }), RECEIVED, {});
    expect(msg).toEqual({
      channel: 'robot',
      msgKey: 'bmsg-1',
      userId: 'wangwu',
      chatType: 'single',
      msgType: 'text',
      text: '请假 周三下午',
      responseUrl: RESPONSE_URL,
      botId: AIBOT,
      createdAt: RECEIVED,
    });
  });

  it('mixed: the text items joined, images skipped, @ stripped in a group', () => {
    const json = robotJson(
      {
        msgtype: 'mixed',
        mixed: {
          msg_item: [
            { msgtype: 'text', text: { content: '@联络助手 请看这张截图' } },
            { msgtype: 'image', image: { url: 'https://example.invalid/img' } },
            { msgtype: 'text', text: { content: '是否合规？' } },
          ],
        },
      },
      'group',
    );
    const msg = parseRobotMessage(json, RECEIVED, { robotName: '联络助手' });
    expect(msg.msgType).toBe('mixed');
    expect(msg.text).toBe('请看这张截图\n是否合规？');
  });

  it('mixed without text items gives an empty text', () => {
    const json = robotJson({ msgtype: 'mixed', mixed: { msg_item: [{ msgtype: 'image', image: { url: 'u' } }] } });
    expect(parseRobotMessage(json, RECEIVED, {}).text).toBe('');
  });

  it('voice: the transcription is the text', () => {
    const msg = parseRobotMessage(robotJson({ msgtype: 'voice', voice: { content: ' 明天的会几点开 ' } }), RECEIVED, {});
    expect(msg.msgType).toBe('voice');
    expect(msg.text).toBe('明天的会几点开');
  });

  it.each([
    ['image', { image: { url: 'https://example.invalid/i' } }],
    ['file', { file: { url: 'https://example.invalid/f' } }],
    ['video', { video: { url: 'https://example.invalid/v' } }],
  ])('%s: no text', (type, payload) => {
    const msg = parseRobotMessage(robotJson({ msgtype: type, ...payload }), RECEIVED, {});
    expect(msg.msgType).toBe(type);
    expect(msg.text).toBeUndefined();
    expect(msg.msgKey).toBe('bmsg-1');
  });

  it('quote: the quoted message is ignored, the user text kept', () => {
    const json = robotJson(
      {
        msgtype: 'text',
        text: { content: '@联络助手 这条通知什么时候截止？' },
        quote: { msgtype: 'text', text: { content: '【通知】请于本周五前完成备案信息核对' } },
      },
      'group',
    );
    const msg = parseRobotMessage(json, RECEIVED, { robotName: '联络助手' });
    expect(msg.text).toBe('这条通知什么时候截止？');
    expect(msg.msgType).toBe('text');
  });

  it('stream refresh: msgType stream, the stream id available', () => {
    const msg = parseRobotMessage(
      robotJson({ msgid: 'bmsg-refresh-1', msgtype: 'stream', stream: { id: 'stream-bmsg-20250101-0001' } }, 'group'),
      RECEIVED,
      {},
    );
    expect(msg).toMatchObject({ msgType: 'stream', msgKey: 'bmsg-refresh-1', streamId: 'stream-bmsg-20250101-0001' });
    expect(msg.text).toBeUndefined();
    expect(msg.event).toBeUndefined();
  });

  it('enter_chat event, createdAt from create_time', () => {
    const msg = parseRobotMessage(
      JSON.stringify({
        msgid: 'bevt-1',
        create_time: 1735699500,
        aibotid: AIBOT,
        chattype: 'single',
        from: { userid: 'wangwu', corpid: 'wwcorp' },
        msgtype: 'event',
        event: { eventtype: 'enter_chat' },
      }),
      RECEIVED,
      {},
    );
    expect(msg).toEqual({
      channel: 'robot',
      msgKey: 'bevt-1',
      userId: 'wangwu',
      chatType: 'single',
      msgType: 'event',
      event: { type: 'enter_chat' },
      botId: AIBOT,
      createdAt: new Date(1735699500 * 1000),
    });
  });

  it('template_card_event (PROTOCOL §8.3 example)', () => {
    const json =
      '{"msgid":"bevt-20250101-0007","create_time":1735699500,"aibotid":"aibQ7xW2mK9pL4nR8tV1zB6cD3fG5hJ0",' +
      '"chattype":"single","from":{"userid":"wangwu"},' +
      '"response_url":"https://qyapi.weixin.qq.com/cgi-bin/aibot/response?response_code=RC_fake_0002",' +
      '"msgtype":"event","event":{"eventtype":"template_card_event","template_card_event":' +
      '{"card_type":"button_interaction","event_key":"ack:notice-2025-002","task_id":"bot-notice-2025-002"}}}';
    const msg = parseRobotMessage(json, RECEIVED, {});
    expect(msg.msgKey).toBe('bevt-20250101-0007');
    expect(msg.responseUrl).toBe('https://qyapi.weixin.qq.com/cgi-bin/aibot/response?response_code=RC_fake_0002');
    expect(msg.event).toEqual({
      type: 'template_card_event',
      key: 'ack:notice-2025-002',
      taskId: 'bot-notice-2025-002',
      cardType: 'button_interaction',
    });
    expect(msg.createdAt).toEqual(new Date(1735699500 * 1000));
  });

  it('template_card_event with selected_items', () => {
    const json = robotJson({
      msgtype: 'event',
      event: {
        eventtype: 'template_card_event',
        template_card_event: {
          card_type: 'vote_interaction',
          event_key: 'submit',
          task_id: 'vote-7',
          selected_items: {
            selected_item: [
              { question_key: 'q1', option_ids: { option_id: ['a', 'b'] } },
              { question_key: 'q2', option_ids: { option_id: ['c'] } },
            ],
          },
        },
      },
    });
    expect(parseRobotMessage(json, RECEIVED, {}).event).toEqual({
      type: 'template_card_event',
      key: 'submit',
      taskId: 'vote-7',
      cardType: 'vote_interaction',
      selected: { q1: ['a', 'b'], q2: ['c'] },
    });
  });

  it('feedback_event: key = feedback id, details kept', () => {
    const json = robotJson({
      msgtype: 'event',
      event: {
        eventtype: 'feedback_event',
        feedback_event: { id: 'trace_bmsg-1', type: 2, content: '时间不对', inaccurate_reason_list: [2, 4] },
      },
    });
    const msg = parseRobotMessage(json, RECEIVED, {});
    expect(msg.event).toEqual({ type: 'feedback_event', key: 'trace_bmsg-1' });
    expect(msg.feedback).toEqual({ id: 'trace_bmsg-1', type: 2, content: '时间不对', inaccurateReasons: [2, 4] });
  });

  it('keeps an unknown event type', () => {
    const msg = parseRobotMessage(robotJson({ msgtype: 'event', event: { eventtype: 'future_event' } }), RECEIVED, {});
    expect(msg.event).toEqual({ type: 'future_event' });
  });

  it('create_time as a digit string also works; a bad one falls back to the reception time', () => {
    expect(parseRobotMessage(robotJson({ msgtype: 'text', text: { content: 'x' }, create_time: '1735699500' }), RECEIVED, {}).createdAt).toEqual(
      new Date(1735699500 * 1000),
    );
    expect(parseRobotMessage(robotJson({ msgtype: 'text', text: { content: 'x' }, create_time: 'later' }), RECEIVED, {}).createdAt).toEqual(
      RECEIVED,
    );
  });

  it.each([
    ['msgid missing', { msgid: undefined, msgtype: 'text', text: { content: 'x' } }, 'msgid missing'],
    ['msgid empty', { msgid: '', msgtype: 'text', text: { content: 'x' } }, 'msgid missing'],
    ['from missing', { from: undefined, msgtype: 'text', text: { content: 'x' } }, 'from.userid missing'],
    ['from.userid missing', { from: { corpid: 'ww1' }, msgtype: 'text', text: { content: 'x' } }, 'from.userid missing'],
    ['msgtype missing', { text: { content: 'x' } }, 'msgtype missing'],
    ['event without eventtype', { msgtype: 'event', event: {} }, 'event without eventtype'],
  ])('rejects %s (-40002)', (_what, fields, reason) => {
    const e = rejection(() => parseRobotMessage(robotJson(fields), RECEIVED, {}));
    expect(e.code).toBe(-40002);
    expect(e.reason).toBe(reason);
  });

  it.each([
    ['not JSON', '<xml/>', 'decrypted message is not valid JSON'],
    ['a JSON array', '[]', 'decrypted message is not a JSON object'],
    ['the echostr digits', '9017723456601183342', 'decrypted message is not a JSON object'],
    ['empty', '', 'decrypted message is empty'],
  ])('rejects %s (-40002)', (_what, json, reason) => {
    const e = rejection(() => parseRobotMessage(json, RECEIVED, {}));
    expect(e.code).toBe(-40002);
    expect(e.reason).toBe(reason);
  });
});
