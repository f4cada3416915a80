/** One thing wrong with the configuration: which variable, what is wrong, and a right value. */
export interface ConfigProblem {
  variable: string;
  problem: string;
  example?: string;
}

/** Thrown by loadConfig with every problem found, so an operator fixes them all in one go. */
export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems
          .map((p) => `  - ${p.variable}: ${p.problem}${p.example ? ` (example: ${p.example})` : ''}`)
          .join('\n'),
    );
    this.name = 'ConfigError';
  }
}
