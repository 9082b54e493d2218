/**
 * Recognises errors that mean "PostgreSQL cannot be reached right now", as node-postgres and
 * pg-pool raise them and as TypeORM wraps them (QueryFailedError.driverError): the request may
 * succeed if repeated shortly, so the api answers 503 with Retry-After instead of 500.
 */

/** Socket errors of a connection that could not be opened or was lost. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs: 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now (starting up or
 * shutting down), 53300 too_many_connections; all of class 08 (connection exception) too.
 */
const SQL_STATES = new Set(['57P01', '57P02', '57P03', '53300']);

/** Messages pg and pg-pool raise without a code. */
const MESSAGES = [
  /^Connection terminated/, // unexpectedly, or due to connection timeout (connectionTimeoutMillis)
  /^timeout exceeded when trying to connect$/, // pg-pool: no free connection within the timeout
  /^Query read timeout$/, // query_timeout: the server did not answer
  /^Client has encountered a connection error and is not queryable$/,
  /^Connection refused$/,
];

export function isDatabaseUnavailable(error: unknown): boolean {
  return causes(error).some(unavailable);
}

/** A short description of the root cause, for the log: never the query or its parameters. */
export function describeDatabaseError(error: unknown): string {
  const cause = causes(error).find(unavailable) ?? error;
  const code = (cause as { code?: unknown }).code;
  const message = cause instanceof Error ? cause.message : String(cause);
  return typeof code === 'string' ? `${code} ${message}` : message;
}

function unavailable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code) || SQL_STATES.has(code)) return true;
    if (/^08[0-9A-Z]{3}$/.test(code)) return true;
  }
  return error instanceof Error && MESSAGES.some((m) => m.test(error.message));
}

/** The error and what it wraps: TypeORM's driverError, `cause`, an AggregateError's errors. */
function causes(error: unknown, depth = 0): unknown[] {
  if (error === null || typeof error !== 'object' || depth > 4) return [];
  const e = error as { driverError?: unknown; cause?: unknown; errors?: unknown };
  const nested: unknown[] = Array.isArray(e.errors) ? (e.errors as unknown[]) : [];
  const inner = [e.driverError, e.cause, ...nested];
  return [error, ...inner.flatMap((i) => causes(i, depth + 1))];
}
