/**
 * The demo district the sandbox loads at start-up, on SQLite and MariaDB/MySQL: into an empty database, through the
 * roster and registry importers, once; never into a database that holds anything.
 */
import { resolve } from 'node:path';
import { AccountEntity } from '../../src/domain/registry/account-entity';
import { AdminGrantEntity, ContactEntity, UnitEntity } from '../../src/domain/roster/roster-entities';
import { DeadlineEntity, DeadlineTargetEntity, ReminderEntity } from '../../src/domain/deadlines/deadline-entities';
import { FindingEntity, InspectionRoundEntity } from '../../src/domain/inspection/finding-entity';
import { loadDeadlineRules } from '../../src/domain/deadlines/deadline-rules';
import { loadProblemVocabulary } from '../../src/domain/inspection/problem-vocabulary';
import { loadConfig } from '../../src/config/load-config';
import { DEMO_ACCOUNTS_CSV, DEMO_ADMINS, DEMO_UNITS_CSV, loadDemoDistrict, previousQuarter } from '../../src/sandbox/demo-district';
import type { SandboxPerson } from '../../src/sandbox/sandbox-people';
import { toShanghaiDate } from '../../src/shared/shanghai-time';
import { OffsetClock } from '../helpers/offset-clock';
import { seedRoster } from '../helpers/seed-roster';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../helpers/test-databases';
import { ROOT, SandboxBot } from './sandbox-harness';

const START = '2026-11-23T08:00:00+08:00';
const rows = (csv: string) => csv.split('\r\n').slice(1);

describe.each(testDatabaseKinds())('the demo district on %s', (kind) => {
  let db: TestDatabase;

  beforeEach(async () => {
    db = await createTestDatabase(kind);
  });

  afterEach(async () => {
    await db.destroy();
  });

  it('is loaded into an empty database at start-up, once', async () => {
    const clock = new OffsetClock(START);
    let bot = await SandboxBot.start(db.url, {}, clock);
    try {
      const { dataSource } = bot.runtime;
      const unitRows = rows(DEMO_UNITS_CSV);
      expect(await dataSource.getRepository(UnitEntity).count()).toBe(unitRows.length);
      const accountRows = rows(DEMO_ACCOUNTS_CSV);
      expect(await dataSource.getRepository(AccountEntity).count()).toBe(accountRows.length);
      const grants = await dataSource.getRepository(AdminGrantEntity).find({ order: { id: 'ASC' } });
      expect(grants.map((g) => [g.wecomUserId, g.name])).toEqual(DEMO_ADMINS.map((a) => [a.userId, a.name]));

      // the people the page offers: both admins, every liaison, the one leader
      const state = await bot.api<{ people: SandboxPerson[] }>('GET', '/sandbox/api/state');
      const people = state.body.people;
      expect(people.filter((p) => p.isAdmin).map((p) => p.userId)).toEqual(DEMO_ADMINS.map((a) => a.userId));
      const liaisonIds = unitRows.map((r) => r.split(',')[9]);
      expect(people.filter((p) => p.roles.some((r) => r.role === 'liaison')).map((p) => p.userId).sort()).toEqual([...liaisonIds].sort());
      const leaders = people.filter((p) => p.roles.some((r) => r.role === 'leader'));
      expect(leaders).toHaveLength(1);
      expect(leaders[0].label).toContain('分管负责人');

      // one open inspection round of the last quarter, its failures not sent yet, and its rectification deadline
      const rounds = await dataSource.getRepository(InspectionRoundEntity).find();
      expect(rounds.map((r) => r.title)).toEqual([previousQuarter(clock.now()).title]);
      const findings = await dataSource.getRepository(FindingEntity).find({ where: { roundId: rounds[0].id } });
      const failing = findings.filter((f) => !f.qualified);
      expect(failing.length).toBeGreaterThan(0);
      expect(failing.every((f) => f.status === 'open' && f.dispatchedAt === null && f.problemCodes)).toBe(true);
      expect(findings.filter((f) => f.qualified).every((f) => f.status === 'passed')).toBe(true);
      const deadlines = await dataSource.getRepository(DeadlineEntity).find();
      expect(deadlines).toHaveLength(1);
      const [deadline] = deadlines;
      expect(deadline).toMatchObject({ kind: 'rectification', state: 'open', subjectKey: `inspection:${rounds[0].id}` });
      expect(rounds[0].rectificationDeadlineId).toBe(deadline.id);
      const rules = loadDeadlineRules(loadConfig({}, resolve(ROOT, 'config')), ROOT);
      expect(deadline.dueOn).toBe(rules.calendar.addWorkingDays(toShanghaiDate(clock.now()), 5).date);
      const targets = await dataSource.getRepository(DeadlineTargetEntity).find({ where: { deadlineId: deadline.id } });
      expect(targets.map((t) => t.unitId).sort()).toEqual([...new Set(failing.map((f) => f.unitId))].sort());
      expect(await dataSource.getRepository(ReminderEntity).count({ where: { deadlineId: deadline.id, state: 'planned' } })).toBeGreaterThan(0);

      // a restart finds the data and loads nothing again
      await bot.stop();
      bot = await SandboxBot.start(db.url, {}, clock);
      expect(await bot.runtime.dataSource.getRepository(UnitEntity).count()).toBe(unitRows.length);
      expect(await bot.runtime.dataSource.getRepository(InspectionRoundEntity).count()).toBe(1);
      expect(await bot.runtime.dataSource.getRepository(DeadlineEntity).count()).toBe(1);
    } finally {
      await bot.stop();
    }
  });

  it('is never loaded into a database that holds data', async () => {
    await seedRoster(db.dataSource);
    const units = await db.dataSource.getRepository(UnitEntity).count();
    const contacts = await db.dataSource.getRepository(ContactEntity).count();
    const bot = await SandboxBot.start(db.url, {}, new OffsetClock(START));
    try {
      const { dataSource } = bot.runtime;
      expect(await dataSource.getRepository(UnitEntity).count()).toBe(units);
      expect(await dataSource.getRepository(ContactEntity).count()).toBe(contacts);
      expect(await dataSource.getRepository(AccountEntity).count()).toBe(0);
      expect(await dataSource.getRepository(InspectionRoundEntity).count()).toBe(0);
      expect(await dataSource.getRepository(DeadlineEntity).count()).toBe(0);
    } finally {
      await bot.stop();
    }
    const config = loadConfig({}, resolve(ROOT, 'config'));
    const result = await loadDemoDistrict(db.dataSource, new Date(START), {
      rules: loadDeadlineRules(config, ROOT),
      vocabulary: loadProblemVocabulary(resolve(ROOT, config.inspection.problemCodesFile)),
    });
    expect(result).toEqual({ loaded: false, reason: 'not-empty', tables: expect.arrayContaining(['units', 'contacts', 'admin_grants']) });
  });

  it('is not loaded when SANDBOX_DEMO_DATA=false', async () => {
    const bot = await SandboxBot.start(db.url, { SANDBOX_DEMO_DATA: 'false' }, new OffsetClock(START));
    try {
      expect(await bot.runtime.dataSource.getRepository(UnitEntity).count()).toBe(0);
      const state = await bot.api<{ people: SandboxPerson[] }>('GET', '/sandbox/api/state');
      expect(state.body.people).toEqual([]);
    } finally {
      await bot.stop();
    }
  });
});
