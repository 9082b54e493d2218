/**
 * Thrown when the environment does not describe a runnable service. The message lists every
 * problem at once, each starting with the variable's name, so one restart fixes them all.
 */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}
