import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsISO8601,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  Validate,
  type ValidationArguments,
  ValidatorConstraint,
  type ValidatorConstraintInterface,
} from 'class-validator';

export const EXPORT_FORMATS = ['csv', 'jsonl'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The statuses of table `jobs` (kept here so the handlers library needs no database code). */
export const EXPORTABLE_STATUSES = [
  'pending',
  'processing',
  'completed',
  'failed',
  'cancelled',
] as const;

/** A date (UTC midnight) or a date-time with its zone: `2024-05-01`, `2024-05-01T12:00:00+02:00`. */
const ZONED_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2}))?$/;
const DATE_MESSAGE = (field: string) =>
  `${field} must be a date (2024-05-01) or a date-time with a zone (2024-05-01T12:00:00Z)`;

@ValidatorConstraint({ name: 'createdRange' })
class CreatedRange implements ValidatorConstraintInterface {
  validate(createdTo: unknown, args: ValidationArguments): boolean {
    const { createdFrom } = args.object as ExportPayload;
    if (typeof createdFrom !== 'string' || typeof createdTo !== 'string') return true;
    return Date.parse(createdFrom) <= Date.parse(createdTo);
  }

  defaultMessage(): string {
    return 'createdTo must not be before createdFrom';
  }
}

export class ExportPayload {
  /** Default csv. */
  @IsOptional()
  @IsIn(EXPORT_FORMATS)
  format?: ExportFormat;

  /** Only jobs in these statuses; one status or a list. Default: all. */
  @IsOptional()
  @ArrayUnique()
  @IsIn(EXPORTABLE_STATUSES, { each: true })
  @ArrayMaxSize(EXPORTABLE_STATUSES.length)
  @ArrayMinSize(1)
  @IsArray()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? [value] : value))
  status?: string[];

  /** Only jobs of this type. */
  @IsOptional()
  @Matches(/^[a-z0-9][a-z0-9-]*$/, { message: 'jobType must be a job type name' })
  @MaxLength(50)
  @IsString()
  jobType?: string;

  /** Only jobs created at or after this instant. */
  @IsOptional()
  @IsISO8601({ strict: true })
  @Matches(ZONED_DATE, { message: DATE_MESSAGE('createdFrom') })
  @IsString()
  createdFrom?: string;

  /** Only jobs created before this instant (exclusive), not before createdFrom. */
  @IsOptional()
  @Validate(CreatedRange)
  @IsISO8601({ strict: true })
  @Matches(ZONED_DATE, { message: DATE_MESSAGE('createdTo') })
  @IsString()
  createdTo?: string;
}

export interface ExportResult {
  bucket: string;
  key: string;
  format: ExportFormat;
  /** Jobs written (CSV: not counting the header line). */
  rows: number;
  /** Size of the file. */
  bytes: number;
  /** Presigned GET URL of the file, valid until expiresAt. */
  url: string;
  /** ISO date-time. */
  expiresAt: string;
}
