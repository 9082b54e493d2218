import { JobStatus } from '@app/database';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class CancelJobResultDto {
  @ApiProperty({ format: 'uuid', example: '3f2b8c1e-9a4d-4e8f-b1c2-7d6e5f4a3b2c' })
  id!: string;

  @ApiProperty({
    enum: JobStatus,
    example: JobStatus.Cancelled,
    description:
      'cancelled (200); processing while its handler is still being stopped after CANCEL_WAIT_MS (202); completed or failed (200) when the handler finished before it noticed',
  })
  status!: JobStatus;

  @ApiPropertyOptional({
    example: true,
    description:
      'Present (true) on 202: the running handler is asked to stop; the job then becomes cancelled',
  })
  cancelRequested?: boolean;
}

export class CancelJobResponseDto {
  @ApiProperty({ type: CancelJobResultDto })
  data!: CancelJobResultDto;
}
