import { In, LessThan, type DataSource } from 'typeorm';
import { DeadlineEntity, DeadlineTargetEntity, ReminderEntity } from '../domain/deadlines/deadline-entities';
import { workdaysLeft, type DeadlineRules } from '../domain/deadlines/deadline-service';
import { unitRecipients } from '../domain/roster/audience';
import { UnitEntity } from '../domain/roster/roster-entities';
import { listAdmins } from '../domain/roster/roster-service';
import { directMessage } from '../chat/reply-address';
import { OutboxEntity } from '../outbox/outbox-entity';
import { enqueueOutbox } from '../outbox/outbox-writer';
import { shanghaiInstant, toShanghaiDate } from '../shared/shanghai-time';
import { overdueDigestText, type DigestUnit } from './reminder-messages';

export interface DigestDeps {
  dataSource: DataSource;
  rules: DeadlineRules;
  digestAt: string;
  outboxMaxAttempts: number;
}

/**
 * Once per working day, from `digestAt` until the end of office hours: each admin gets one message listing what
 * is overdue since an earlier day, by unit (key `overdue-digest:<date>:<userid>`). Nothing overdue, no message.
 */
export async function sendOverdueDigest(deps: DigestDeps, now: Date): Promise<{ digests: number; units: number }> {
  const { calendar, hours } = deps.rules;
  const today = toShanghaiDate(now);
  if (!calendar.isWorkday(today) || now < shanghaiInstant(today, deps.digestAt) || now >= shanghaiInstant(today, hours.end)) {
    return { digests: 0, units: 0 };
  }
  const prefix = `overdue-digest:${today}:`;
  const done = await deps.dataSource
    .getRepository(OutboxEntity)
    .createQueryBuilder('o')
    .select('o.id', 'id')
    .where('o.dedupeKey LIKE :prefix', { prefix: `${prefix}%` })
    .limit(1)
    .getRawOne();
  if (done) return { digests: 0, units: 0 };

  return deps.dataSource.transaction(async (manager) => {
    // overdue since an earlier day: a deadline that passed this afternoon is in tomorrow morning's digest
    const overdue = await manager.getRepository(DeadlineEntity).find({ where: { state: 'open', dueOn: LessThan(today) }, order: { dueAt: 'ASC', id: 'ASC' } });
    if (overdue.length === 0) return { digests: 0, units: 0 };
    const targets = await manager.getRepository(DeadlineTargetEntity).find({ where: { deadlineId: In(overdue.map((d) => d.id)), status: 'pending' } });
    if (targets.length === 0) return { digests: 0, units: 0 };
    const unitIds = [...new Set(targets.map((t) => t.unitId))];
    const units = await manager.getRepository(UnitEntity).find({ where: { id: In(unitIds) }, order: { code: 'ASC' } });
    const reachable = new Set((await unitRecipients(manager, unitIds, ['liaison'])).map((r) => r.unitId));
    // units whose liaison got no reminder at all for a deadline are marked, so the office can phone them
    const reminded = new Set(
      (
        await manager
          .getRepository(ReminderEntity)
          .createQueryBuilder('r')
          .select(['r.deadlineId AS deadlineId', 'r.unitId AS unitId'])
          .where("r.state = 'sent' AND r.role = 'liaison'")
          .andWhere('r.deadlineId IN (:...ids)', { ids: overdue.map((d) => d.id) })
          .getRawMany<{ deadlineId: number; unitId: number }>()
      ).map((r) => `${Number(r.deadlineId)}:${Number(r.unitId)}`),
    );
    const byId = new Map(overdue.map((d) => [d.id, d]));
    const digestUnits: DigestUnit[] = units.map((unit) => ({
      unitName: unit.name,
      items: targets
        .filter((t) => t.unitId === unit.id)
        .map((t) => byId.get(t.deadlineId)!)
        .sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime())
        .map((deadline) => ({
          deadline,
          workdaysOverdue: -workdaysLeft(calendar, deadline, now),
          noLiaison: !reachable.has(unit.id) || !reminded.has(`${deadline.id}:${unit.id}`),
        })),
    }));
    const admins = await listAdmins(manager);
    const text = overdueDigestText(now, digestUnits);
    const digests = await enqueueOutbox(
      manager,
      admins.map((a) => ({ dedupeKey: `${prefix}${a.userId}`, origin: 'overdue-digest', message: directMessage([a.userId], text) })),
      now,
      deps.outboxMaxAttempts,
    );
    return { digests, units: units.length };
  });
}
