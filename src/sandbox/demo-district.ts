import type { DataSource, EntityManager, EntitySchema, ObjectLiteral } from 'typeorm';
import { InboxEntity } from '../chat/inbox-entity';
import { BulletinEntity } from '../domain/bulletins/bulletin-entities';
import { DeadlineEntity } from '../domain/deadlines/deadline-entities';
import { createDeadline, type DeadlineRules } from '../domain/deadlines/deadline-service';
import { FindingEntity, InspectionRoundEntity } from '../domain/inspection/finding-entity';
import type { ProblemVocabulary } from '../domain/inspection/problem-vocabulary';
import { AccountEntity, type AccountRow } from '../domain/registry/account-entity';
import { applyAccounts, parseAccounts } from '../domain/registry/account-import';
import { FilingEntity } from '../domain/registry/filing-entity';
import { AdminGrantEntity, ContactEntity, UnitEntity } from '../domain/roster/roster-entities';
import { parseRoster, readTable, type RowError } from '../domain/roster/roster-file';
import { applyRoster } from '../domain/roster/roster-import';
import { grantAdmin } from '../domain/roster/roster-service';
import { toShanghaiDate } from '../shared/shanghai-time';

/**
 * The demo district of the sandbox: a few units of 东岚区 (invented, like all the sample data) with their liaisons
 * and one leader, two office admins, a small registry of accounts, one open inspection round whose failures wait to
 * be sent to the units, and the rectification deadline of that round. Loaded through the same import code the office
 * uses (roster and registry as spreadsheets), in one transaction, and only into an empty database.
 */

export const DEMO_ADMINS = [
  { userId: 'songzhiwei', name: '宋知微' },
  { userId: 'dujiayan', name: '杜嘉言' },
] as const;

/** The roster, as the office's spreadsheet (units.csv) would hold it. 崔建民 is the one leader with a WeCom account. */
export const DEMO_UNITS_CSV = [
  '序号,单位编码,单位名称,单位简称,单位类型,上级单位,系统角色,联络员姓名,联络员职务,联络员企业微信账号,联络员手机号,办公电话,分管负责人,分管负责人职务,分管负责人企业微信账号,备注',
  '1,DL002,东岚区发展和改革局,区发改局,部门,东岚区人民政府,填报单位,钟雨桐,办公室科员,zhongyutong,17700000218,0123-6800002,崔建民,副局长,cuijianmin,',
  '2,DL003,东岚区教育和体育局,区教体局,部门,东岚区人民政府,填报单位,邵明哲,宣传科副科长,shaomingzhe,15200001941,0123-6800003,,,,',
  '3,DL016,东岚区文化和旅游局,区文旅局,部门,东岚区人民政府,填报单位,龚佳怡,宣传推广科科员,gongjiayi,13600000825,0123-6800016,,,,',
  '4,DL025,岚桥镇人民政府,岚桥镇,镇,东岚区人民政府,填报单位,易雪松,党政办科员,yixuesong,15200008198,0123-6800025,,,,',
].join('\r\n');

/** The registry (台账), as accounts.csv would hold it. */
export const DEMO_ACCOUNTS_CSV = [
  '序号,账号名称,新媒体类型,平台/账号细分,账号ID,访问地址,开办单位,填报单位,运维模式,运维机构,功能定位,基本功能,官方认证,开设时间,运行状态,备案状态,提交时间,审核结束时间,关停/注销时间,关停/注销原因,是否纳入全国报送系统,具体负责人,具体负责人手机号,粉丝量',
  '1,东岚发改,微信,服务号,gh_3d1f8a2b6c90,微信搜索公众号：东岚发改,东岚区发展和改革局,东岚区发展和改革局,自营,东岚区发展和改革局,发布发改政务信息、解读发展规划,发布、传播、互动,已认证,2018-05-14,正常运行,已通过,2019-07-16 09:30,2019-07-20 10:02,,,是,钟雨桐,17700000218,12840',
  '2,东岚发改,抖音,,dlfg2020,抖音搜索抖音号：dlfg2020,东岚区发展和改革局,东岚区发展和改革局,自营,东岚区发展和改革局,政策宣传、重点项目动态,发布、传播,已认证,2020-09-01,正常运行,已通过,2020-09-03 15:12,2020-09-07 11:40,,,是,钟雨桐,17700000218,5630',
  '3,发改之声,微博,新浪微博,3310056721,https://weibo.com/u/3310056721,东岚区发展和改革局,东岚区发展和改革局,自营,东岚区发展和改革局,政策发布,发布,已认证,2015-03-02,已关停,已通过,2019-07-16 10:00,2019-07-22 16:20,2024-06-30,整合至“东岚发改”公众号,是,钟雨桐,17700000218,860',
  '4,东岚教体,微信,订阅号,gh_7c2e9a4b1d03,微信搜索公众号：东岚教体,东岚区教育和体育局,东岚区教育和体育局,自营,东岚区教育和体育局,教育政策发布、招生考试信息,发布、传播、互动、办事,已认证,2016-08-22,正常运行,已通过,2019-07-17 14:05,2019-07-24 09:18,,,是,邵明哲,15200001941,25310',
  '5,文旅东岚,抖音,,wldl2019,抖音搜索抖音号：wldl2019,东岚区文化和旅游局,东岚区文化和旅游局,购买服务,东岚数字传媒有限公司,文旅宣传推广,发布、传播、互动、引导,已认证,2019-04-18,正常运行,已通过,2019-07-18 10:40,2019-07-25 15:02,,,是,龚佳怡,13600000825,48200',
  '6,文旅东岚,快手,,wldl2021,快手搜索：wldl2021,东岚区文化和旅游局,东岚区文化和旅游局,购买服务,东岚数字传媒有限公司,文旅宣传推广,发布、传播,已认证,2021-05-10,正常运行,已通过,2021-05-12 09:20,2021-05-14 16:45,,,是,龚佳怡,13600000825,9700',
  '7,岚桥发布,微信,订阅号,gh_5a8e2c7f4b16,微信搜索公众号：岚桥发布,岚桥镇人民政府,岚桥镇人民政府,自营,岚桥镇人民政府,镇务公开、便民服务,发布、传播、办事,已认证,2017-11-03,正常运行,已通过,2019-07-19 11:30,2019-07-26 10:10,,,是,易雪松,15200008198,6120',
].join('\r\n');

