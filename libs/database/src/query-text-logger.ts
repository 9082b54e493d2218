import { Logger as NestLogger } from '@nestjs/common';
import type { Logger } from 'typeorm';
import { sqlState } from './sql-errors';

/** Longest query text logged, in characters (a batch statement with its unnest list fits). */
const MAX_QUERY_CHARS = 2000;

/**
 * TypeORM's logger for both apps and the migration CLI. It logs a failed query's error and its
 * text, never its parameters: they hold job payloads, whole result batches and presigned URLs.
 * Nor the error's `detail` ("Failing row contains (…)"), which repeats a row's values; for a
 * data exception (SQLSTATE class 22, e.g. `invalid input syntax for type uuid: "…"`) the message
 * stops before the value it quotes. Successful queries are not logged at all.
 */
export class QueryTextLogger implements Logger {
  private readonly logger = new NestLogger('TypeORM');

  logQuery(): void {}

  logQueryError(error: string | Error, query: string): void {
    this.logger.error(`query failed: ${describe(error)} -- ${clip(query)}`);
  }

  logQuerySlow(time: number, query: string): void {
    this.logger.warn(`slow query (${time} ms): ${clip(query)}`);
  }

  logSchemaBuild(): void {}

  logMigration(message: string): void {
    this.logger.log(message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.logger.warn(String(message));
  }
}

function describe(error: string | Error): string {
  if (typeof error === 'string') return error;
  const state = sqlState(error);
  const message = state?.startsWith('22') ? error.message.split(': ')[0] : error.message;
  return state ? `${message} (SQLSTATE ${state})` : message;
}

function clip(query: string): string {
  const text = query.replace(/\s+/g, ' ').trim();
  return text.length > MAX_QUERY_CHARS ? `${text.slice(0, MAX_QUERY_CHARS)}…` : text;
}
