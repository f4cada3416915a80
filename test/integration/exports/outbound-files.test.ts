/**
 * The stored files behind file messages, on both databases: a file larger than a plain BLOB (64 KB) comes back
 * byte for byte (LONGBLOB on MySQL), the media_id of an upload is remembered and forgotten, and files older than the
 * retention period are deleted when a new one is stored.
 */
import { randomBytes } from 'node:crypto';
import { OutboundFileEntity } from '../../../src/outbox/outbound-file-entity';
import { OUTBOUND_FILE_RETENTION_DAYS, OutboundFileStore, storeOutboundFile } from '../../../src/outbox/outbound-files';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../helpers/test-databases';

const T0 = new Date('2026-11-23T02:00:00Z');
const DAY = 24 * 60 * 60 * 1000;

describe.each(testDatabaseKinds())('outbound files on %s', (kind) => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase(kind);
  });
  afterEach(async () => db.destroy());

  const store = (content: Buffer, now: Date, name = '政务新媒体账号台账.xlsx') =>
    db.dataSource.transaction((m) => storeOutboundFile(m, { name, contentType: 'application/octet-stream', content, purpose: 'export:registry', createdBy: 'test' }, now));

  it('keeps a 2 MB file byte for byte and remembers and forgets its media_id', async () => {
    const content = randomBytes(2 * 1024 * 1024);
    const ref = await store(content, T0);
    const files = new OutboundFileStore(db.dataSource);
    const loaded = (await files.load(ref.fileId))!;
    expect(loaded.name).toBe('政务新媒体账号台账.xlsx');
    expect(Buffer.compare(loaded.content, content)).toBe(0);
    expect(loaded.mediaId).toBeNull();
    await files.rememberMedia(ref.fileId, 'media-1', new Date(T0.getTime() + 3 * DAY));
    expect(await files.load(ref.fileId)).toMatchObject({ mediaId: 'media-1', mediaExpiresAt: new Date(T0.getTime() + 3 * DAY) });
    await files.forgetMedia(ref.fileId);
    expect((await files.load(ref.fileId))!.mediaId).toBeNull();
    expect(await files.load(ref.fileId + 1000)).toBeNull();
  });

  it(`deletes files older than ${OUTBOUND_FILE_RETENTION_DAYS} days when a new one is stored`, async () => {
    const old = await store(Buffer.from('old file content'), T0, 'old.xlsx');
    const recent = await store(Buffer.from('recent file content'), new Date(T0.getTime() + 2 * DAY), 'recent.xlsx');
    await store(Buffer.from('new file content'), new Date(T0.getTime() + OUTBOUND_FILE_RETENTION_DAYS * DAY + 1000), 'new.xlsx');
    const names = (await db.dataSource.getRepository(OutboundFileEntity).find({ order: { id: 'ASC' } })).map((f) => f.name);
    expect(names).toEqual(['recent.xlsx', 'new.xlsx']);
    expect(await new OutboundFileStore(db.dataSource).load(old.fileId)).toBeNull();
    expect(await new OutboundFileStore(db.dataSource).load(recent.fileId)).not.toBeNull();
  });

  it('refuses what WeCom would refuse: 5 bytes or fewer', async () => {
    await expect(store(Buffer.from('12345'), T0)).rejects.toThrow(RangeError);
  });
});
