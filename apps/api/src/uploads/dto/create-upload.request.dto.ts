import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsString, Matches, MaxLength, Min } from 'class-validator';

/** Videos for thumbnail-generation, manifests for bulk-import. */
export const UPLOAD_CONTENT_TYPE =
  /^(video\/[a-z0-9][a-z0-9.+-]{0,60}|text\/csv|application\/(x-ndjson|jsonl|x-jsonlines))$/;

export class CreateUploadRequestDto {
  @ApiProperty({
    example: 'episode-12.mp4',
    maxLength: 200,
    description:
      'The file name, kept as the last segment of the key: letters, digits, dot, dash and underscore',
  })
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, {
    message:
      'filename must be letters, digits, dots, dashes and underscores, not starting with a dot',
  })
  @MaxLength(200)
  @IsString()
  filename!: string;

  @ApiProperty({
    example: 'video/mp4',
    description:
      'The Content-Type the PUT must send (signed): video/*, text/csv, application/x-ndjson or application/jsonl',
  })
  @Matches(UPLOAD_CONTENT_TYPE, {
    message: 'contentType must be video/*, text/csv, application/x-ndjson or application/jsonl',
  })
  @MaxLength(100)
  @IsString()
  contentType!: string;

  @ApiProperty({
    example: 10_485_760,
    minimum: 1,
    description: 'The exact size in bytes the PUT must send (signed), at most UPLOAD_MAX_BYTES',
  })
  @Min(1)
  @IsInt()
  contentLength!: number;
}
