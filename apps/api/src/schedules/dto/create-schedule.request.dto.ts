import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { CronField, JitterField, NameField, PayloadField, TimeZoneField } from './schedule-fields';

export class CreateScheduleRequestDto {
  @NameField()
  name?: string | null;

  @CronField(true)
  cron!: string;

  @TimeZoneField(false)
  timeZone?: string;

  @ApiProperty({
    example: 'echo',
    maxLength: 50,
    description:
      'A registered job type (JOB_TYPE_UNKNOWN lists the known ones); fixed for the life of the schedule',
  })
  @MaxLength(50)
  @IsNotEmpty()
  @IsString()
  jobType!: string;

  @PayloadField(true)
  payload!: Record<string, unknown>;

  @JitterField()
  jitterSeconds?: number;
}
