import { randomBytes } from 'node:crypto';
import { FileFetchError } from '../../../src/chat/inspection/file-fetcher';
import { ManualClock } from '../../../src/shared/clock';
import { parseRobotMessage } from '../../../src/wecom/robot-message-parser';
import { RobotMediaClient, decryptMedia } from '../../../src/wecom/robot-media-client';
import { decodeEncodingAesKey } from '../../../src/wecom/callback-crypto';
import { buildRobotFileJson, encryptMedia, startFakeWeCom, type FakeWeCom } from '../../fake-wecom';

const KEY = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';

describe('robot file messages (PROTOCOL §8.2, §8.7)', () => {
  it('parses a single-chat file message into its download URL', () => {
    const json = buildRobotFileJson({ userId: 'luojiahe', url: 'https://media.example/abc?sign=1', msgId: 'bmsg-file-1' });
    const message = parseRobotMessage(JSON.stringify(json), new Date('2026-10-15T01:00:00Z'));
    expect(message).toMatchObject({ msgType: 'file', userId: 'luojiahe', chatType: 'single', file: { url: 'https://media.example/abc?sign=1' } });
    expect(message.text).toBeUndefined();
  });

  it.each([0, 1, 31, 32, 33, 1000])('decrypts a body of %i bytes padded to 32 (the fake encrypts independently)', (size) => {
    const bytes = randomBytes(size);
    expect(decryptMedia(decodeEncodingAesKey(KEY), encryptMedia(KEY, bytes)).equals(bytes)).toBe(true);
  });

  it('refuses a body encrypted with another key', () => {
    const other = 'a'.repeat(43);
    expect(() => decryptMedia(decodeEncodingAesKey(KEY), encryptMedia(other, Buffer.from('序号,账号名称')))).toThrow(FileFetchError);
  });

  describe('against the fake WeCom', () => {
    let fake: FakeWeCom;
    const clock = new ManualClock('2026-10-15T01:00:00Z');
    beforeAll(async () => {
      fake = await startFakeWeCom({ clock });
    });
    afterAll(async () => {
      await fake.close();
    });

    it('downloads within 5 minutes of the fake clock; afterwards the link has expired', async () => {
      const client = new RobotMediaClient({ encodingAesKey: KEY, timeoutMs: 5000 });
      const bytes = Buffer.from('\uFEFF序号,账号名称,账号类型,开设单位,是否合格,主要问题\r\n', 'utf8');
      const url = fake.putRobotFile(bytes, KEY);
      expect((await client.fetch({ url })).equals(bytes)).toBe(true);
      clock.advance(5 * 60 * 1000);
      const error = await client.fetch({ url }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FileFetchError);
      expect((error as FileFetchError).code).toBe('expired');
    });
  });
});
