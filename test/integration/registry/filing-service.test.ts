import type { EntityManager } from 'typeorm';
import { AuditEntity } from '../../../src/domain/audit/audit-entity';
import { AccountEntity, type AccountRow } from '../../../src/domain/registry/account-entity';
import { FilingEntity, type FilingRow } from '../../../src/domain/registry/filing-entity';
import {
  approveFiling,
  filingProposal,
  rejectFiling,
  submitCancellation,
  submitChange,
  submitOpening,
  submitSuspension,
  type Actor,
  type FilingDeadlines,
  type FilingResult,
  type NewAccountFields,
} from '../../../src/domain/registry/filing-service';
import {
  filingChanges,
  findFilingByNo,
  listFilings,
  listPendingFilings,
  listUnitAccounts,
  pendingFilingForAccount,
} from '../../../src/domain/registry/registry-service';
import type { FilingType } from '../../../src/domain/registry/vocabulary';
import { UnitEntity } from '../../../src/domain/roster/roster-entities';
import { findPerson } from '../../../src/domain/roster/roster-service';
import { addCalendarDays } from '../../../src/shared/shanghai-time';
import { seedRoster } from '../../helpers/seed-roster';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../helpers/test-databases';

/** 2026-11-20 09:00 in Beijing (a Friday) */
const NOW = new Date('2026-11-20T01:00:00Z');

/** Deadlines as the injected rule says: here 3 calendar days for an opening, 5 for the rest; every call recorded. */
class FakeDeadlines implements FilingDeadlines {
  calls: Array<[string, FilingType]> = [];
  provisional = false;
  dueOn(eventOn: string, type: FilingType): { dueOn: string; provisional: boolean } {
    this.calls.push([eventOn, type]);
    return { dueOn: addCalendarDays(eventOn, type === 'open' ? 3 : 5), provisional: this.provisional };
  }
}

function ok(result: FilingResult): { filing: FilingRow; account: AccountRow | null } {
  if (!result.ok) throw new Error(`refused: ${result.code} ${JSON.stringify(result.detail ?? {})}`);
  return result;
}

