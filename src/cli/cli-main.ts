import { userInfo } from 'node:os';
import { grantAdmin, listAdmins, revokeAdmin } from '../domain/roster/roster-service';
import { AuditEntity } from '../domain/audit/audit-entity';
import { createDataSource } from '../db/data-source';
import { entities } from '../entities';
import { systemClock } from '../shared/clock';
import { ConfigError } from '../shared/errors';
import { bulletinCommand } from './bulletin-command';
import { deadlineCommand } from './deadline-command';
import { loadDeadlineRules } from '../domain/deadlines/deadline-rules';
import { CliError, cliConfig, openDatabase } from './cli-context';
import { importAccountsCommand } from './import-accounts-command';
import { importUnitsCommand } from './import-units-command';
import { inspectionCommand } from './rectification-command';
import { exportCommand } from './export-command';
import { importInspectionCommand } from './import-inspection-command';
import { INSPECTION_QUEUE_USAGE, inspectionQueueCommand } from './inspection-queue-command';
import { loadProblemVocabulary } from '../domain/inspection/problem-vocabulary';

const USAGE = `Usage: npm run cli -- <command> [arguments]

Commands:
  import-units <file.csv|file.xlsx>   import the roster of units, liaisons and leaders (all or nothing)
  import-accounts <file.csv|file.xlsx>
                                      import the registry of accounts (all or nothing; import-units first)
  grant-admin <userid> <name>         give an office staff member the admin role
  revoke-admin <userid>               take a CLI-granted admin role back
  list-admins                         who reviews and receives the office's notices
  bulletin publish|receipts|list …    publish a bulletin (通报) or see who has read it; npm run cli -- bulletin
  deadline create|list|mark|cancel …  set a deadline (截止事项) for units and follow who delivered; npm run cli -- deadline
  import-inspection <file> --round <轮次> [--period 2026Q3] [--monitoring-point 2026-09-15] [--dry-run]
                                      import an inspection result table (检查结果); unsure rows go to the queue
  inspection-queue [list|resolve|unregistered|dismiss] …
                                      the 待确认 queue of inspection rows; npm run cli -- inspection-queue --help
  inspection dispatch|progress …      send a round's failures to the units (下发整改) and follow rectification (整改进度);
                                      npm run cli -- inspection
  export <table> [--round|--unit|--status|--account …] [--out <file.xlsx>]
                                      the office tables as XLSX: registry (台账), results (检查结果信息表),
                                      failures (检查情况信息表), cleanup (排查表), filing-form (备案表);
                                      npm run cli -- export
  migration:run                       apply pending database migrations
  migration:revert                    undo the last migration

The database is DATABASE_URL (default sqlite:data/bot.sqlite); see .env.example.`;

function deadlineRules(config: Parameters<typeof loadDeadlineRules>[0]): ReturnType<typeof loadDeadlineRules> {
  try {
    return loadDeadlineRules(config);
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message);
    throw error;
  }
}

function problemVocabulary(path: string): ReturnType<typeof loadProblemVocabulary> {
  try {
    return loadProblemVocabulary(path);
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message);
    throw error;
  }
}

function actor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
}

