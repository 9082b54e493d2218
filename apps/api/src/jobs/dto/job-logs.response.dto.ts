import { ApiProperty } from '@nestjs/swagger';

export class JobLogLineDto {
  @ApiProperty({ enum: ['debug', 'info', 'warn', 'error'], example: 'info' })
  level!: string;

  @ApiProperty({ example: 'attempt 1 started' })
  message!: string;

  @ApiProperty({ enum: ['api', 'worker', 'lambda', 'system'], example: 'worker' })
  source!: string;

  @ApiProperty({
    type: Number,
    nullable: true,
    example: 1,
    description: 'Attempt that wrote the line',
  })
  attempt!: number | null;

  @ApiProperty({ type: String, format: 'date-time', example: '2026-01-07T00:01:00.000Z' })
  timestamp!: Date;
}

export class JobLogsDto {
  @ApiProperty({ type: [JobLogLineDto], description: 'Oldest first (at most 10,000 lines)' })
  logs!: JobLogLineDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    example: null,
    description: 'Why the last attempt failed',
  })
  errorMessage!: string | null;
}

export class JobLogsResponseDto {
  @ApiProperty({ type: JobLogsDto })
  data!: JobLogsDto;
}
