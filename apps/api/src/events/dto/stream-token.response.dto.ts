import { ApiProperty } from '@nestjs/swagger';

export class StreamTokenDto {
  @ApiProperty({
    description: 'Pass as ?access_token= to an event-stream route; opens streams only',
  })
  token!: string;

  @ApiProperty({ format: 'date-time', description: 'Streams cannot be opened with it after this' })
  expiresAt!: Date;
}

export class StreamTokenResponseDto {
  @ApiProperty({ type: StreamTokenDto })
  data!: StreamTokenDto;
}
