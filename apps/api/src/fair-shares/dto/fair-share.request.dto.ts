import { ApiProperty } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';

/** The most running jobs a cap allows: as FAIR_SHARE_MAX_RUNNING. */
export const MAX_CAP = 1_000_000;

export class SetUserShareRequestDto {
  @ApiProperty({
    minimum: 1,
    maximum: MAX_CAP,
    example: 20,
    description:
      "Most jobs this user may have running at once, all types and workers together, instead of FAIR_SHARE_MAX_RUNNING. Jobs beyond it wait `pending` (held, no SQS receive count spent) and start as the user's running jobs end",
  })
  @Max(MAX_CAP)
  @Min(1)
  @IsInt()
  maxRunning!: number;
}

export class SetTypeShareRequestDto {
  @ApiProperty({
    minimum: 1,
    maximum: MAX_CAP,
    example: 2,
    description:
      "Most jobs of this type one user may have running at once; applies beside the user's own cap",
  })
  @Max(MAX_CAP)
  @Min(1)
  @IsInt()
  maxRunningPerUser!: number;
}
