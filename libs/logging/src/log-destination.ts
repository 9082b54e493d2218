import type { LogFormat } from '@app/config';
import type { DestinationStream } from 'pino';
import pretty from 'pino-pretty';

/** The part of a stdout-like stream the format decision needs. */
export interface Terminal {
  isTTY?: boolean;
}

/** `auto` is pretty on a terminal and JSON anywhere else (a pipe, a file, a log collector). */
export function isPretty(format: LogFormat, stdout: Terminal = process.stdout): boolean {
  return format === 'pretty' || (format === 'auto' && stdout.isTTY === true);
}

/**
 * Where pino writes: undefined keeps pino's own JSON stream on stdout. Pretty output goes through
 * pino-pretty in this thread (not a transport's worker thread), synchronously, so a line written
 * just before a crash or process.exit is not lost. Colours follow the terminal (and NO_COLOR).
 */
export function logDestination(
  format: LogFormat,
  stdout: Terminal = process.stdout,
): DestinationStream | undefined {
  if (!isPretty(format, stdout)) return undefined;
  return pretty({
    sync: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,context',
    // `context` is the Nest class that logged: shown before the message, not as a field.
    messageFormat: '{if context}[{context}] {end}{msg}',
    singleLine: true,
  });
}
