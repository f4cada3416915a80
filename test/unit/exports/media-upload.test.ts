/**
 * media/upload against the fake WeCom through the real API client: the multipart body (part `media`, UTF-8 file
 * name, filelength), the answer (media_id, created_at as a string), the size and type rules, and 40007 when
 * message/send names a media_id WeCom does not know or that is older than 3 days.
 */
import { randomBytes } from 'node:crypto';
import { ManualClock } from '../../../src/shared/clock';
import { encodeMultipart } from '../../../src/wecom/multipart';
import { MEDIA_ID_TTL_MS, WeComApiClient } from '../../../src/wecom/wecom-api-client';
import { WeComApiError } from '../../../src/wecom/wecom-api-error';
import { parseMultipart } from '../../fake-wecom/fake-wecom-state';
import { startFakeWeCom, type FakeWeCom } from '../../fake-wecom';
import { testLogger } from '../../helpers/silent-logger';

const CORP = 'wwfake0000000007';
const AGENT = 1000002;
const SECRET = 'fake-app-secret-media-0123456789';

describe('media upload', () => {
  let fake: FakeWeCom;
  let clock: ManualClock;
  let client: WeComApiClient;

  beforeEach(async () => {
    clock = new ManualClock('2026-11-23T02:00:00Z');
    fake = await startFakeWeCom({ clock, corps: [{ corpId: CORP, agents: [{ agentId: AGENT, secret: SECRET }] }], users: ['songzhiwei'], tokenTtlSeconds: 30 * 24 * 3600 });
    client = new WeComApiClient({ apiBase: fake.baseUrl, corpId: CORP, agentId: AGENT, secret: SECRET, timeoutMs: 5000, clock, logger: testLogger() });
  });
  afterEach(async () => fake.close());

  const errcodeOf = async (promise: Promise<unknown>): Promise<number> => {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WeComApiError);
    return (error as WeComApiError).errcode;
  };

  it('encodes one part named media with the UTF-8 file name, and the fake reads back exactly those bytes', () => {
    const data = randomBytes(3000);
    const body = encodeMultipart({ field: 'media', filename: '检查结果"表".xlsx', contentType: 'application/octet-stream', data, dispositionParams: { filelength: data.length } }, 'b0undary');
    expect(body.contentType).toBe('multipart/form-data; boundary=b0undary');
    const parts = parseMultipart(body.body, 'b0undary')!;
    expect(parts).toHaveLength(1);
    expect(parts[0]).toMatchObject({ name: 'media', filename: '检查结果"表".xlsx', filelength: 3000, contentType: 'application/octet-stream' });
    expect(Buffer.compare(parts[0].data, data)).toBe(0);
  });

  it('uploads a file: media_id, created_at as a string of seconds, valid 3 days; the file message carries it', async () => {
    const data = Buffer.from('政务新媒体账号台账 — 测试内容', 'utf8');
    const result = await client.uploadMedia({ type: 'file', filename: '政务新媒体账号台账.xlsx', data });
    expect(result.createdAt.getTime()).toBe(clock.now().getTime());
    expect(result.expiresAt.getTime() - result.createdAt.getTime()).toBe(MEDIA_ID_TTL_MS);
    const upload = fake.media(result.mediaId)!;
    expect(upload).toMatchObject({ type: 'file', filename: '政务新媒体账号台账.xlsx', filelength: data.length });
    expect(upload.bytes.toString('utf8')).toBe('政务新媒体账号台账 — 测试内容');

    await client.sendMessage({ toUser: ['songzhiwei'], body: { msgtype: 'file', file: { media_id: result.mediaId } } });
    expect(fake.fileMessages().map((m) => m.media?.filename)).toEqual(['政务新媒体账号台账.xlsx']);

    // created_at is a string in WeCom's answer
    const raw = await fetch(`${fake.baseUrl}/cgi-bin/media/upload?access_token=${encodeURIComponent(await client.getAccessToken())}&type=file`, {
      method: 'POST',
      headers: { 'content-type': encodeMultipart({ field: 'media', filename: 'a.txt', contentType: 'text/plain', data: Buffer.from('123456') }, 'x1').contentType },
      body: encodeMultipart({ field: 'media', filename: 'a.txt', contentType: 'text/plain', data: Buffer.from('123456') }, 'x1').body,
    });
    const json = (await raw.json()) as Record<string, unknown>;
    expect(json).toMatchObject({ errcode: 0, type: 'file' });
    expect(typeof json.created_at).toBe('string');
  });

  it('refuses empty, tiny and too large files, unknown types, images that are not images, and a body without a media part', async () => {
    expect(await errcodeOf(client.uploadMedia({ type: 'file', filename: 'e.txt', data: Buffer.alloc(0) }))).toBe(44001);
    expect(await errcodeOf(client.uploadMedia({ type: 'file', filename: 's.txt', data: Buffer.from('12345') }))).toBe(40006);
    expect(await errcodeOf(client.uploadMedia({ type: 'file', filename: 'big.bin', data: Buffer.alloc(20 * 1024 * 1024 + 1) }))).toBe(45001);
    expect(await errcodeOf(client.uploadMedia({ type: 'image', filename: 'x.png', data: Buffer.from('not a picture at all') }))).toBe(40004);
    expect(await errcodeOf(client.uploadMedia({ type: 'pdf' as 'file', filename: 'x.pdf', data: Buffer.from('%PDF-1.4 ...') }))).toBe(40005);
    const token = await client.getAccessToken();
    const wrongField = encodeMultipart({ field: 'file', filename: 'a.txt', contentType: 'text/plain', data: Buffer.from('1234567') }, 'x2');
    const answer = await fetch(`${fake.baseUrl}/cgi-bin/media/upload?access_token=${encodeURIComponent(token)}&type=file`, {
      method: 'POST',
      headers: { 'content-type': wrongField.contentType },
      body: wrongField.body,
    });
    expect(((await answer.json()) as { errcode: number }).errcode).not.toBe(0);
    expect(fake.uploads()).toHaveLength(0);
    // exactly 20 MB is accepted
    await client.uploadMedia({ type: 'file', filename: 'max.bin', data: Buffer.alloc(20 * 1024 * 1024, 1) });
    expect(fake.uploads()).toHaveLength(1);
  });

  it('answers 40007 for an unknown media_id and for one older than 3 days of its clock', async () => {
    expect(await errcodeOf(client.sendMessage({ toUser: ['songzhiwei'], body: { msgtype: 'file', file: { media_id: 'never-uploaded' } } }))).toBe(40007);
    const { mediaId } = await client.uploadMedia({ type: 'file', filename: 'a.xlsx', data: Buffer.from('PK-fake-xlsx') });
    clock.advance(MEDIA_ID_TTL_MS - 1000);
    await client.sendMessage({ toUser: ['songzhiwei'], body: { msgtype: 'file', file: { media_id: mediaId } }, duplicateCheckSeconds: 0 });
    clock.advance(1000);
    expect(await errcodeOf(client.sendMessage({ toUser: ['songzhiwei'], body: { msgtype: 'file', file: { media_id: mediaId } }, duplicateCheckSeconds: 0 }))).toBe(40007);
    expect(fake.fileMessages()).toHaveLength(1);
  });
});
