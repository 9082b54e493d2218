import type { HandlerLogLevel } from '@app/handlers';
import { LOG_TAIL_BYTES } from './function-event';

export interface TailLine {
  level: HandlerLogLevel;
  message: string;
}

/** `2024-05-01T10:00:00.000Z\t<request id>\tINFO\tmessage`: a console line in the Node.js runtime. */
const CONSOLE_LINE =
  /^\d{4}-\d\d-\d\dT[\d:.]+Z\t[^\t]*\t(TRACE|DEBUG|INFO|WARN|ERROR|FATAL)\t(.*)$/;

const LEVELS: Record<string, HandlerLogLevel> = {
  TRACE: 'debug',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
  FATAL: 'error',
};

/**
 * A function's log tail as job log lines: console lines keep their level and lose the
 * timestamp and request id; lines that continue a message (a stack trace) take its level;
 * runtime lines (START, END, REPORT, "Task timed out") are kept as they are.
 */
export function parseLogTail(tail: string): TailLine[] {
  const lines: TailLine[] = [];
  let level: HandlerLogLevel = 'info';
  for (const raw of tail.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') continue;
    const match = CONSOLE_LINE.exec(line);
    if (match) {
      level = LEVELS[match[1]];
      lines.push({ level, message: match[2] });
    } else if (/^(START|END|REPORT) RequestId:/.test(line)) {
      level = 'info';
      lines.push({ level, message: line });
    } else {
      if (/Task timed out after/.test(line)) level = 'error';
      lines.push({ level, message: line });
    }
  }
  return lines;
}

/** The last `bytes` of `text` (UTF-8), as Lambda's LogType Tail returns it. */
export function lastBytes(text: string, bytes = LOG_TAIL_BYTES): string {
  const buffer = Buffer.from(text, 'utf8');
  return buffer.length <= bytes ? text : buffer.subarray(buffer.length - bytes).toString('utf8');
}
