import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { IsS3Bucket, IsS3Url } from '../s3/s3-url';

export const THUMBNAIL_FORMATS = ['jpeg', 'webp'] as const;
export type ThumbnailFormat = (typeof THUMBNAIL_FORMATS)[number];

export class ThumbnailPayload {
  /** The video, `s3://bucket/key`. */
  @IsS3Url()
  source!: string;

  /** Seconds into the video, each below its duration. Default: 3 evenly spaced (25%, 50%, 75%). */
  @IsOptional()
  @ArrayUnique()
  @Min(0, { each: true })
  @IsNumber({ allowNaN: false, allowInfinity: false }, { each: true })
  @ArrayMaxSize(20)
  @ArrayMinSize(1)
  @IsArray()
  offsetsSeconds?: number[];

  /** Width of each thumbnail in pixels (16-3840, up to 10); height keeps the aspect ratio. Default [320]. */
  @IsOptional()
  @ArrayUnique()
  @Max(3840, { each: true })
  @Min(16, { each: true })
  @IsInt({ each: true })
  @ArrayMaxSize(10)
  @ArrayMinSize(1)
  @IsArray()
  widths?: number[];

  /** Default jpeg (written with the extension .jpg). */
  @IsOptional()
  @IsIn(THUMBNAIL_FORMATS)
  format?: ThumbnailFormat;

  /** Key prefix of the thumbnails, used as given (end it with `/` for a folder). Default `thumbnails/<jobId>/`. */
  @IsOptional()
  @Matches(/^[^/]/, { message: 'outputPrefix must not start with /' })
  @MaxLength(900)
  @IsString()
  outputPrefix?: string;

  /** Bucket to write to. Default: the source's bucket. */
  @IsOptional()
  @IsS3Bucket()
  outputBucket?: string;
}

export interface Thumbnail {
  /** `s3://bucket/key` */
  url: string;
  key: string;
  offsetSeconds: number;
  width: number;
  height: number;
  bytes: number;
  format: ThumbnailFormat;
}

export interface ThumbnailResult {
  /** One per offset and width, offsets in the order given, widths within each. */
  thumbnails: Thumbnail[];
  durationSeconds: number | null;
}
