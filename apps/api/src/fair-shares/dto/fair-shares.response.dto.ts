import { ApiProperty } from '@nestjs/swagger';

export class UserShareDto {
  @ApiProperty({ example: 'tenant-42' }) userId!: string;
  @ApiProperty({ example: 20, description: 'Most jobs this user may have running at once' })
  maxRunning!: number;
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'ops',
    description: 'The admin who set it',
  })
  updatedBy!: string | null;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class TypeShareDto {
  @ApiProperty({ example: 'export' }) jobType!: string;
  @ApiProperty({ example: 2, description: 'Most jobs of this type one user may have running' })
  maxRunningPerUser!: number;
}

export class HoldingUserDto {
  @ApiProperty({ example: 'tenant-42' }) userId!: string;
  @ApiProperty({ example: 19_980, description: 'Jobs waiting over the share (held)' })
  held!: number;
  @ApiProperty({ example: 20, description: 'Jobs running now' }) running!: number;
}

export class FairSharesDto {
  @ApiProperty({
    type: Number,
    nullable: true,
    example: 50,
    description: 'FAIR_SHARE_MAX_RUNNING: the cap of every user without an override; null: none',
  })
  defaultMaxRunning!: number | null;
  @ApiProperty({ type: [UserShareDto], description: 'Per-user overrides' }) users!: UserShareDto[];
  @ApiProperty({ type: [TypeShareDto], description: 'Per-type caps' }) types!: TypeShareDto[];
  @ApiProperty({
    type: [HoldingUserDto],
    description: 'Users with jobs held over their share, most held first (at most 100)',
  })
  holding!: HoldingUserDto[];
}

export class FairSharesResponseDto {
  @ApiProperty({ type: FairSharesDto }) data!: FairSharesDto;
}

export class UserShareResponseDto {
  @ApiProperty({ type: UserShareDto }) data!: UserShareDto;
}

export class TypeShareResponseDto {
  @ApiProperty({ type: TypeShareDto }) data!: TypeShareDto;
}
