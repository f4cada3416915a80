import { createLogger, type Logger } from '../../src/shared/logger';

/** Logs of the code under test; TEST_LOG_LEVEL=debug shows them. */
export function testLogger(): Logger {
  return createLogger((process.env.TEST_LOG_LEVEL as 'debug' | undefined) ?? 'silent');
}