/**
 * The inspection result of the last quarter, as the inspector's table names the accounts: (registry name, registry
 * platform type, the inspector's platform words, qualified, problems as written).
 */
const DEMO_FINDINGS: ReadonlyArray<{ account: string; platform: string; typeRaw: string; qualified: boolean; problems: string | null }> = [
  { account: '东岚发改', platform: 'douyin', typeRaw: '抖音', qualified: false, problems: '更新不及时、互动回复不及时' },
  { account: '东岚教体', platform: 'wechat', typeRaw: '微信公众号', qualified: false, problems: '监测时间点前2周内无更新' },
  { account: '岚桥发布', platform: 'wechat', typeRaw: '微信公众号', qualified: false, problems: '错别字、空白栏目' },
  { account: '东岚发改', platform: 'wechat', typeRaw: '微信服务号', qualified: true, problems: null },
  { account: '文旅东岚', platform: 'douyin', typeRaw: '抖音', qualified: true, problems: null },
  { account: '文旅东岚', platform: 'kuaishou', typeRaw: '快手', qualified: true, problems: null },
];

/** Working days the units get for the rectification of the demo round. */
const RECTIFICATION_WORKDAYS = 5;
const ACTOR = 'sandbox:demo-district';

/** Tables that hold what an office enters or what people said: any row in them means the database is in use. */
const IN_USE_TABLES: ReadonlyArray<EntitySchema<ObjectLiteral>> = [
  UnitEntity,
  ContactEntity,
  AdminGrantEntity,
  AccountEntity,
  FilingEntity,
  DeadlineEntity,
  InspectionRoundEntity,
  BulletinEntity,
  InboxEntity,
] as unknown as ReadonlyArray<EntitySchema<ObjectLiteral>>;

export type DemoDistrictResult =
  | { loaded: true; units: number; people: number; admins: number; accounts: number; roundTitle: string; findings: number; deadlineId: number; dueOn: string }
  | { loaded: false; reason: 'not-empty'; tables: string[] };

export interface DemoDistrictDeps {
  rules: DeadlineRules;
  vocabulary: ProblemVocabulary;
}

/** Tables of the bot that already hold rows (empty list: a fresh database). */
export async function tablesInUse(dataSource: DataSource | EntityManager): Promise<string[]> {
  const manager = 'manager' in dataSource ? dataSource.manager : dataSource;
  const used: string[] = [];
  for (const entity of IN_USE_TABLES) {
    if ((await manager.getRepository(entity).count({ take: 1 })) > 0) used.push(String(entity.options.tableName));
  }
  return used;
}

/**
 * Load the demo district into an empty database, all or nothing; a database that holds anything is left alone
 * (checked again inside the transaction, so two instances starting at once do not both load it).
 */
