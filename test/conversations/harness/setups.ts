/**
 * Named setup steps a transcript can ask for (`setup: [roster, …]`). Each runs in order on the fresh test database,
 * after the fake WeCom is up and before the bot starts. Add a setup by adding an entry to `setups`; the name is
 * what transcripts write, so keep it kebab-case and stable.
 */
import { resolve } from 'node:path';
import type { DataSource } from 'typeorm';
import { importUnitsCommand } from '../../../src/cli/import-units-command';
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

  /** test/fixtures/units.csv (40 units with liaisons and leaders) through the real roster import. */
  'units-fixture': async ({ dataSource, clock, rootDir }) => {
    await importUnitsCommand(dataSource, resolve(rootDir, 'test/fixtures/units.csv'), { actor: 'conversation-test', clock });
  },
};

export function setupRootDir(): string {
  return ROOT_DIR;
}