export async function runCli(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  const config = cliConfig();
  if (command === 'migration:run' || command === 'migration:revert') {
    const dataSource = createDataSource({ database: config.database, entities });
    await dataSource.initialize();
    try {
      if (command === 'migration:run') {
        const applied = await dataSource.runMigrations({ transaction: 'each' });
        console.log(applied.length ? `Applied: ${applied.map((m) => m.name).join(', ')}` : 'The schema is up to date.');
      } else {
        await dataSource.undoLastMigration({ transaction: 'each' });
        console.log('Reverted the last migration.');
      }
    } finally {
      await dataSource.destroy();
    }
    return 0;
  }
  const known = ['import-units', 'import-accounts', 'grant-admin', 'revoke-admin', 'list-admins', 'bulletin', 'deadline', 'export', 'import-inspection', 'inspection-queue', 'inspection'];
  if (!known.includes(command)) throw new CliError(`Unknown command "${command}".\n\n${USAGE}`, 2);
  const dataSource = await openDatabase(config);
  try {
    switch (command) {
      case 'import-units': {
        if (args.length !== 1) throw new CliError('Usage: npm run cli -- import-units <file.csv|file.xlsx>', 2);
        const summary = await importUnitsCommand(dataSource, args[0], { actor: actor(), clock: systemClock });
        console.log(
          `名册已导入 (roster imported): ${summary.unitsCreated} units created, ${summary.unitsUpdated} updated; ` +
            `${summary.contactsCreated} people created, ${summary.contactsUpdated} updated; ${summary.roles} roles.`,
        );
        if (summary.unitsNotInFile.length) {
          console.log(`Kept, not in this file (${summary.unitsNotInFile.length}): ${summary.unitsNotInFile.join('; ')}`);
        }
        return 0;
      }
      case 'import-accounts': {
        if (args.length !== 1) throw new CliError('Usage: npm run cli -- import-accounts <file.csv|file.xlsx>', 2);
        const summary = await importAccountsCommand(dataSource, args[0], { actor: actor(), clock: systemClock });
        console.log(
          `账号台账已导入 (accounts imported): ${summary.created} created, ${summary.updated} updated, ` +
            `${summary.unchanged} unchanged.`,
        );
        return 0;
      }
      case 'grant-admin': {
        const [userId, ...nameParts] = args;
        const name = nameParts.join(' ').trim();
        if (!userId || !name) throw new CliError('Usage: npm run cli -- grant-admin <userid> <name>', 2);
        if (!/^[A-Za-z0-9_.@-]{1,64}$/.test(userId)) {
          throw new CliError(`"${userId}" is not a WeCom userid (letters, digits, _ . @ -; e.g. songzhiwei)`, 2);
        }
        const now = systemClock.now();
        const outcome = await dataSource.transaction(async (manager) => {
          const result = await grantAdmin(manager, { userId, name, grantedBy: actor(), now });
          await manager
            .getRepository(AuditEntity)
            .insert({ actor: actor(), action: 'admin.grant', subject: userId, detail: name, at: now });
          return result;
        });
        console.log(outcome === 'granted' ? `${name} (${userId}) is now an admin.` : `${userId} was already an admin; name set to ${name}.`);
        return 0;
      }
      case 'revoke-admin': {
        if (args.length !== 1) throw new CliError('Usage: npm run cli -- revoke-admin <userid>', 2);
        const removed = await dataSource.transaction(async (manager) => {
          const done = await revokeAdmin(manager, args[0]);
          if (done) {
            await manager
              .getRepository(AuditEntity)
              .insert({ actor: actor(), action: 'admin.revoke', subject: args[0], detail: null, at: systemClock.now() });
          }
          return done;
        });
        console.log(removed ? `${args[0]} is no longer a CLI-granted admin.` : `${args[0]} had no CLI grant (admins of the 组织单位 come from the roster).`);
        return 0;
      }
      case 'bulletin':
        return await bulletinCommand(dataSource, args, {
          actor: actor(),
          clock: systemClock,
          channels: { groupWebhook: Boolean(config.wecom.groupWebhookUrl), outboxMaxAttempts: config.outbox.maxAttempts },
        });
      case 'export':
        return await exportCommand(dataSource, args, { actor: actor(), clock: systemClock });
      case 'deadline':
        return await deadlineCommand(dataSource, args, { actor: actor(), clock: systemClock, rules: deadlineRules(config) });
      case 'import-inspection':
        await importInspectionCommand(dataSource, args, { actor: actor(), clock: systemClock, vocabulary: problemVocabulary(config.inspection.problemCodesFile) });
        return 0;
      case 'inspection':
        return await inspectionCommand(dataSource, args, {
          actor: actor(),
          clock: systemClock,
          rules: deadlineRules(config),
          vocabulary: () => problemVocabulary(config.inspection.problemCodesFile),
          outboxMaxAttempts: config.outbox.maxAttempts,
        });
      case 'inspection-queue':
        if (args[0] === '--help' || args[0] === 'help') {
          console.log(INSPECTION_QUEUE_USAGE);
          return 0;
        }
        return await inspectionQueueCommand(dataSource, args, { actor: actor(), clock: systemClock, vocabulary: problemVocabulary(config.inspection.problemCodesFile) });
      case 'list-admins': {
        const admins = await listAdmins(dataSource.manager);
        console.log(admins.length ? admins.map((a) => `${a.userId}\t${a.name}`).join('\n') : 'No admins yet: import the roster or grant-admin.');
        return 0;
      }
    }
    return 2;
  } finally {
    await dataSource.destroy();
  }
}

if (require.main === module) {
  runCli(process.argv.slice(2))
    .then((code) => process.exit(code))
    .catch((error) => {
      if (error instanceof CliError) {
        console.error(error.message);
        process.exit(error.exitCode);
      }
      console.error(error);
      process.exit(1);
    });
}
