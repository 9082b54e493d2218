import { cronProblem, isTimeZone, MAX_JITTER_SECONDS } from '@app/schedules';
import { ApiProperty } from '@nestjs/swagger';
import { applyDecorators } from '@nestjs/common';
import {
  IsInt,
  IsNotEmpty,
  IsObject,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateIf,
} from 'class-validator';

/**
 * The fields a schedule is made of, as decorators shared by create (required) and update
 * (optional). An optional field may be left out but never set to null, except `name`.
 */

const optional = (required: boolean) =>
  required ? [] : [ValidateIf((_: object, value: unknown) => value !== undefined)];

const IsCron = () =>
  ValidateBy({
    name: 'isCron',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && cronProblem(value) === null,
      defaultMessage: (args) =>
        `cron must be a cron expression of 5 fields, or 6 with seconds first: ${
          typeof args?.value === 'string' ? cronProblem(args.value) : 'not a string'
        }`,
    },
  });

const IsIanaTimeZone = () =>
  ValidateBy({
    name: 'isIanaTimeZone',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && isTimeZone(value),
      defaultMessage: () => 'timeZone must be an IANA time zone such as Europe/Paris or UTC',
    },
  });

export const CronField = (required: boolean) =>
  applyDecorators(
    ApiProperty({
      required,
      maxLength: 100,
      example: '0 */15 * * * *',
      description:
        'When the job runs: 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first, down to every second (`* * * * * *`); names (`mon`, `jan`), ranges, lists and steps; read in `timeZone`. An expression that never fires (`0 0 30 2 *`) is refused',
    }),
    ...optional(required),
    IsCron(),
    MaxLength(100),
    IsString(),
  );

export const TimeZoneField = (required: boolean) =>
  applyDecorators(
    ApiProperty({
      required,
      maxLength: 64,
      example: 'Europe/Paris',
      description:
        'IANA time zone the expression is read in (daylight-saving changes follow it); default `UTC` on create',
    }),
    ...optional(required),
    IsIanaTimeZone(),
    MaxLength(64),
    IsString(),
  );

export const PayloadField = (required: boolean) =>
  applyDecorators(
    ApiProperty({
      required,
      type: Object,
      additionalProperties: true,
      example: { message: 'hello' },
      description:
        "Input of every tick's job, validated now against the job type's payload class, as POST /api/v1/jobs does (JOB_PAYLOAD_INVALID names each wrong field as payload.<name>); admin-only fields (`cleanup-jobs`' `allUsers`) need the admin role",
    }),
    ...optional(required),
    IsObject(),
  );

export const JitterField = () =>
  applyDecorators(
    ApiProperty({
      required: false,
      minimum: 0,
      maximum: MAX_JITTER_SECONDS,
      example: 0,
      description:
        "Each tick's job is submitted a random 0..jitterSeconds after the tick, so many schedules on the same minute do not start together; default 0",
    }),
    ValidateIf((_: object, value: unknown) => value !== undefined),
    Max(MAX_JITTER_SECONDS),
    Min(0),
    IsInt(),
  );

export const NameField = () =>
  applyDecorators(
    ApiProperty({
      type: String,
      required: false,
      nullable: true,
      minLength: 1,
      maxLength: 100,
      example: 'nightly export',
      description: 'A label for people; need not be unique',
    }),
    ValidateIf((_: object, value: unknown) => value !== undefined && value !== null),
    MaxLength(100),
    IsNotEmpty(),
    IsString(),
  );
