import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource, QueryRunner } from 'typeorm';

/** The synchronous better-sqlite3 handle (the part used here). */
export interface SynchronousDatabase {
  readonly inTransaction: boolean;
  prepare(sql: string): { run(...parameters: unknown[]): { changes: number } };
  transaction<T>(fn: () => T): () => T;
}

const handles = new WeakMap<DataSource, { runWhenFree(task: (db: SynchronousDatabase) => void): void }>();

/**
 * Run synchronous work on the SQLite connection as soon as no transaction holds it: when it is free, at the end of
 * this turn of the event loop, together with the work submitted in the same turn (one commit for the callbacks read
 * in one turn); when a transaction holds it, right after that transaction ends, before any waiting transaction may
 * start. For short writes that must not queue behind whole conversations (storing an accepted callback). The task
 * must not await: it runs between two statements of nobody. Undefined when the data source is not a serialized
 * SQLite one.
 */
export function sqliteRunWhenFree(dataSource: DataSource): ((task: (db: SynchronousDatabase) => void) => void) | undefined {
  return handles.get(dataSource)?.runWhenFree;
}

/**
 * better-sqlite3 gives TypeORM one connection for the whole process. Two transactions started by two concurrent
 * tasks would share it ("cannot start a transaction within a transaction"), and a plain statement of one task
 * issued while another task's transaction is open would silently become part of it — and be rolled back with it.
 *
 * This makes the single connection safe to share: a transaction owns the connection from BEGIN to COMMIT or
 * ROLLBACK, and any statement from another async context waits until it is free. Ownership follows the async
 * context (AsyncLocalStorage) of `dataSource.transaction(...)`. MySQL needs none of this (a pool of connections).
 * Short synchronous writes may go ahead of the transactions waiting for the connection (sqliteRunWhenFree).
 */
export function serializeSqliteAccess(dataSource: DataSource): void {
  const storage = new AsyncLocalStorage<symbol>();
  const UNMANAGED = Symbol('unmanaged transaction');
  let owner: symbol | null = null;
  let waiters: Array<() => void> = [];
  let urgent: Array<(db: SynchronousDatabase) => void> = [];

  const database = (): SynchronousDatabase | undefined =>
    (dataSource.driver as unknown as { databaseConnection?: SynchronousDatabase }).databaseConnection;
  const runUrgent = () => {
    const db = database();
    while (urgent.length > 0 && owner === null && db && !db.inTransaction) {
      const tasks = urgent;
      urgent = [];
      for (const task of tasks) task(db);
    }
  };
  const free = () => {
    owner = null;
    runUrgent(); // before anyone else can take the connection
    const wake = waiters;
    waiters = [];
    for (const resolve of wake) resolve();
  };
  let turnScheduled = false;
  handles.set(dataSource, {
    runWhenFree(task) {
      const db = database();
      if (!db) throw new Error('the SQLite database is not open');
      urgent.push(task);
      if (owner !== null || db.inTransaction || turnScheduled) return; // at free(), or with this turn's others
      turnScheduled = true;
      setImmediate(() => {
        turnScheduled = false;
        runUrgent(); // does nothing if a transaction took the connection meanwhile: then right after it
      });
    },
  });
  const waitUntilMine = async (me: symbol | undefined) => {
    while (owner !== null && owner !== me && !(owner === UNMANAGED && me === undefined)) {
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };

  const manager = dataSource.manager;
  const originalTransaction = manager.transaction.bind(manager) as (...args: unknown[]) => Promise<unknown>;
  (manager as unknown as { transaction: (...args: unknown[]) => Promise<unknown> }).transaction = (...args: unknown[]) => {
    const current = storage.getStore();
    if (current && owner === current) return originalTransaction(...args); // nested: savepoint on the same owner
    const token = Symbol('transaction');
    return storage.run(token, async () => {
      // check and take in the same tick: no await between the last check and the assignment
      while (owner !== null) await new Promise<void>((resolve) => waiters.push(resolve));
      owner = token;
      try {
        return await originalTransaction(...args);
      } finally {
        free();
      }
    });
  };

  const driver = dataSource.driver as unknown as { createQueryRunner(mode: string): QueryRunner };
  const originalCreate = driver.createQueryRunner.bind(driver);
  const patched = new WeakSet<QueryRunner>();
  driver.createQueryRunner = (mode: string) => {
    const runner = originalCreate(mode);
    if (patched.has(runner)) return runner;
    patched.add(runner);
    const query = runner.query.bind(runner) as (...args: unknown[]) => Promise<unknown>;
    (runner as unknown as { query: (...args: unknown[]) => Promise<unknown> }).query = async (...args: unknown[]) => {
      await waitUntilMine(storage.getStore());
      return query(...args);
    };
    // Transactions started without dataSource.transaction (repository.save, migrations) own the connection too.
    const start = runner.startTransaction.bind(runner);
    runner.startTransaction = async (...args: Parameters<QueryRunner['startTransaction']>) => {
      const me = storage.getStore();
      if (me === undefined && owner !== UNMANAGED) {
        while (owner !== null) await new Promise<void>((resolve) => waiters.push(resolve));
        owner = UNMANAGED;
      }
      return start(...args);
    };
    for (const method of ['commitTransaction', 'rollbackTransaction'] as const) {
      const original = runner[method].bind(runner);
      runner[method] = async () => {
        try {
          await original();
        } finally {
          if (owner === UNMANAGED && !runner.isTransactionActive) free();
        }
      };
    }
    return runner;
  };
}
