import { randomUUID } from 'node:crypto';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { AppConfig, StorageConfig } from '@app/config';
import { formatS3Url, StorageScope } from '@app/handlers';
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AuthUser } from '../auth/role';
import { RequestValidationError } from '../errors/request-validation.error';
import type { CreateUploadRequestDto } from './dto/create-upload.request.dto';
import type { UploadResponseDto } from './dto/upload.response.dto';

/**
 * Presigned PUT URLs into the caller's own space (`<STORAGE_USER_PREFIX>uploads/<uuid>/<name>`
 * in MEDIA_BUCKET), so a client uploads a video or a manifest without AWS credentials and then
 * names it in a job. The Content-Type and the exact Content-Length are signed, so S3 refuses a
 * PUT of another type or size; the URL lives UPLOAD_URL_TTL_SECONDS. Signing is local: no call
 * to S3 is made here.
 */
@Injectable()
export class UploadsService implements OnApplicationShutdown {
  private readonly storage: StorageConfig;
  private readonly scope: StorageScope;
  private readonly s3: S3Client;

  constructor(config: ConfigService<AppConfig, true>) {
    this.storage = config.get('storage', { infer: true });
    this.scope = new StorageScope(this.storage);
    this.s3 = new S3Client({
      region: this.storage.region,
      forcePathStyle: this.storage.forcePathStyle,
      // a checksum of the (empty) body at signing time would be part of the URL and fail the PUT
      requestChecksumCalculation: 'WHEN_REQUIRED',
      ...(this.storage.endpoint ? { endpoint: this.storage.endpoint } : {}),
    });
  }

  async create(user: AuthUser, dto: CreateUploadRequestDto): Promise<UploadResponseDto> {
    const max = this.storage.uploadMaxBytes;
    if (dto.contentLength > max) {
      throw new RequestValidationError([
        {
          field: 'contentLength',
          message: `contentLength must not be greater than ${max} (UPLOAD_MAX_BYTES)`,
        },
      ]);
    }
    const bucket = this.scope.mediaBucket;
    const key = `${this.scope.prefixFor(user.id)}uploads/${randomUUID()}/${dto.filename}`;
    const expiresIn = this.storage.uploadUrlTtlSeconds;
    const signedAt = Date.now();
    const url = await getSignedUrl(
      this.s3,
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        ContentType: dto.contentType,
        ContentLength: dto.contentLength,
      }),
      { expiresIn, signableHeaders: new Set(['content-type', 'content-length']) },
    );
    return {
      data: {
        url,
        method: 'PUT',
        headers: { 'Content-Type': dto.contentType, 'Content-Length': String(dto.contentLength) },
        s3Url: formatS3Url({ bucket, key }),
        expiresAt: new Date(signedAt + expiresIn * 1000),
      },
    };
  }

  onApplicationShutdown(): void {
    this.s3.destroy();
  }
}