describe.each(testDatabaseKinds())('filing service on %s', (kind) => {
  let db: TestDatabase;
  let office: number;
  let fgj: number;
  let jtj: number;
  let deadlines: FakeDeadlines;

  const tx = <T>(work: (manager: EntityManager) => Promise<T>): Promise<T> => db.dataSource.transaction(work);

  async function actor(userId: string): Promise<Actor> {
    const person = (await findPerson(db.dataSource.manager, userId))!;
    return {
      userId,
      name: person.name,
      contactId: person.contact?.id ?? null,
      liaisonUnitIds: person.memberships.filter((m) => m.role === 'liaison').map((m) => m.unit.id),
      isAdmin: person.isAdmin,
    };
  }

  async function addAccount(overrides: Partial<AccountRow> = {}): Promise<AccountRow> {
    const repo = db.dataSource.getRepository(AccountEntity);
    const inserted = await repo.insert({
      serviceCode: null,
      name: '东岚发改',
      platformType: 'wechat',
      platformTypeRaw: '微信',
      platformSubtype: '订阅号',
      platformAccountId: 'gh_0aea8759b4b5',
      url: '微信搜索公众号：东岚发改',
      ownerUnitId: fgj,
      ownerUnitName: '东岚区发展和改革局',
      filerUnitId: fgj,
      operationMode: '自营',
      operatorName: '东岚区发展和改革局',
      functionDescription: '政务信息发布、政策解读、便民服务',
      basicFunctions: '发布、传播、互动、引导、办事',
      verification: '已认证',
      openedOn: '2017-04-11',
      runStatus: 'active',
      runStatusRaw: '正常运行',
      filingStatus: 'approved',
      closedOn: null,
      closeReason: null,
      inNationalSystem: true,
      managerName: '钟雨桐',
      managerMobile: '17700000218',
      principalName: null,
      principalPhone: null,
      leaderName: null,
      leaderPhone: null,
      followers: 6120,
      remarks: null,
      duplicateJustification: null,
      createdAt: NOW,
      updatedAt: NOW,
      rev: 1,
      ...overrides,
    });
    return repo.findOneByOrFail({ id: Number(inserted.identifiers[0].id) });
  }

  const douyin = (overrides: Partial<NewAccountFields> = {}): NewAccountFields => ({
    name: '东岚发改',
    platformType: 'douyin',
    platformAccountId: 'dl12345678',
    url: '抖音搜索抖音号',
    openedOn: '2026-11-18',
    functionDescription: '政策宣传、形象展示',
    basicFunctions: '发布，传播，引导',
    verification: '否',
    operationMode: '自营',
    operatorName: '东岚区发展和改革局',
    managerName: '钟雨桐',
    managerMobile: '177 0000 0218',
    ...overrides,
  });

  const count = async (entity: typeof FilingEntity | typeof AccountEntity | typeof AuditEntity) =>
    db.dataSource.getRepository(entity as typeof FilingEntity).count();
  const audits = () => db.dataSource.getRepository(AuditEntity).find({ order: { id: 'ASC' } });
  const account = (id: number) => db.dataSource.getRepository(AccountEntity).findOneByOrFail({ id });
  const filing = (id: number) => db.dataSource.getRepository(FilingEntity).findOneByOrFail({ id });

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    await seedRoster(db.dataSource);
    const units = await db.dataSource.getRepository(UnitEntity).find();
    const id = (code: string) => units.find((u) => u.code === code)!.id;
    [office, fgj, jtj] = [id('DL001'), id('DL002'), id('DL003')];
  });

  beforeEach(async () => {
    deadlines = new FakeDeadlines();
    for (const table of ['filings', 'accounts', 'audit_log']) await db.dataSource.query(`DELETE FROM ${table}`);
  });

  afterAll(async () => {
    await db?.destroy();
  });

  describe('opening (开设)', () => {
    it('files the proposal, numbers it 一案一号, and creates the account only on approval', async () => {
      const zhong = await actor('zhongyutong');
      const submitted = ok(
        await tx((m) => submitOpening(m, { actor: zhong, unitId: fgj, fields: douyin(), now: NOW, deadlines, duplicatePolicy: 'warn' })),
      );
      const f = submitted.filing;
      expect(submitted.account).toBeNull();
      expect(f.filingNo).toBe(`BA2026-${String(f.id).padStart(6, '0')}`);
      expect(f).toMatchObject({
        type: 'open',
        accountId: null,
        filerUnitId: fgj,
        filerUserId: 'zhongyutong',
        filerName: '钟雨桐',
        filerContactId: zhong.contactId,
        eventOn: '2026-11-18',
        reviewStatus: 'pending',
        dueOn: '2026-11-21',
        dueProvisional: false,
        isLate: false,
        submittedAt: NOW,
      });
      expect(deadlines.calls).toEqual([['2026-11-18', 'open']]);
      expect(filingProposal(f)).toMatchObject({
        name: '东岚发改',
        platformType: 'douyin',
        platformTypeRaw: '抖音',
        ownerUnitId: fgj,
        ownerUnitName: '东岚区发展和改革局',
        basicFunctions: '发布、传播、引导',
        verification: '未认证',
        managerMobile: '17700000218',
      });
      expect(await count(AccountEntity)).toBe(0);
      expect(await findFilingByNo(db.dataSource.manager, f.filingNo.toLowerCase())).toMatchObject({ id: f.id });

      const admin = await actor('songzhiwei');
      const approved = ok(await tx((m) => approveFiling(m, { filingId: f.id, reviewer: admin, now: new Date('2026-11-20T03:00:00Z') })));
      expect(approved.account).toMatchObject({
        name: '东岚发改',
        platformType: 'douyin',
        ownerUnitId: fgj,
        filerUnitId: fgj,
        openedOn: '2026-11-18',
        runStatus: 'active',
        runStatusRaw: '正常运行',
        filingStatus: 'approved',
        verification: '未认证',
        rev: 1,
      });
      expect(approved.filing).toMatchObject({
        reviewStatus: 'approved',
        accountId: approved.account!.id,
        reviewerUserId: 'songzhiwei',
        reviewerName: '宋知微',
        reviewedAt: new Date('2026-11-20T03:00:00Z'),
        pendingKey: null,
        rev: 2,
      });
      expect((await audits()).map((a) => [a.actor, a.action, a.subject])).toEqual([
        ['zhongyutong', 'filing.submit', f.filingNo],
        ['songzhiwei', 'filing.approve', f.filingNo],
      ]);
      expect(JSON.parse((await audits())[0].detail!)).toMatchObject({ type: 'open', unitId: fgj, dueOn: '2026-11-21', isLate: false });
    });

    it('refuses a liaison of another unit, and an admin who is not liaison of the unit', async () => {
      const zhong = await actor('zhongyutong');
      const song = await actor('songzhiwei');
      const luo = await actor('luojiahe');
      expect(luo.isAdmin).toBe(true);
      const open = (a: Actor, unitId: number) =>
        tx((m) => submitOpening(m, { actor: a, unitId, fields: douyin(), now: NOW, deadlines, duplicatePolicy: 'warn' }));
      expect(await open(zhong, jtj)).toEqual({ ok: false, code: 'not-liaison-of-unit', detail: { unitId: jtj } });
      expect(await open(song, fgj)).toMatchObject({ ok: false, code: 'not-liaison-of-unit' });
      expect(await open(luo, fgj)).toMatchObject({ ok: false, code: 'not-liaison-of-unit' });
      expect(await count(FilingEntity)).toBe(0);
      expect((await open(luo, office)).ok).toBe(true);

      const acc = await addAccount({ filerUnitId: jtj, ownerUnitId: jtj, name: '东岚教育' });
      expect(
        await tx((m) =>
          submitChange(m, { actor: zhong, accountId: acc.id, changes: [{ field: 'name', value: '东岚教体' }], eventOn: '2026-11-19', now: NOW, deadlines }),
        ),
      ).toMatchObject({ ok: false, code: 'not-liaison-of-unit' });
      expect(await tx((m) => submitSuspension(m, { actor: song, accountId: acc.id, eventOn: '2026-11-19', reason: '停更', now: NOW, deadlines }))).toMatchObject({
        ok: false,
        code: 'not-liaison-of-unit',
      });
      expect(await count(FilingEntity)).toBe(1);
      expect((await audits()).map((a) => a.action)).toEqual(['filing.submit']);
    });

    it('warns or blocks a second active account of the unit on the same platform (R3)', async () => {
      const zhong = await actor('zhongyutong');
      const existing = await addAccount({ platformType: 'douyin', platformTypeRaw: '抖音', platformSubtype: null, name: '东岚发改' });
      await addAccount({ platformType: 'douyin', platformTypeRaw: '抖音', platformSubtype: null, name: '发改旧号', runStatus: 'suspended', runStatusRaw: '已关停' });
      const open = (policy: 'warn' | 'block', justification?: string) =>
        tx((m) =>
          submitOpening(m, {
            actor: zhong,
            unitId: fgj,
            fields: douyin({ name: '东岚价格监测' }),
            duplicateJustification: justification,
            now: NOW,
            deadlines,
            duplicatePolicy: policy,
          }),
        );
      expect(await open('warn')).toEqual({
        ok: false,
        code: 'duplicate-needs-justification',
        detail: { existing: ['东岚发改'], existingIds: [existing.id] },
      });
      expect(await open('warn', '  ')).toMatchObject({ ok: false, code: 'duplicate-needs-justification' });
      expect(await open('block', '价格监测专项')).toMatchObject({ ok: false, code: 'duplicate-blocked', detail: { existing: ['东岚发改'] } });
      expect(await count(FilingEntity)).toBe(0);

      const filed = ok(await open('warn', '价格监测专项'));
      expect(filed.filing.duplicateJustification).toBe('价格监测专项');
      const approved = ok(await tx(async (m) => approveFiling(m, { filingId: filed.filing.id, reviewer: await actor('songzhiwei'), now: NOW })));
      expect(approved.account!.duplicateJustification).toBe('价格监测专项');

      // 视频号 and 小红书 are both `other` but different platforms; another unit's account does not count
      await addAccount({ platformType: 'other', platformTypeRaw: '其他', platformSubtype: '视频号', name: '东岚发改' });
      await addAccount({ platformType: 'weibo', platformTypeRaw: '微博', ownerUnitId: jtj, filerUnitId: jtj, name: '东岚教育' });
      const other = await tx((m) =>
        submitOpening(m, {
          actor: zhong,
          unitId: fgj,
          fields: douyin({ platformType: 'other', platformTypeRaw: '小红书', platformSubtype: '小红书' }),
          now: NOW,
          deadlines,
          duplicatePolicy: 'block',
        }),
      );
      expect(other.ok).toBe(true);
      const weibo = await tx((m) =>
        submitOpening(m, { actor: zhong, unitId: fgj, fields: douyin({ platformType: 'weibo' }), now: NOW, deadlines, duplicatePolicy: 'block' }),
      );
      expect(weibo.ok).toBe(true);
    });

    it('refuses a second pending opening of the same unit, platform and name', async () => {
      const zhong = await actor('zhongyutong');
      const open = (fields: NewAccountFields) =>
        tx((m) => submitOpening(m, { actor: zhong, unitId: fgj, fields, now: NOW, deadlines, duplicatePolicy: 'warn' }));
      ok(await open(douyin()));
      expect(await open(douyin({ name: ' 东岚发改 ', url: null }))).toMatchObject({ ok: false, code: 'pending-filing-exists' });
      expect((await open(douyin({ name: '东岚发改发布' }))).ok).toBe(true);
    });

    it('checks the fields and the opening date', async () => {
      const zhong = await actor('zhongyutong');
      const open = (fields: NewAccountFields, now = NOW) =>
        tx((m) => submitOpening(m, { actor: zhong, unitId: fgj, fields, now, deadlines, duplicatePolicy: 'warn' }));
      expect(await open(douyin({ name: ' ' }))).toEqual({ ok: false, code: 'invalid-field', detail: { field: 'name' } });
      expect(await open(douyin({ openedOn: '2026-11-31' }))).toMatchObject({ code: 'invalid-field', detail: { field: 'openedOn' } });
      expect(await open(douyin({ managerMobile: '0123-6800002' }))).toMatchObject({ code: 'invalid-field', detail: { field: 'managerMobile' } });
      expect(await open(douyin({ verification: '认证中' }))).toMatchObject({ code: 'invalid-field', detail: { field: 'verification' } });
      // Beijing 2026-11-20 09:00: the 21st is tomorrow; at 00:30 on the 21st (16:30 UTC) it is today
      expect(await open(douyin({ openedOn: '2026-11-21' }))).toEqual({ ok: false, code: 'event-in-future', detail: { eventOn: '2026-11-21' } });
      expect((await open(douyin({ openedOn: '2026-11-21' }), new Date('2026-11-20T16:30:00Z'))).ok).toBe(true);
      expect(await count(FilingEntity)).toBe(1);
    });

    it('keeps an owner that is not a unit of the roster (a 事业单位 filed by its 代管部门)', async () => {
      const zhong = await actor('zhongyutong');
      const filed = ok(
        await tx((m) =>
          submitOpening(m, {
            actor: zhong,
            unitId: fgj,
            fields: douyin({ name: '东岚价格认定', ownerUnitName: '东岚区价格认定中心' }),
            now: NOW,
            deadlines,
            duplicatePolicy: 'block',
          }),
        ),
      );
      expect(filingProposal(filed.filing)).toMatchObject({ ownerUnitId: null, ownerUnitName: '东岚区价格认定中心' });
      const byShortName = ok(
        await tx((m) =>
          submitOpening(m, { actor: zhong, unitId: fgj, fields: douyin({ name: 'x', ownerUnitName: '区发改局' }), now: NOW, deadlines, duplicatePolicy: 'warn' }),
        ),
      );
      expect(filingProposal(byShortName.filing)).toMatchObject({ ownerUnitId: fgj, ownerUnitName: '东岚区发展和改革局' });
      const approved = ok(await tx(async (m) => approveFiling(m, { filingId: filed.filing.id, reviewer: await actor('songzhiwei'), now: NOW })));
      expect(approved.account).toMatchObject({ ownerUnitId: null, ownerUnitName: '东岚区价格认定中心', filerUnitId: fgj });
    });
  });

  describe('change (变更)', () => {
    it('records old and new values, marks the account pending, and applies the new values on approval', async () => {
      const zhong = await actor('zhongyutong');
      const acc = await addAccount();
      const submitted = ok(
        await tx((m) =>
          submitChange(m, {
            actor: zhong,
            accountId: acc.id,
            changes: [
              { field: 'name', value: '东岚发展改革' },
              { field: 'managerMobile', value: '177-0000-0218' }, // the same number: not a change
              { field: 'verification', value: '否' },
              { field: 'url', value: '' },
            ],
            eventOn: '2026-11-16',
            reason: '机构更名',
            now: NOW,
            deadlines,
          }),
        ),
      );
      expect(filingChanges(submitted.filing)).toEqual([
        { field: 'name', label: '账号名称', old: '东岚发改', new: '东岚发展改革' },
        { field: 'verification', label: '官方认证', old: '已认证', new: '未认证' },
        { field: 'url', label: '访问地址', old: '微信搜索公众号：东岚发改', new: null },
      ]);
      expect(submitted.filing).toMatchObject({ type: 'change', accountId: acc.id, reason: '机构更名', dueOn: '2026-11-21', isLate: false });
      expect(submitted.account).toMatchObject({ name: '东岚发改', filingStatus: 'pending', rev: 2 });
      expect(await pendingFilingForAccount(db.dataSource.manager, acc.id)).toMatchObject({ id: submitted.filing.id });

      const again = await tx((m) =>
        submitChange(m, { actor: zhong, accountId: acc.id, changes: [{ field: 'operatorName', value: '某公司' }], eventOn: '2026-11-16', now: NOW, deadlines }),
      );
      expect(again).toEqual({ ok: false, code: 'pending-filing-exists', detail: { filingNo: submitted.filing.filingNo, type: 'change' } });

      const approved = ok(await tx(async (m) => approveFiling(m, { filingId: submitted.filing.id, reviewer: await actor('songzhiwei'), now: NOW })));
      expect(approved.account).toMatchObject({
        name: '东岚发展改革',
        verification: '未认证',
        url: null,
        managerMobile: '17700000218',
        filingStatus: 'approved',
        runStatus: 'active',
        rev: 3,
      });
      expect(await pendingFilingForAccount(db.dataSource.manager, acc.id)).toBeNull();
    });

    it('refuses no changes, unknown values and a missing account', async () => {
      const zhong = await actor('zhongyutong');
      const acc = await addAccount();
      const change = (changes: Array<{ field: never; value: string }> | Array<{ field: string; value: string }>, accountId = acc.id) =>
        tx((m) => submitChange(m, { actor: zhong, accountId, changes: changes as never, eventOn: '2026-11-19', now: NOW, deadlines }));
      expect(await change([{ field: 'name', value: ' 东岚发改 ' }, { field: 'managerMobile', value: '+86 17700000218' }])).toEqual({ ok: false, code: 'no-changes' });
      expect(await change([])).toEqual({ ok: false, code: 'no-changes' });
      expect(await change([{ field: 'operationMode', value: '合营' }])).toMatchObject({ code: 'invalid-field', detail: { field: 'operationMode' } });
      expect(await change([{ field: 'runStatus', value: 'cancelled' }])).toMatchObject({ code: 'invalid-field', detail: { field: 'runStatus' } });
      expect(await change([{ field: 'name', value: '' }])).toMatchObject({ code: 'invalid-field', detail: { field: 'name' } });
      expect(await change([{ field: 'name', value: 'x' }], acc.id + 1000)).toEqual({ ok: false, code: 'account-not-found', detail: { accountId: acc.id + 1000 } });
      expect(await count(FilingEntity)).toBe(0);
      expect((await account(acc.id)).rev).toBe(1);
    });
  });

  describe('suspension (关停) and cancellation (注销)', () => {
    it('suspends on approval, then allows only a cancellation (R6)', async () => {
      const zhong = await actor('zhongyutong');
      const admin = await actor('songzhiwei');
      const acc = await addAccount();
      expect(await tx((m) => submitSuspension(m, { actor: zhong, accountId: acc.id, eventOn: '2026-11-19', reason: ' ', now: NOW, deadlines }))).toEqual({
        ok: false,
        code: 'reason-required',
      });
      const suspension = ok(
        await tx((m) => submitSuspension(m, { actor: zhong, accountId: acc.id, eventOn: '2026-11-19', reason: '无力维护，停止更新', now: NOW, deadlines })),
      );
      expect(suspension.filing).toMatchObject({ type: 'suspend', reason: '无力维护，停止更新' });
      const approved = ok(await tx((m) => approveFiling(m, { filingId: suspension.filing.id, reviewer: admin, now: NOW })));
      expect(approved.account).toMatchObject({
        runStatus: 'suspended',
        runStatusRaw: '已关停',
        closedOn: '2026-11-19',
        closeReason: '无力维护，停止更新',
        filingStatus: 'approved',
      });

      expect(
        await tx((m) => submitChange(m, { actor: zhong, accountId: acc.id, changes: [{ field: 'name', value: '新名' }], eventOn: '2026-11-19', now: NOW, deadlines })),
      ).toEqual({ ok: false, code: 'account-read-only', detail: { runStatus: 'suspended' } });
      expect(await tx((m) => submitSuspension(m, { actor: zhong, accountId: acc.id, eventOn: '2026-11-19', reason: '再关停', now: NOW, deadlines }))).toMatchObject({
        code: 'account-read-only',
      });

      const cancellation = ok(
        await tx((m) => submitCancellation(m, { actor: zhong, accountId: acc.id, eventOn: '2026-11-20', reason: '平台注销完成', now: NOW, deadlines })),
      );
      const cancelled = ok(await tx((m) => approveFiling(m, { filingId: cancellation.filing.id, reviewer: admin, now: NOW })));
      expect(cancelled.account).toMatchObject({ runStatus: 'cancelled', runStatusRaw: '已注销', closedOn: '2026-11-20', closeReason: '平台注销完成' });
      expect(await tx((m) => submitCancellation(m, { actor: zhong, accountId: acc.id, eventOn: '2026-11-20', reason: '再注销', now: NOW, deadlines }))).toMatchObject({
        code: 'account-read-only',
        detail: { runStatus: 'cancelled' },
      });
      expect(deadlines.calls).toEqual([
        ['2026-11-19', 'suspend'],
        ['2026-11-20', 'cancel'],
      ]);
    });

    it('cancels an active account directly', async () => {
      const shao = await actor('shaomingzhe');
      const acc = await addAccount({ ownerUnitId: jtj, filerUnitId: jtj, name: '东岚教体' });
      const cancellation = ok(
        await tx((m) => submitCancellation(m, { actor: shao, accountId: acc.id, eventOn: '2026-11-02', reason: '整合至“东岚教育”', now: NOW, deadlines })),
      );
      const done = ok(await tx(async (m) => approveFiling(m, { filingId: cancellation.filing.id, reviewer: await actor('luojiahe'), now: NOW })));
      expect(done.account).toMatchObject({ runStatus: 'cancelled', closedOn: '2026-11-02' });
    });
  });

  describe('review', () => {
    it('lets only admins review', async () => {
      const zhong = await actor('zhongyutong');
      const acc = await addAccount();
      const filed = ok(
        await tx((m) => submitSuspension(m, { actor: zhong, accountId: acc.id, eventOn: '2026-11-19', reason: '停止更新', now: NOW, deadlines })),
      );
      for (const userId of ['zhongyutong', 'shaomingzhe']) {
        const reviewer = await actor(userId);
        expect(await tx((m) => approveFiling(m, { filingId: filed.filing.id, reviewer, now: NOW }))).toEqual({ ok: false, code: 'not-admin' });
        expect(await tx((m) => rejectFiling(m, { filingId: filed.filing.id, reviewer, reason: '不同意', now: NOW }))).toEqual({ ok: false, code: 'not-admin' });
      }
      expect((await filing(filed.filing.id)).reviewStatus).toBe('pending');
      expect((await account(acc.id)).runStatus).toBe('active');
      const admin = await actor('songzhiwei');
      expect(await tx((m) => approveFiling(m, { filingId: filed.filing.id + 999, reviewer: admin, now: NOW }))).toEqual({
        ok: false,
        code: 'filing-not-found',
        detail: { filingId: filed.filing.id + 999 },
      });
    });

    it('rejects with a reason only, once; the account may be filed again', async () => {
      const zhong = await actor('zhongyutong');
      const admin = await actor('songzhiwei');
      const acc = await addAccount();
      const filed = ok(
        await tx((m) =>
          submitChange(m, { actor: zhong, accountId: acc.id, changes: [{ field: 'operatorName', value: '澜川云帆信息技术有限公司' }], eventOn: '2026-11-19', now: NOW, deadlines }),
        ),
      );
      expect(await tx((m) => rejectFiling(m, { filingId: filed.filing.id, reviewer: admin, reason: '  ', now: NOW }))).toEqual({
        ok: false,
        code: 'reason-required',
      });
      const rejected = ok(await tx((m) => rejectFiling(m, { filingId: filed.filing.id, reviewer: admin, reason: '备案表未加盖单位公章', now: NOW })));
      expect(rejected.filing).toMatchObject({ reviewStatus: 'rejected', rejectionReason: '备案表未加盖单位公章', reviewerUserId: 'songzhiwei', pendingKey: null });
      expect(rejected.account).toMatchObject({ operatorName: '东岚区发展和改革局', filingStatus: 'rejected' });
      expect(await tx((m) => rejectFiling(m, { filingId: filed.filing.id, reviewer: admin, reason: '再驳回', now: NOW }))).toMatchObject({
        ok: false,
        code: 'already-reviewed',
      });
      expect(await tx((m) => approveFiling(m, { filingId: filed.filing.id, reviewer: admin, now: NOW }))).toMatchObject({ ok: false, code: 'already-reviewed' });
      expect(
        (await tx((m) =>
          submitChange(m, { actor: zhong, accountId: acc.id, changes: [{ field: 'operatorName', value: '澜川云帆信息技术有限公司' }], eventOn: '2026-11-19', now: NOW, deadlines }),
        )).ok,
      ).toBe(true);
      const log = await audits();
      expect(log.map((a) => a.action)).toEqual(['filing.submit', 'filing.reject', 'filing.submit']);
      expect(JSON.parse(log[1].detail!)).toMatchObject({ type: 'change', accountId: acc.id, reason: '备案表未加盖单位公章' });
    });

    it('gives one winner when two admins approve the same filing at once', async () => {
      const zhong = await actor('zhongyutong');
      const [song, luo] = [await actor('songzhiwei'), await actor('luojiahe')];
      const opening = ok(
        await tx((m) => submitOpening(m, { actor: zhong, unitId: fgj, fields: douyin(), now: NOW, deadlines, duplicatePolicy: 'warn' })),
      );
      const results = await Promise.all([
        tx((m) => approveFiling(m, { filingId: opening.filing.id, reviewer: song, now: NOW })),
        tx((m) => approveFiling(m, { filingId: opening.filing.id, reviewer: luo, now: NOW })),
      ]);
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(results.filter((r) => !r.ok)).toEqual([expect.objectContaining({ ok: false, code: 'already-reviewed' })]);
      expect(await count(AccountEntity)).toBe(1);
      expect((await audits()).filter((a) => a.action === 'filing.approve')).toHaveLength(1);

      const acc = await addAccount();
      const change = ok(
        await tx((m) => submitChange(m, { actor: zhong, accountId: acc.id, changes: [{ field: 'name', value: '东岚发展改革' }], eventOn: '2026-11-19', now: NOW, deadlines })),
      );
      const raced = await Promise.all([
        tx((m) => approveFiling(m, { filingId: change.filing.id, reviewer: song, now: NOW })),
        tx((m) => rejectFiling(m, { filingId: change.filing.id, reviewer: luo, reason: '材料不全', now: NOW })),
      ]);
      expect(raced.filter((r) => r.ok)).toHaveLength(1);
      expect(raced.filter((r) => !r.ok)).toEqual([expect.objectContaining({ code: 'already-reviewed' })]);
      const after = await account(acc.id);
      const winner = (await filing(change.filing.id)).reviewStatus;
      expect(after).toMatchObject(
        winner === 'approved' ? { name: '东岚发展改革', filingStatus: 'approved', rev: 3 } : { name: '东岚发改', filingStatus: 'rejected', rev: 3 },
      );
    });

    it('gives one winner when the same account is filed twice at once', async () => {
      const zhong = await actor('zhongyutong');
      const acc = await addAccount();
      const results = await Promise.all(
        ['东岚发展改革', '东岚发改委'].map((name) =>
          tx((m) => submitChange(m, { actor: zhong, accountId: acc.id, changes: [{ field: 'name', value: name }], eventOn: '2026-11-19', now: NOW, deadlines })),
        ),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(results.filter((r) => !r.ok)).toEqual([expect.objectContaining({ code: 'pending-filing-exists' })]);
      expect(await count(FilingEntity)).toBe(1);
      expect((await account(acc.id)).rev).toBe(2);
    });
  });

  describe('deadlines', () => {
    it('takes the due date from the injected rule and judges lateness by the Beijing date', async () => {
      const zhong = await actor('zhongyutong');
      deadlines.provisional = true;
      const suspend = async (now: Date) => {
        await db.dataSource.query('DELETE FROM filings');
        const acc = await addAccount({ name: `账号${now.getTime()}` });
        return ok(await tx((m) => submitSuspension(m, { actor: zhong, accountId: acc.id, eventOn: '2026-11-10', reason: '停止更新', now, deadlines }))).filing;
      };
      // due 2026-11-15 (eventOn + 5 by the fake rule)
      expect(await suspend(new Date('2026-11-15T15:59:00Z'))).toMatchObject({ dueOn: '2026-11-15', dueProvisional: true, isLate: false });
      expect(await suspend(new Date('2026-11-15T16:00:00Z'))).toMatchObject({ dueOn: '2026-11-15', isLate: true });
      expect((await suspend(NOW)).isLate).toBe(true);
      expect(deadlines.calls).toEqual([
        ['2026-11-10', 'suspend'],
        ['2026-11-10', 'suspend'],
        ['2026-11-10', 'suspend'],
      ]);
      const late = ok(
        await tx((m) => submitOpening(m, { actor: zhong, unitId: fgj, fields: douyin({ openedOn: '2026-11-16' }), now: NOW, deadlines, duplicatePolicy: 'warn' })),
      );
      expect(late.filing).toMatchObject({ dueOn: '2026-11-19', isLate: true });
      expect(JSON.parse((await audits()).at(-1)!.detail!)).toMatchObject({ dueOn: '2026-11-19', isLate: true });
    });

    it('numbers filings by the Beijing year of submission', async () => {
      const zhong = await actor('zhongyutong');
      const newYear = new Date('2026-12-31T16:30:00Z'); // 2027-01-01 00:30 in Beijing
      const filed = ok(
        await tx((m) =>
          submitOpening(m, { actor: zhong, unitId: fgj, fields: douyin({ openedOn: '2026-12-31' }), now: newYear, deadlines, duplicatePolicy: 'warn' }),
        ),
      );
      expect(filed.filing.filingNo).toBe(`BA2027-${String(filed.filing.id).padStart(6, '0')}`);
    });
  });

  describe('queries', () => {
    it('lists accounts by unit, platform and name, and filings newest or oldest first', async () => {
      const zhong = await actor('zhongyutong');
      const a1 = await addAccount({ platformType: 'douyin', platformTypeRaw: '抖音', name: '东岚发改' });
      const a2 = await addAccount({ name: '东岚价格' });
      const a3 = await addAccount({ name: '东岚发改', runStatus: 'cancelled', runStatusRaw: '已注销' });
      const a4 = await addAccount({ ownerUnitId: jtj, filerUnitId: jtj, name: '东岚教育' });
      const a5 = await addAccount({ ownerUnitId: null, ownerUnitName: '东岚区价格认定中心', name: '价格认定' });
      const listed = await listUnitAccounts(db.dataSource.manager, [fgj]);
      expect(listed.map((a) => a.id)).toEqual([a3.id, a2.id, a5.id, a1.id]);
      expect((await listUnitAccounts(db.dataSource.manager, [jtj, fgj])).map((a) => a.id)).toEqual([a4.id, a3.id, a2.id, a5.id, a1.id]);
      expect(await listUnitAccounts(db.dataSource.manager, [])).toEqual([]);

      const times = ['2026-11-18T01:00:00Z', '2026-11-19T01:00:00Z', '2026-11-20T01:00:00Z'].map((t) => new Date(t));
      const filed: FilingRow[] = [];
      for (const [i, acc] of [a1, a2, a5].entries()) {
        filed.push(
          ok(await tx((m) => submitSuspension(m, { actor: zhong, accountId: acc.id, eventOn: '2026-11-17', reason: '停止更新', now: times[i], deadlines }))).filing,
        );
      }
      await tx(async (m) => approveFiling(m, { filingId: filed[1].id, reviewer: await actor('songzhiwei'), now: NOW }));
      const m = db.dataSource.manager;
      expect((await listFilings(m, { unitIds: [fgj] })).map((f) => f.id)).toEqual([filed[2].id, filed[1].id, filed[0].id]);
      expect((await listFilings(m, { unitIds: [fgj], limit: 1 })).map((f) => f.id)).toEqual([filed[2].id]);
      expect((await listFilings(m, { reviewStatus: 'pending' })).map((f) => f.id)).toEqual([filed[2].id, filed[0].id]);
      expect((await listFilings(m, { filerUserId: 'shaomingzhe' })).map((f) => f.id)).toEqual([]);
      expect(await listFilings(m, { unitIds: [] })).toEqual([]);
      expect((await listPendingFilings(m)).map((f) => f.id)).toEqual([filed[0].id, filed[2].id]);
      expect(await findFilingByNo(m, 'BA2026-999999')).toBeNull();
    });
  });
});

