import { FlowSessionEntity } from './chat/flow/flow-session-entity';
import { InboxEntity, UserLockEntity } from './chat/inbox-entity';
import { DeadlineEntity, DeadlineTargetEntity, ReminderEntity } from './domain/deadlines/deadline-entities';
import {
  FindingEntity,
  InspectionImportEntity,
  InspectionQueueEntity,
  InspectionRoundEntity,
  RectificationEntity,
} from './domain/inspection/finding-entity';
import { InspectionUploadEntity } from './domain/inspection/inspection-upload-entity';
import { JobLockEntity } from './jobs/job-lock-entity';
import { AuditEntity } from './domain/audit/audit-entity';
import { BulletinEntity, BulletinRecipientEntity } from './domain/bulletins/bulletin-entities';
import { AccountEntity } from './domain/registry/account-entity';
import { FilingEntity } from './domain/registry/filing-entity';
import { AdminGrantEntity, ContactEntity, ContactRoleEntity, UnitEntity } from './domain/roster/roster-entities';
import { OutboxEntity } from './outbox/outbox-entity';
import { OutboundFileEntity } from './outbox/outbound-file-entity';
import { SandboxMessageEntity, SandboxStateEntity } from './sandbox/sandbox-entities';

/** Every table the bot maps, handed to the data source by the composition root (main, CLI, tests). */
export const entities = [
  InboxEntity,
  UserLockEntity,
  OutboxEntity,
  UnitEntity,
  ContactEntity,
  ContactRoleEntity,
  AdminGrantEntity,
  AuditEntity,
  AccountEntity,
  FilingEntity,
  FlowSessionEntity,
  DeadlineEntity,
  DeadlineTargetEntity,
  ReminderEntity,
  JobLockEntity,
  InspectionRoundEntity,
  FindingEntity,
  InspectionQueueEntity,
  InspectionImportEntity,
  InspectionUploadEntity,
  RectificationEntity,
  BulletinEntity,
  BulletinRecipientEntity,
  SandboxMessageEntity,
  SandboxStateEntity,
  OutboundFileEntity,
];
