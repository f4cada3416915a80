import { In, MoreThanOrEqual, type DataSource } from 'typeorm';
import { DeadlineEntity, type DeadlineKind } from '../domain/deadlines/deadline-entities';
import { createDeadline, markTargetMet, type DeadlineRules } from '../domain/deadlines/deadline-service';
import { FilingEntity, type FilingRow } from '../domain/registry/filing-entity';
import { filingProposal, filingSubject } from '../domain/registry/filing-service';
import type { FilingType } from '../domain/registry/vocabulary';
import { toShanghaiDate } from '../shared/shanghai-time';
import { AccountEntity } from '../domain/registry/account-entity';

const KIND: Record<FilingType, DeadlineKind> = { open: 'filingOpen', change: 'filingChange', suspend: 'filingSuspend', cancel: 'filingCancel' };
const TYPE_LABEL: Record<FilingType, string> = { open: '开设', change: '变更', suspend: '关停', cancel: '注销' };
/** Rejections older than this when the feature first runs are left alone (they predate the reminders). */
const LOOKBACK_DAYS = 30;

export interface FilingDeadlineDeps {
  dataSource: DataSource;
  rules: DeadlineRules;
  /** working days a unit gets to resubmit when the original due date is too close (default 3) */
  resubmitWorkdays?: number;
}

/**
 * Filing deadlines are deadlines too. A rejected filing must be filed again: it gets a deadline (subject
 * `filing:<id>`) on the unit, due on the filing's own due date, or N working days after the rejection if that is
 * later, with the filing ladder of reminders. When the unit files the same thing again the deadline is met.
 * Runs as a job, so every way of rejecting and filing (card, chat, CLI) is covered, and a second run changes
 * nothing.
 */
export async function reconcileFilingDeadlines(deps: FilingDeadlineDeps, now: Date): Promise<{ opened: number; met: number }> {
  const { dataSource, rules } = deps;
  const today = toShanghaiDate(now);
  const filings = dataSource.getRepository(FilingEntity);
  let opened = 0;
  let met = 0;

  const rejected = await filings.find({
    where: { reviewStatus: 'rejected', reviewedAt: MoreThanOrEqual(new Date(now.getTime() - LOOKBACK_DAYS * 86_400_000)) },
    order: { id: 'ASC' },
  });
  if (rejected.length) {
    const known = new Set(
      (await dataSource.getRepository(DeadlineEntity).find({ select: { subjectKey: true }, where: { subjectKey: In(rejected.map((f) => `filing:${f.id}`)) } })).map(
        (d) => d.subjectKey,
      ),
    );
    for (const filing of rejected) {
      if (known.has(`filing:${filing.id}`)) continue;
      if (await resubmitted(dataSource, filing)) continue;
      const later = rules.calendar.addWorkingDays(toShanghaiDate(filing.reviewedAt ?? now), deps.resubmitWorkdays ?? 3).date;
      const dueOn = filing.dueOn > later ? filing.dueOn : later;
      if (dueOn < today) continue;
      await dataSource.transaction(async (manager) => {
        await createDeadline(
          manager,
          {
            kind: KIND[filing.type],
            title: `重新提交${TYPE_LABEL[filing.type]}备案：${await subjectName(dataSource, filing)}`,
            deliverable: `备案 ${filing.filingNo} 已被驳回（${filing.rejectionReason ?? '未说明理由'}），请修改后重新提交`,
            dueOn,
            audience: { kind: 'units', unitIds: [filing.filerUnitId] },
            subjectKey: `filing:${filing.id}`,
            sourceText: `备案驳回 ${filing.filingNo}`,
            createdBy: 'system:filing-rejected',
          },
          rules,
          now,
        );
      });
      opened += 1;
    }
  }

  const open = await dataSource.getRepository(DeadlineEntity).find({ where: { state: 'open', kind: In(Object.values(KIND)) } });
  for (const deadline of open) {
    const id = Number(/^filing:(\d+)$/.exec(deadline.subjectKey ?? '')?.[1]);
    const filing = id ? await filings.findOne({ where: { id } }) : null;
    if (!filing) continue;
    const again = await resubmitted(dataSource, filing);
    if (!again) continue;
    await dataSource.transaction((manager) =>
      markTargetMet(manager, { deadlineId: deadline.id, unitId: filing.filerUnitId, by: `system:filing:${again.filingNo}`, now }),
    );
    met += 1;
  }
  return { opened, met };
}

/** A later filing of the same unit about the same thing, if any. */
async function resubmitted(dataSource: DataSource, filing: FilingRow): Promise<FilingRow | undefined> {
  const since = filing.reviewedAt ?? filing.submittedAt;
  const later = await dataSource.getRepository(FilingEntity).find({
    where: { filerUnitId: filing.filerUnitId, type: filing.type, submittedAt: MoreThanOrEqual(since) },
    order: { id: 'ASC' },
  });
  const subject = filingSubject(filing);
  return later.find((f) => f.id !== filing.id && filingSubject(f) === subject);
}

async function subjectName(dataSource: DataSource, filing: FilingRow): Promise<string> {
  const proposal = filingProposal(filing);
  if (proposal) return proposal.name;
  const account = filing.accountId ? await dataSource.getRepository(AccountEntity).findOne({ where: { id: filing.accountId } }) : null;
  return account?.name ?? filing.filingNo;
}