describe.each(testDatabaseKinds())('registry migration on %s', (kind) => {
  it('creates accounts and filings, reverts cleanly and applies again', async () => {
    const db = await createTestDatabase(kind);
    try {
      const runner = db.dataSource.createQueryRunner();
      expect(await runner.hasTable('accounts')).toBe(true);
      expect(await runner.hasTable('filings')).toBe(true);
      const executed = async (): Promise<string[]> =>
        ((await db.dataSource.query('SELECT name FROM schema_migrations')) as Array<{ name: string }>).map((r) => r.name);
      // later migrations come first when reverting
      while ((await executed()).includes('Registry1763769600000')) await db.dataSource.undoLastMigration({ transaction: 'each' });
      expect(await runner.hasTable('accounts')).toBe(false);
      expect(await runner.hasTable('filings')).toBe(false);
      expect(await runner.hasTable('units')).toBe(true);
      await db.dataSource.runMigrations({ transaction: 'each' });
      expect(await runner.hasTable('filings')).toBe(true);
      await seedRoster(db.dataSource);
      const unitId = (await db.dataSource.getRepository(UnitEntity).findOneByOrFail({ code: 'DL002' })).id;
      await db.dataSource.query(
        'INSERT INTO accounts (name, platform_type, platform_type_raw, owner_unit_name, filer_unit_id, opened_on, run_status, run_status_raw, filing_status, created_at, updated_at) ' +
          'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        ['东岚发布𠀋', 'wechat', '微信', '东岚区发展和改革局', unitId, '2026-11-18', 'active', '正常运行', 'approved', '2026-11-23 01:00:00.000', '2026-11-23 01:00:00.000'],
      );
      const [row] = await db.dataSource.getRepository(AccountEntity).find();
      expect(row).toMatchObject({ name: '东岚发布𠀋', rev: 1, inNationalSystem: null, ownerUnitId: null });
      await runner.release();
    } finally {
      await db.destroy();
    }
  });
});
