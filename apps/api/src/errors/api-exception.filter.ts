import { DomainError } from '@app/jobs';
import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { describeDatabaseError, isDatabaseUnavailable } from './database-unavailable';
import type { ErrorResponseDto } from './error-response.dto';
import { type FieldProblem, RequestValidationError } from './request-validation.error';

/**
 * Every domain error code the libs throw, and its HTTP status. A code missing here is a bug:
 * it answers 500 and is logged (a unit test checks every exported error class is listed).
 */
export const DOMAIN_STATUS: Readonly<Record<string, HttpStatus>> = {
  JOB_NOT_FOUND: HttpStatus.NOT_FOUND,
  JOB_ILLEGAL_TRANSITION: HttpStatus.CONFLICT,
  JOB_RETRIES_EXHAUSTED: HttpStatus.CONFLICT,
  JOB_NOT_DEAD: HttpStatus.CONFLICT,
  JOB_STALE_ATTEMPT: HttpStatus.CONFLICT,
  JOB_TYPE_UNKNOWN: HttpStatus.BAD_REQUEST,
  JOB_TYPE_NOT_FOUND: HttpStatus.NOT_FOUND,
  JOB_PAYLOAD_INVALID: HttpStatus.BAD_REQUEST,
  JOB_DEPENDENCY_NOT_FOUND: HttpStatus.NOT_FOUND,
  JOB_DEPENDENCY_ENDED: HttpStatus.CONFLICT,
  IDEMPOTENCY_KEY_REUSED: HttpStatus.UNPROCESSABLE_ENTITY,
  QUOTA_EXCEEDED: HttpStatus.TOO_MANY_REQUESTS,
  SCHEDULE_NOT_FOUND: HttpStatus.NOT_FOUND,
  SCHEDULE_LIMIT_REACHED: HttpStatus.CONFLICT,
  SCHEDULE_SYSTEM_OWNED: HttpStatus.CONFLICT,
};

/** Codes of errors that come from HTTP itself (Nest, Fastify, the guards), by status. */
const HTTP_CODE: Readonly<Partial<Record<number, string>>> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  503: 'SERVICE_UNAVAILABLE',
};

/** How long a client should wait before retrying while the database is away, in seconds. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

interface ErrorAnswer {
  status: number;
  body: ErrorResponseDto;
  headers?: Record<string, string>;
}

/**
 * The one place where errors become HTTP answers, all in the envelope
 * `{ error: { code, message, details: [{ field, message }] } }`. Anything unexpected is a 500
 * with a fixed message: stack traces and SQL stay in the server log.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('ApiExceptionFilter');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const answer = this.toAnswer(exception);
    const http = this.adapterHost.httpAdapter;
    const response: unknown = host.switchToHttp().getResponse();
    for (const [name, value] of Object.entries(answer.headers ?? {}))
      http.setHeader(response, name, value);
    http.reply(response, answer.body, answer.status);
  }

  toAnswer(exception: unknown): ErrorAnswer {
    if (exception instanceof RequestValidationError)
      return answer(400, 'VALIDATION_FAILED', exception.message, exception.details);
    if (exception instanceof DomainError) return this.domain(exception);
    // Nest's Fastify adapter hands body-parser failures (413, bad JSON, 415) over as HttpExceptions.
    if (exception instanceof HttpException) return this.http(exception);
    if (isDatabaseUnavailable(exception)) return this.databaseUnavailable(exception);
    this.logger.error(
      `unhandled error: ${exception instanceof Error ? (exception.stack ?? exception.message) : String(exception)}`,
    );
    return answer(500, 'INTERNAL', 'Internal server error', []);
  }

  /**
   * PostgreSQL could not be reached, or went away mid-request (restart, failover, freeze past
   * the timeouts): nothing the client did wrong, and worth repeating shortly. One warn line
   * with the driver's cause; the query and its parameters stay out of the log.
   */
  private databaseUnavailable(error: unknown): ErrorAnswer {
    this.logger.warn(`database unavailable: ${describeDatabaseError(error)}`);
    const result = answer(503, 'SERVICE_UNAVAILABLE', 'database unavailable, retry shortly', []);
    result.headers = { 'Retry-After': String(DATABASE_RETRY_AFTER_SECONDS) };
    return result;
  }

  private domain(error: DomainError): ErrorAnswer {
    const status = DOMAIN_STATUS[error.code];
    if (status === undefined) {
      this.logger.error(`domain error ${error.code} has no HTTP status: ${error.stack ?? ''}`);
      return answer(500, 'INTERNAL', 'Internal server error', []);
    }
    return answer(status, error.code, error.message, fieldsOf(error));
  }

  private http(exception: HttpException): ErrorAnswer {
    const status = exception.getStatus();
    const response = exception.getResponse();
    if (status >= 500 && status !== 503) {
      this.logger.error(`HTTP ${status}: ${exception.stack ?? exception.message}`);
      return answer(status, 'INTERNAL', 'Internal server error', []);
    }
    const code = ownCode(response) ?? HTTP_CODE[status] ?? `HTTP_${status}`;
    if (isHealthReport(response)) {
      const down = Object.entries(response.error ?? {});
      return answer(
        status,
        code,
        `Not ready: ${down.map(([name]) => name).join(', ')} unavailable`,
        down.map(([field, result]) => ({ field, message: result.message ?? 'down' })),
      );
    }
    const result = answer(status, code, messageOf(exception, response), []);
    if (status === 401) result.headers = { 'WWW-Authenticate': 'Bearer' };
    return result;
  }
}

function answer(
  status: number,
  code: string,
  message: string,
  details: FieldProblem[],
): ErrorAnswer {
  return { status, body: { error: { code, message, details } } };
}

/** Field problems a domain error carries: a list (`problems`) or a single `field`. */
function fieldsOf(error: DomainError): FieldProblem[] {
  const { problems, field } = error.details as { problems?: unknown; field?: unknown };
  if (Array.isArray(problems)) return problems as FieldProblem[];
  if (typeof field === 'string') return [{ field, message: error.message }];
  return [];
}

/** A guard's own code for its refusal (`new ForbiddenException({ code, message })`), if any. */
function ownCode(response: string | object): string | undefined {
  const code = typeof response === 'object' ? (response as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^[A-Z][A-Z_]*$/.test(code) ? code : undefined;
}

function messageOf(exception: HttpException, response: string | object): string {
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (typeof message === 'string') return message;
  if (Array.isArray(message)) return message.join('; ');
  return exception.message;
}

/** @nestjs/terminus's 503 body: `{ status: 'error', error: { <indicator>: { status, message } } }`. */
function isHealthReport(
  response: unknown,
): response is { status: 'error'; error?: Record<string, { message?: string }> } {
  return (
    typeof response === 'object' &&
    response !== null &&
    (response as { status?: unknown }).status === 'error' &&
    'details' in response
  );
}
