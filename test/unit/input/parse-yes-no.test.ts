import { parseYesNo } from '../../../src/chat/input/parse-yes-no';

describe('parseYesNo', () => {
  it.each([
    '是', '是的', '对', '对的', '好', '好的', '确认', '确定', '可以', '没错', '没问题', '嗯', '行', '同意', '提交',
    '确认提交', 'y', 'yes', 'ok', 'OK', 'Yes', 'ＯＫ', 'ｙｅｓ', '是。', '好的！', '确认!', ' 是 ', '确认 提交', '好的~',
  ])('reads %j as yes', (text) => {
    expect(parseYesNo(text)).toEqual({ ok: true, value: true, display: '是' });
  });

  it.each([
    '否', '不是', '不', '不对', '不用', '不要', '没有', '无', '暂不', 'n', 'no', 'N', 'NO', 'Ｎｏ', '否。', '不用',
    '没有！', '不需要',
  ])('reads %j as no', (text) => {
    expect(parseYesNo(text)).toEqual({ ok: true, value: false, display: '否' });
  });

  it.each([
    ['不确定', '“不确定”不是明确的回答，请回复“是”或“否”'],
    ['是不是', '“是不是”不是明确的回答，请回复“是”或“否”'],
    ['maybe', '“maybe”不是明确的回答，请回复“是”或“否”'],
    ['好的，但是要改一下名称', '“好的,但是要改一下名称”不是明确的回答，请回复“是”或“否”'],
    ['', '请回复“是”或“否”'],
    ['。', '请回复“是”或“否”'],
  ])('refuses %j', (text, problem) => {
    expect(parseYesNo(text)).toEqual({ ok: false, problem, example: '是' });
  });
});
