/**
 * Named setup steps a transcript can ask for (`setup: [roster, …]`). Each runs in order on the fresh test database,
 * after the fake WeCom is up and before the bot starts. Add a setup by adding an entry to `setups`; the name is
 * what transcripts write, so keep it kebab-case and stable.
 */
import { resolve } from 'node:path';
import type { DataSource } from 'typeorm';
import { importAccountsCommand } from '../../../src/cli/import-accounts-command';
import { importUnitsCommand } from '../../../src/cli/import-units-command';
import { AccountEntity, type AccountRow } from '../../../src/domain/registry/account-entity';
import { UnitEntity } from '../../../src/domain/roster/roster-entities';
import type { FakeWeCom } from '../../fake-wecom';
import type { OffsetClock } from '../../helpers/offset-clock';
import { seedRoster } from '../../helpers/seed-roster';
import type { TestDatabaseKind } from '../../helpers/test-databases';

export interface SetupContext {
  /** The test database (migrated, otherwise empty before the first setup). */
  dataSource: DataSource;
  kind: TestDatabaseKind;
  /** The bot's clock, already at the transcript's `start`. */
  clock: OffsetClock;
  /** The fake WeCom the bot will talk to (register users, webhook keys, inject faults …). */
  fake: FakeWeCom;
  /**
   * Settings for the bot about to start (the transcript's `env` already merged in). A setup may add to it, e.g. a
   * FLOWS_DIR it prepared; the transcript's own `env` is applied again afterwards and wins.
   */
  env: Record<string, string>;
  /** The repository root, for fixture paths. */
  rootDir: string;
}

export type Setup = (ctx: SetupContext) => Promise<void>;

const ROOT_DIR = resolve(__dirname, '../../..');

export const setups: Record<string, Setup> = {
  /**
   * test/helpers/seed-roster.ts: 区政府办 (organizer: 罗嘉禾 liaison, 白振华 leader), 区发改局 (钟雨桐 liaison,
   * 崔建民 leader), 区教体局 (邵明哲 liaison), and 宋知微 granted admin.
   */
  roster: async ({ dataSource, clock }) => {
    await seedRoster(dataSource, clock.now());
  },

  /**
   * After `roster`: a small registry. 区发改局 (DL002): 东岚发改 on 微信公众号·服务号 and on 抖音 (active), 发改之声 on
   * 微博 (suspended). 区教体局 (DL003): 东岚教体 on 微信公众号·订阅号 (active). All filed and approved.
   */
  accounts: async ({ dataSource, clock }) => {
    const units = await dataSource.getRepository(UnitEntity).find();
    const unit = (code: string) => units.find((u) => u.code === code)!;
    const now = clock.now();
    const account = (code: string, fields: Partial<AccountRow>): Partial<AccountRow> => ({
      ownerUnitId: unit(code).id,
      ownerUnitName: unit(code).name,
      filerUnitId: unit(code).id,
      openedOn: '2020-05-06',
      runStatus: 'active',
      runStatusRaw: '正常运行',
      filingStatus: 'approved',
      verification: '已认证',
      operationMode: '自营',
      functionDescription: '政务信息发布',
      managerName: '钟雨桐',
      managerMobile: '17700000218',
      createdAt: now,
      updatedAt: now,
      rev: 1,
      ...fields,
    });
    await dataSource.getRepository(AccountEntity).insert([
      account('DL002', { name: '东岚发改', platformType: 'wechat', platformTypeRaw: '微信', platformSubtype: '服务号', platformAccountId: 'gh_0a1b2c3d4e5f' }),
      account('DL002', { name: '东岚发改', platformType: 'douyin', platformTypeRaw: '抖音', platformAccountId: 'dlfg2020' }),
      account('DL002', {
        name: '发改之声',
        platformType: 'weibo',
        platformTypeRaw: '微博',
        platformSubtype: '新浪微博',
        runStatus: 'suspended',
        runStatusRaw: '已关停',
        closedOn: '2025-06-30',
        closeReason: '整合到东岚发改',
      }),
      account('DL003', {
        name: '东岚教体',
        platformType: 'wechat',
        platformTypeRaw: '微信',
        platformSubtype: '订阅号',
        managerName: '邵明哲',
        managerMobile: '15200001941',
      }),
    ]);
  },

  /** After `units-fixture`: the registry of test/fixtures/accounts.csv (121 accounts) through the real import. */
  'accounts-fixture': async ({ dataSource, clock, rootDir }) => {
    await importAccountsCommand(dataSource, resolve(rootDir, 'test/fixtures/accounts.csv'), { actor: 'conversation-test', clock });
  },

  /** test/fixtures/units.csv (40 units with liaisons and leaders) through the real roster import. */
  'units-fixture': async ({ dataSource, clock, rootDir }) => {
    await importUnitsCommand(dataSource, resolve(rootDir, 'test/fixtures/units.csv'), { actor: 'conversation-test', clock });
  },
};

export function setupRootDir(): string {
  return ROOT_DIR;
}
