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
import { FindingEntity, InspectionRoundEntity, type FindingRow } from '../../../src/domain/inspection/finding-entity';
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

  /**
   * After `units-fixture` and `accounts-fixture`: the round 2026年第三季度 (id 1) with findings as the importer would
   * store them, mirroring test/fixtures/inspection-2026Q3.csv, none sent yet. Finding ids in this order:
   * 1 东岚发布 微信服务号 (区政府办, 合格) · 2 e东岚 APP (区政府办, row 4, veto) · 3 东岚发改 微信公众号 (区发改局, row 5,
   * 合格 with a problem) · 4 文旅东岚 抖音 and 5 文旅东岚 快手 (区文旅局, row 26) · 6 文旅东岚 小红书 (区文旅局, row 27)
   * · 7 东岚审计 (区审计局, row 35, suspended account, 未及时注销) · 8 东岚城管 抖音 (区综合执法局, row 41, a repeat) ·
   * 9 云锦街道 (云锦街道, whose liaison has no WeCom account; not in the CSV).
   */
  'inspection-findings': async ({ dataSource, clock }) => {
    const now = clock.now();
    const units = await dataSource.getRepository(UnitEntity).find();
    const accounts = await dataSource.getRepository(AccountEntity).find();
    const unit = (code: string) => units.find((u) => u.code === code)!;
    const account = (code: string, name: string, type: string) =>
      accounts.find((a) => a.filerUnitId === unit(code).id && a.name === name && a.platformType === type)!;
    const round = await dataSource.getRepository(InspectionRoundEntity).insert({
      title: '2026年第三季度',
      period: '2026Q3',
      monitoringPointOn: '2026-09-15',
      rectificationDeadlineId: null,
      dispatchedAt: null,
      createdBy: 'conversation-test',
      createdAt: now,
    });
    const roundId = Number(round.identifiers[0].id);
    const finding = (
      code: string,
      name: string,
      type: string,
      fields: Partial<FindingRow> & Pick<FindingRow, 'rowNo' | 'platformTypeRaw' | 'unitNameRaw'>,
    ): Partial<FindingRow> => {
      const matched = account(code, name, type);
      return {
        roundId,
        unitId: unit(code).id,
        accountId: matched ? matched.id : null,
        qualified: false,
        accountNameRaw: name,
        matchConfidence: matched ? 'normalized' : 'none',
        problemsRaw: null,
        problemCodes: null,
        severity: null,
        isRepeat: false,
        sourceKey: `account:${matched ? matched.id : `${name}|${type}`}`,
        status: 'open',
        dispatchedAt: null,
        createdAt: now,
        updatedAt: now,
        ...fields,
      };
    };
    await dataSource.getRepository(FindingEntity).insert([
      finding('DL001', '东岚发布', 'wechat', { rowNo: 1, platformTypeRaw: '微信服务号', unitNameRaw: '东岚区人民政府办公室', qualified: true, status: 'passed' }),
      finding('DL001', 'e东岚', 'app', {
        rowNo: 4,
        platformTypeRaw: '移动客户端（APP）',
        unitNameRaw: '东岚区人民政府办公室',
        problemsRaw: '移动客户端（APP）无法下载或使用',
        problemCodes: 'APP_UNAVAILABLE',
        severity: 'veto',
      }),
      finding('DL002', '东岚发改', 'wechat', {
        rowNo: 5,
        platformTypeRaw: '微信公众号',
        unitNameRaw: '东岚区发展和改革局',
        qualified: true,
        status: 'passed',
        problemsRaw: '错别字1处（已整改）',
        problemCodes: 'TYPO',
        severity: 'deduction',
      }),
      finding('DL016', '文旅东岚', 'douyin', {
        rowNo: 26,
        platformTypeRaw: '抖音',
        unitNameRaw: '东岚区文化和旅游局',
        problemsRaw: '更新不及时、原创内容较少',
        problemCodes: 'UPDATE_LATE,LOW_ORIGINAL',
        severity: 'deduction',
      }),
      finding('DL016', '文旅东岚', 'kuaishou', {
        rowNo: 26,
        platformTypeRaw: '快手',
        unitNameRaw: '东岚区文化和旅游局',
        problemsRaw: '更新不及时、原创内容较少',
        problemCodes: 'UPDATE_LATE,LOW_ORIGINAL',
        severity: 'deduction',
      }),
      finding('DL016', '文旅东岚', 'other', {
        rowNo: 27,
        platformTypeRaw: '小红书',
        unitNameRaw: '东岚区文化和旅游局',
        problemsRaw: '未补报进报送系统',
        problemCodes: 'NOT_IN_NATIONAL_SYSTEM',
        severity: 'advisory',
      }),
      finding('DL020', '东岚审计', 'wechat', {
        rowNo: 35,
        platformTypeRaw: '微信公众号',
        unitNameRaw: '东岚区审计局',
        problemsRaw: '未及时注销',
        problemCodes: 'NOT_CANCELLED',
        severity: 'advisory',
      }),
      finding('DL023', '东岚城管', 'douyin', {
        rowNo: 41,
        platformTypeRaw: '抖音',
        unitNameRaw: '东岚区综合行政执法局',
        problemsRaw: '更新不及时',
        problemCodes: 'UPDATE_LATE',
        severity: 'deduction',
        isRepeat: true,
      }),
      finding('DL037', '云锦街道', 'wechat', {
        rowNo: 61,
        platformTypeRaw: '微信公众号',
        unitNameRaw: '云锦街道办事处',
        problemsRaw: '监测时间点前2周无更新',
        problemCodes: 'NO_UPDATE_2W',
        severity: 'veto',
      }),
    ]);
  },

  /** test/fixtures/units.csv (40 units with liaisons and leaders) through the real roster import. */
  'units-fixture': async ({ dataSource, clock, rootDir }) => {
    await importUnitsCommand(dataSource, resolve(rootDir, 'test/fixtures/units.csv'), { actor: 'conversation-test', clock });
  },
};

export function setupRootDir(): string {
  return ROOT_DIR;
}
