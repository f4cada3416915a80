import { InboxEntity } from '../../src/chat/inbox-entity';
import { isUniqueViolation } from '../../src/db/unique-violation';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../helpers/test-databases';

const message = {
  channel: 'app',
  msgKey: 'msg-1',
  userId: 'luojiahe',
  chatType: 'single',
  chatId: null,
  msgType: 'text',
  text: '帮助',
  payload: '{}',
  status: 'received' as const,
  attempts: 0,
  receivedAt: new Date('2026-11-23T01:02:03Z'),
};

async function failure(action: () => Promise<unknown>): Promise<unknown> {
  try {
    await action();
  } catch (error) {
    return error;
  }
  throw new Error('the statement was expected to fail');
}

describe.each(testDatabaseKinds())('isUniqueViolation on %s', (kind) => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase(kind);
  });
  afterEach(async () => db.destroy());

  it('recognises a duplicate key, as TypeORM and as the driver throw it', async () => {
    const repo = db.dataSource.getRepository(InboxEntity);
    await repo.insert(message);
    const error = await failure(() => repo.insert({ ...message, text: 'again' }));
    expect(isUniqueViolation(error)).toBe(true);
    expect(isUniqueViolation((error as { driverError: unknown }).driverError)).toBe(true);
  });

  it('does not take other constraint failures for duplicates', async () => {
    const error = await failure(() => db.dataSource.getRepository(InboxEntity).insert({ ...message, userId: null as unknown as string }));
    expect(isUniqueViolation(error)).toBe(false);
    expect(isUniqueViolation(new Error('connection lost'))).toBe(false);
    expect(isUniqueViolation(null)).toBe(false);
  });
});