export async function loadDemoDistrict(dataSource: DataSource, now: Date, deps: DemoDistrictDeps): Promise<DemoDistrictResult> {
  const used = await tablesInUse(dataSource);
  if (used.length) return { loaded: false, reason: 'not-empty', tables: used };
  const units = parseRoster(await readTable(Buffer.from(DEMO_UNITS_CSV, 'utf8'), 'demo-units.csv'));
  if ('errors' in units) throw new Error(`the demo roster does not parse: ${describe(units.errors)}`);
  const accounts = parseAccounts(await readTable(Buffer.from(DEMO_ACCOUNTS_CSV, 'utf8'), 'demo-accounts.csv'));
  if ('errors' in accounts) throw new Error(`the demo registry does not parse: ${describe(accounts.errors)}`);

  return dataSource.transaction(async (manager): Promise<DemoDistrictResult> => {
    const usedNow = await tablesInUse(manager);
    if (usedNow.length) return { loaded: false, reason: 'not-empty', tables: usedNow };
    const roster = await applyRoster(manager, units.rows, { actor: ACTOR, now, source: 'demo district (sandbox)' });
    for (const admin of DEMO_ADMINS) await grantAdmin(manager, { ...admin, grantedBy: ACTOR, now });
    const registry = await applyAccounts(manager, accounts.rows, { now, actor: ACTOR, source: 'demo district (sandbox)' });
    const round = await seedInspectionRound(manager, now, deps);
    const dueOn = deps.rules.calendar.addWorkingDays(toShanghaiDate(now), RECTIFICATION_WORKDAYS).date;
    const { deadline } = await createDeadline(
      manager,
      {
        kind: 'rectification',
        title: `${round.title}检查问题整改`,
        deliverable: '逐项报送整改情况（回复“整改”）',
        dueOn,
        dueTime: null,
        audience: { kind: 'units', unitIds: round.failingUnitIds },
        subjectKey: `inspection:${round.id}`,
        createdBy: DEMO_ADMINS[0].userId,
      },
      deps.rules,
      now,
    );
    await manager.getRepository(InspectionRoundEntity).update({ id: round.id }, { rectificationDeadlineId: deadline.id });
    return {
      loaded: true,
      units: roster.unitsCreated,
      people: roster.contactsCreated,
      admins: DEMO_ADMINS.length,
      accounts: registry.created,
      roundTitle: round.title,
      findings: round.findings,
      deadlineId: deadline.id,
      dueOn,
    };
  });
}

/** The quarter before the one `now` falls in: 2026-11-22 → 2026年第三季度 (2026Q3), monitored on 2026-09-15. */
export function previousQuarter(now: Date): { title: string; period: string; monitoringPointOn: string } {
  const [year, month] = toShanghaiDate(now).split('-').map(Number);
  let quarter = Math.ceil(month / 3) - 1;
  let y = year;
  if (quarter === 0) {
    quarter = 4;
    y -= 1;
  }
  const lastMonth = String(quarter * 3).padStart(2, '0');
  return { title: `${y}年第${'一二三四'[quarter - 1]}季度`, period: `${y}Q${quarter}`, monitoringPointOn: `${y}-${lastMonth}-15` };
}

async function seedInspectionRound(
  manager: EntityManager,
  now: Date,
  deps: DemoDistrictDeps,
): Promise<{ id: number; title: string; findings: number; failingUnitIds: number[] }> {
  const quarter = previousQuarter(now);
  const inserted = await manager.getRepository(InspectionRoundEntity).insert({
    title: quarter.title,
    period: quarter.period,
    monitoringPointOn: quarter.monitoringPointOn,
    rectificationDeadlineId: null,
    dispatchedAt: null,
    createdBy: DEMO_ADMINS[0].userId,
    createdAt: now,
  });
  const roundId = Number(inserted.identifiers[0].id);
  const accounts = await manager.getRepository(AccountEntity).find();
  const units = await manager.getRepository(UnitEntity).find();
  const failing = new Set<number>();
  let rowNo = 0;
  for (const finding of DEMO_FINDINGS) {
    rowNo++;
    const account = accounts.find((a: AccountRow) => a.name === finding.account && a.platformType === finding.platform);
    if (!account) throw new Error(`demo finding for ${finding.account} (${finding.platform}) names no demo account`);
    const unit = units.find((u) => u.id === account.filerUnitId);
    const coded = deps.vocabulary.codeProblems(finding.problems);
    if (!finding.qualified) failing.add(account.filerUnitId);
    await manager.getRepository(FindingEntity).insert({
      roundId,
      unitId: account.filerUnitId,
      accountId: account.id,
      qualified: finding.qualified,
      rowNo,
      accountNameRaw: account.name,
      platformTypeRaw: finding.typeRaw,
      unitNameRaw: account.ownerUnitName ?? unit?.name ?? '',
      matchConfidence: 'exact',
      problemsRaw: finding.problems,
      problemCodes: coded.codes.length ? coded.codes.join(',') : null,
      severity: coded.severity,
      isRepeat: false,
      sourceKey: `account:${account.id}`,
      status: finding.qualified ? 'passed' : 'open',
      dispatchedAt: null,
      createdAt: now,
      updatedAt: now,
    });
  }
  return { id: roundId, title: quarter.title, findings: DEMO_FINDINGS.length, failingUnitIds: [...failing] };
}

function describe(errors: RowError[]): string {
  return errors.map((e) => `${e.rowNumber ?? '-'}${e.column ? ` ${e.column}` : ''}: ${e.message}`).join('; ');
}
