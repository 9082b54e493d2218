import { ApiProperty } from '@nestjs/swagger';

export class UploadDto {
  @ApiProperty({
    example:
      'https://jobqueue-media.s3.amazonaws.com/users/alice/uploads/4c1e…/episode-12.mp4?X-Amz-Signature=…',
    description: 'Presigned PUT URL: send the file with exactly the headers below before expiresAt',
  })
  url!: string;

  @ApiProperty({ example: 'PUT', enum: ['PUT'] })
  method!: 'PUT';

  @ApiProperty({
    example: { 'Content-Type': 'video/mp4', 'Content-Length': '10485760' },
    description: 'Headers the PUT must carry: they are part of the signature',
  })
  headers!: Record<string, string>;

  @ApiProperty({
    example: 's3://jobqueue-media/users/alice/uploads/4c1e…/episode-12.mp4',
    description:
      "The object as a job names it (thumbnail-generation's videoUrl, bulk-import's source)",
  })
  s3Url!: string;

  @ApiProperty({ format: 'date-time', example: '2026-01-07T00:05:00.000Z' })
  expiresAt!: Date;
}

export class UploadResponseDto {
  @ApiProperty({ type: UploadDto })
  data!: UploadDto;
}
