import { ConfigError } from './config.error';

/**
 * Ends a process whose start-up failed. A configuration error is printed as its plain message
 * (one line per bad variable, no stack trace: the stack says nothing the message does not).
 */
export function exitOnStartupError(error: unknown): never {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(
      `Start-up failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
  }
  process.exit(1);
}
