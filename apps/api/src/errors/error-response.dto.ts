import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class FieldProblemDto {
  @ApiProperty({
    example: 'payload.delayMs',
    description:
      'Path of the offending input: a body field (dotted), a query or path parameter, or a header',
  })
  field!: string;

  @ApiProperty({ example: 'payload.delayMs must not be greater than 600000' })
  message!: string;
}

export class ErrorBodyDto {
  @ApiProperty({
    example: 'VALIDATION_FAILED',
    description:
      'Stable machine-readable code: VALIDATION_FAILED, JOB_TYPE_UNKNOWN, JOB_PAYLOAD_INVALID, ' +
      'UNAUTHORIZED, FORBIDDEN, JOB_NOT_FOUND, JOB_TYPE_NOT_FOUND, NOT_FOUND, JOB_ILLEGAL_TRANSITION, ' +
      'JOB_RETRIES_EXHAUSTED, IDEMPOTENCY_KEY_REUSED, PAYLOAD_TOO_LARGE, RATE_LIMITED, ' +
      'SERVICE_UNAVAILABLE, INTERNAL',
  })
  code!: string;

  @ApiProperty({ example: 'The request is invalid' })
  message!: string;

  @ApiPropertyOptional({
    type: [FieldProblemDto],
    description: 'One entry per wrong field; empty when the error is not about a field',
  })
  details!: FieldProblemDto[];
}

/** The one shape of every error answer. */
export class ErrorResponseDto {
  @ApiProperty({ type: ErrorBodyDto })
  error!: ErrorBodyDto;
}
