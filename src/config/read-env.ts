import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';

/**
 * The process environment, on top of the variables of a `.env` file in the working directory when there is one
 * (the real environment wins). The composition roots (main, CLI) call this once and hand the result to loadConfig.
 */
export function readEnvironment(
  processEnv: Record<string, string | undefined>,
  envFile: string,
): Record<string, string | undefined> {
  if (!existsSync(envFile)) return { ...processEnv };
  const fromFile = parseEnv(readFileSync(envFile, 'utf8')) as Record<string, string>;
  return { ...fromFile, ...processEnv };
}
