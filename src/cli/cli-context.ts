import { resolve } from 'node:path';
import type { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { loadConfig } from '../config/load-config';
import { readEnvironment } from '../config/read-env';
import { createDataSource } from '../db/data-source';
import { entities } from '../entities';
import { ConfigError } from '../shared/errors';

/** A command-line failure with a message for the operator and an exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export function cliConfig(
  env: Record<string, string | undefined> = readEnvironment(process.env, resolve(process.cwd(), '.env')),
): AppConfig {
  try {
    return loadConfig(env, resolve(process.cwd(), 'config'));
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message);
    throw error;
  }
}

/** Open the configured database with its schema up to date (the CLI may run before the bot ever started). */
export async function openDatabase(config: AppConfig): Promise<DataSource> {
  const dataSource = createDataSource({ database: config.database, entities });
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  return dataSource;
}
