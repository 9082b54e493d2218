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
  Validate,
  type ValidationArguments,
  ValidateIf,
  ValidatorConstraint,
  type ValidatorConstraintInterface,
} from 'class-validator';
import { IsS3Bucket, IsS3Url, parseS3Url } from '../s3/s3-url';
import type { StorageRef } from '../s3/storage-scope';

export const THUMBNAIL_FORMATS = ['jpeg', 'webp'] as const;
export type ThumbnailFormat = (typeof THUMBNAIL_FORMATS)[number];

@ValidatorConstraint({ name: 'oneVideo' })
class OneVideo implements ValidatorConstraintInterface {
  validate(_value: unknown, args: ValidationArguments): boolean {
    return (args.object as ThumbnailPayload).videoUrl === undefined;
  }

  defaultMessage(): string {
    return 'source must not be given with videoUrl (they are the same field)';
  }
}

/**
 * The specification's shape, `{ episodeId, videoUrl }`, or the older `{ source }`: one video,
 * under either name (the handler reads `videoUrl ?? source`).
 */
export class ThumbnailPayload {
  /**
   * The episode the thumbnails belong to (a UUID, or any id of letters, digits, `-` and `_`:
   * the specification's own example says "uuid"); they are written under it.
   */
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,100}$/, {
    message: 'episodeId must be 1-100 letters, digits, - or _ (it becomes part of an S3 key)',
  })
  @IsString()
  episodeId?: string;

  /** The video, `s3://<MEDIA_BUCKET>/<your prefix>…`, as the specification names it. */
  @ValidateIf((o: ThumbnailPayload) => o.source === undefined)
  @IsS3Url()
  videoUrl?: string;

  /** The same as videoUrl (its earlier name); give one of them. */
  @ValidateIf((o: ThumbnailPayload) => o.source !== undefined)
  @Validate(OneVideo)
  @IsS3Url()
  source?: string;

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

  /**
   * Key prefix of the thumbnails, inside your space, used as given (end it with `/` for a
   * folder). Default `<your prefix>episodes/<episodeId>/thumbnails/`, or
   * `<your prefix>thumbnails/<jobId>/` without an episode.
   */
  @IsOptional()
  @Matches(/^[^/]/, { message: 'outputPrefix must not start with /' })
  @MaxLength(900)
  @IsString()
  outputPrefix?: string;

  /** Bucket to write to: the media bucket (MEDIA_BUCKET), the default. */
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

/** The video a payload names, under either of its names. */
export const videoOf = (payload: ThumbnailPayload): string =>
  (payload.videoUrl ?? payload.source) as string;

/**
 * The S3 places a thumbnail job names: the video, and where thumbnails go when the payload says
 * (by default they go into the owner's space, under the episode or the job).
 */
export function thumbnailStorage(payload: ThumbnailPayload): StorageRef[] {
  const field = payload.videoUrl !== undefined ? 'payload.videoUrl' : 'payload.source';
  const video = parseS3Url(videoOf(payload));
  const refs: StorageRef[] = [{ field, ...video }];
  const bucket = payload.outputBucket ?? video.bucket;
  if (payload.outputPrefix !== undefined)
    refs.push({ field: 'payload.outputPrefix', bucket, key: payload.outputPrefix });
  else if (payload.outputBucket !== undefined) refs.push({ field: 'payload.outputBucket', bucket });
  return refs;
}
