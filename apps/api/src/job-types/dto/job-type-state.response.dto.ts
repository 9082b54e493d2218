import { ApiProperty } from '@nestjs/swagger';

/** A paused job type, as the overview lists it. */
export class PausedTypeDto {
  @ApiProperty({ example: 'export' }) jobType!: string;
  @ApiProperty({ format: 'date-time', description: 'When it was paused (database time)' })
  pausedAt!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'admin-1',
    description: 'The admin who paused it',
  })
  pausedBy!: string | null;
}

export class JobTypeStateDto {
  @ApiProperty({ example: 'export', description: 'The job type (wire name)' })
  name!: string;

  @ApiProperty({
    example: true,
    description:
      'Paused: workers start none of its jobs; they wait `pending` (no receive count spent) until the type is resumed',
  })
  paused!: boolean;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'When it was paused; null while it runs',
  })
  pausedAt!: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    example: 'admin-1',
    description: 'The admin who paused it; null while it runs',
  })
  pausedBy!: string | null;
}

export class JobTypeResumedDto extends JobTypeStateDto {
  @ApiProperty({
    example: 20,
    description:
      'Pending jobs of the type announced again to the workers (0 when it was not paused)',
  })
  announced!: number;
}

export class JobTypeStateResponseDto {
  @ApiProperty({ type: JobTypeStateDto }) data!: JobTypeStateDto;
}

export class JobTypeResumedResponseDto {
  @ApiProperty({ type: JobTypeResumedDto }) data!: JobTypeResumedDto;
}
