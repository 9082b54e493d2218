import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { formatS3Url, IsS3Bucket, IsS3Url, parseS3Url } from './s3-url';

describe('parseS3Url', () => {
  it('splits the bucket from a key that may contain slashes, dots and spaces', () => {
    expect(parseS3Url('s3://media.bucket-1/videos/2024/ep 1.mp4')).toEqual({
      bucket: 'media.bucket-1',
      key: 'videos/2024/ep 1.mp4',
    });
  });

  it('round-trips through formatS3Url', () => {
    const url = 's3://b12/a/b/c.webp';
    expect(formatS3Url(parseS3Url(url))).toBe(url);
  });

  it.each([
    'https://bucket.s3.amazonaws.com/key',
    's3://bucket',
    's3://bucket/',
    's3:///key',
    'S3://bucket/key',
    'bucket/key',
    '',
  ])('refuses %j, quoting it', (url) => {
    expect(() => parseS3Url(url)).toThrow(
      `not an S3 URL (want s3://bucket/key): ${JSON.stringify(url)}`,
    );
  });

  it('refuses a bucket name S3 would not accept', () => {
    expect(() => parseS3Url('s3://Bad_Bucket/key')).toThrow(
      /not a valid S3 bucket name.*Bad_Bucket/,
    );
  });
});

describe('IsS3Url and IsS3Bucket', () => {
  class Sample {
    @IsS3Url()
    source!: string;

    @IsS3Bucket()
    bucket!: string;
  }

  const problems = (plain: object) =>
    validateSync(plainToInstance(Sample, plain), { stopAtFirstError: true }).flatMap((e) =>
      Object.values(e.constraints ?? {}),
    );

  it('accept what parseS3Url accepts', () => {
    expect(problems({ source: 's3://media.bucket-1/a/b.mp4', bucket: 'out-1' })).toEqual([]);
  });

  it('name the field and the expected form', () => {
    expect(problems({ source: 'https://x/y', bucket: 'Bad_Bucket' })).toEqual([
      'source must look like s3://bucket/key',
      'bucket must be a valid S3 bucket name',
    ]);
    expect(problems({ source: 42, bucket: 'ok-bucket' })).toEqual(['source must be a string']);
  });
});
