import { JobStatus } from '@app/database';
import { ApiProperty } from '@nestjs/swagger';

export class JobAcceptedDto {
  @ApiProperty({ format: 'uuid', example: '3f2b8c1e-9a4d-4e8f-b1c2-7d6e5f4a3b2c' })
  id!: string;

  @ApiProperty({ enum: JobStatus, enumName: 'JobStatus', example: JobStatus.Pending })
  status!: JobStatus;

  @ApiProperty({ example: 'echo' })
  jobType!: string;

  @ApiProperty({ type: String, format: 'date-time', example: '2026-01-07T00:00:00.000Z' })
  createdAt!: Date;
}

export class JobAcceptedResponseDto {
  @ApiProperty({ type: JobAcceptedDto })
  data!: JobAcceptedDto;
}

export class JobBatchAcceptedResponseDto {
  @ApiProperty({ type: [JobAcceptedDto], description: 'The created jobs, in request order' })
  data!: JobAcceptedDto[];
}
