import { JobStatus } from '@app/database';
import {
  DomainError,
  IdempotencyKeyReusedError,
  IllegalTransitionError,
  InvalidPayloadError,
  JobNotFoundError,
  QuotaExceededError,
  RetriesExhaustedError,
  StaleAttemptError,
  UnknownJobTypeError,
} from '@app/jobs';
import {
  ScheduleLimitReachedError,
  ScheduleNotFoundError,
  SystemScheduleError,
} from '@app/schedules';
import {
  BadRequestException,
  HttpException,
  HttpStatus,
  InternalServerErrorException,
  Logger,
  NotFoundException,
} from '@nestjs/common';
import type { HttpAdapterHost } from '@nestjs/core';
import { QueryFailedError } from 'typeorm';
import { ApiExceptionFilter, DOMAIN_STATUS } from './api-exception.filter';

const ID = '3f2b8c1e-9a4d-4e8f-b1c2-7d6e5f4a3b2c';
const filter = new ApiExceptionFilter({} as HttpAdapterHost);

/** One instance of every error class the libs export. */
const DOMAIN_ERRORS: DomainError[] = [
  new JobNotFoundError(ID),
  new IllegalTransitionError(ID, JobStatus.Completed, JobStatus.Cancelled),
  new RetriesExhaustedError(ID, 3, 3),
  new StaleAttemptError(ID, 2),
  new IdempotencyKeyReusedError('k', ID),
  new UnknownJobTypeError({
    ok: false,
    reason: 'unknown-type',
    jobType: 'teleport',
    known: ['echo'],
    message: 'Unknown job type "teleport"; known types: echo',
  }),
  new InvalidPayloadError({
    ok: false,
    reason: 'invalid-payload',
    jobType: 'echo',
    problems: [{ field: 'payload.delayMs', message: 'payload.delayMs must be an integer number' }],
    message: 'Invalid payload for "echo": payload.delayMs must be an integer number',
  }),
  new QuotaExceededError(10, 10, 1),
  new ScheduleNotFoundError(ID),
  new ScheduleLimitReachedError(100),
  new SystemScheduleError(ID),
];

describe('ApiExceptionFilter', () => {
  // it logs the 500s these tests provoke
  beforeAll(() => {
    Logger.overrideLogger(false);
  });

  it('maps every domain error the libs throw to a 4xx with its own code', () => {
    for (const error of DOMAIN_ERRORS) {
      const { status, body } = filter.toAnswer(error);
      expect({ code: error.code, status }).toEqual({
        code: error.code,
        status: DOMAIN_STATUS[error.code],
      });
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(500);
      expect(body.error.code).toBe(error.code);
    }
  });

  it('names the wrong fields of payload and job type errors', () => {
    expect(filter.toAnswer(DOMAIN_ERRORS[5]).body.error.details).toEqual([
      { field: 'jobType', message: expect.stringContaining('teleport') as string },
    ]);
    expect(filter.toAnswer(DOMAIN_ERRORS[6]).body.error.details).toEqual([
      { field: 'payload.delayMs', message: 'payload.delayMs must be an integer number' },
    ]);
  });

  it('answers a domain error without an HTTP status with 500, not with its message', () => {
    class NewError extends DomainError {
      readonly code = 'SOMETHING_NEW';
    }
    expect(filter.toAnswer(new NewError('secret detail'))).toEqual({
      status: 500,
      body: { error: { code: 'INTERNAL', message: 'Internal server error', details: [] } },
    });
  });

  it('hides the message of an unexpected error', () => {
    const { status, body } = filter.toAnswer(new Error('duplicate key value violates "jobs_pkey"'));
    expect(status).toBe(500);
    expect(JSON.stringify(body)).not.toContain('jobs_pkey');
  });

  it('keeps the status of HTTP exceptions and gives them a code', () => {
    expect(filter.toAnswer(new NotFoundException('Cannot GET /x'))).toEqual({
      status: HttpStatus.NOT_FOUND,
      body: { error: { code: 'NOT_FOUND', message: 'Cannot GET /x', details: [] } },
    });
  });

  it('hides the message of a 5xx HTTP exception', () => {
    expect(filter.toAnswer(new InternalServerErrorException('pool exhausted'))).toEqual({
      status: 500,
      body: { error: { code: 'INTERNAL', message: 'Internal server error', details: [] } },
    });
  });

  it('joins a list of messages and gives unknown statuses a generic code', () => {
    expect(
      filter.toAnswer(new BadRequestException(['a is wrong', 'b is wrong'])).body.error.message,
    ).toBe('a is wrong; b is wrong');
    expect(filter.toAnswer(new HttpException({ reason: 'x' }, 418))).toEqual({
      status: 418,
      body: { error: { code: 'HTTP_418', message: 'Http Exception', details: [] } },
    });
  });

  describe('when PostgreSQL cannot be reached', () => {
    const coded = (message: string, code: string) => Object.assign(new Error(message), { code });
    const query = (driverError: Error) =>
      new QueryFailedError('INSERT INTO jobs … VALUES ($1)', ['secret-param'], driverError);

    it.each([
      ['a refused connection', coded('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
      ['a reset connection', coded('read ECONNRESET', 'ECONNRESET')],
      ['a connect that timed out at the socket', coded('connect ETIMEDOUT', 'ETIMEDOUT')],
      ['a connection the server ended', new Error('Connection terminated unexpectedly')],
      ['a connect timeout', new Error('Connection terminated due to connection timeout')],
      ['a full pool', new Error('timeout exceeded when trying to connect')],
      ['a query the server never answered', query(new Error('Query read timeout'))],
      ['an administrator shutdown', query(coded('terminating connection', '57P01'))],
      ['a crash shutdown', coded('terminating connection', '57P02')],
      ['a server starting up', coded('the database system is starting up', '57P03')],
      ['too many connections', coded('sorry, too many clients already', '53300')],
      ['a connection exception (class 08)', query(coded('connection failure', '08006'))],
      [
        'refusals on every address',
        new AggregateError([coded('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED')]),
      ],
    ])('answers 503 with Retry-After for %s', (_name, error) => {
      expect(filter.toAnswer(error)).toEqual({
        status: 503,
        body: {
          error: {
            code: 'SERVICE_UNAVAILABLE',
            message: 'database unavailable, retry shortly',
            details: [],
          },
        },
        headers: { 'Retry-After': '5' },
      });
    });

    it('still answers 500 for a query the database refused for its content', () => {
      expect(filter.toAnswer(query(coded('duplicate key value', '23505'))).status).toBe(500);
      expect(filter.toAnswer(coded('syntax error at or near "x"', '42601')).status).toBe(500);
    });

    it('logs one warning with the cause and without the query parameters', () => {
      const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
      try {
        filter.toAnswer(query(coded('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')));
        expect(warn.mock.calls).toEqual([
          ['database unavailable: ECONNREFUSED connect ECONNREFUSED 127.0.0.1:5432'],
        ]);
        expect(error).not.toHaveBeenCalled();
      } finally {
        warn.mockRestore();
        error.mockRestore();
      }
    });
  });
});
