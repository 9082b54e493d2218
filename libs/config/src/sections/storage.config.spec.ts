import { ConfigError } from '../config.error';
import { loadConfig } from '../load-config';

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env, ['storage']);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
};

describe('storage section', () => {
  it('targets AWS with the documented defaults when nothing is set', () => {
    expect(loadConfig({}, ['storage']).storage).toEqual({
      endpoint: undefined,
      region: 'us-east-1',
      forcePathStyle: false,
      mediaBucket: 'jobqueue-media',
      userPrefix: 'users/{sub}/',
      uploadUrlTtlSeconds: 300,
      uploadMaxBytes: 5 * 1024 ** 3,
      thumbnailMaxSourceBytes: 1024 ** 3,
      exportBucket: 'jobqueue-exports',
      exportUrlTtlSeconds: 3600,
      connectTimeoutMs: 3000,
      socketTimeoutMs: 30_000,
    });
  });

  it('reads an emulator endpoint with path-style addressing and its own bucket and TTL', () => {
    const { storage } = loadConfig(
      {
        S3_ENDPOINT: 'http://127.0.0.1:4566',
        S3_REGION: 'eu-west-1',
        S3_FORCE_PATH_STYLE: 'true',
        MEDIA_BUCKET: 'my.media-1',
        STORAGE_USER_PREFIX: 'tenants/{sub}/media/',
        UPLOAD_URL_TTL_SECONDS: '600',
        UPLOAD_MAX_BYTES: '1048576',
        THUMBNAIL_MAX_SOURCE_BYTES: '2097152',
        EXPORT_BUCKET: 'my.exports-1',
        EXPORT_URL_TTL_SECONDS: '604800',
        S3_CONNECT_TIMEOUT_MS: '1000',
        S3_SOCKET_TIMEOUT_MS: '120000',
      },
      ['storage'],
    );
    expect(storage).toEqual({
      endpoint: 'http://127.0.0.1:4566',
      region: 'eu-west-1',
      forcePathStyle: true,
      mediaBucket: 'my.media-1',
      userPrefix: 'tenants/{sub}/media/',
      uploadUrlTtlSeconds: 600,
      uploadMaxBytes: 1_048_576,
      thumbnailMaxSourceBytes: 2_097_152,
      exportBucket: 'my.exports-1',
      exportUrlTtlSeconds: 604_800,
      connectTimeoutMs: 1000,
      socketTimeoutMs: 120_000,
    });
  });

  it.each([
    ['S3_ENDPOINT', 'not a url'],
    ['S3_ENDPOINT', 'ftp://127.0.0.1:4566'],
    ['S3_REGION', 'US East'],
    ['S3_FORCE_PATH_STYLE', 'maybe'],
    ['MEDIA_BUCKET', 'Upper_Case'],
    ['STORAGE_USER_PREFIX', 'users/'],
    ['STORAGE_USER_PREFIX', 'users/{sub}'],
    ['STORAGE_USER_PREFIX', '/users/{sub}/'],
    ['UPLOAD_URL_TTL_SECONDS', '3601'],
    ['UPLOAD_MAX_BYTES', '5368709121'],
    ['THUMBNAIL_MAX_SOURCE_BYTES', '1023'],
    ['EXPORT_BUCKET', 'Upper_Case'],
    ['EXPORT_BUCKET', 'ab'],
    ['EXPORT_URL_TTL_SECONDS', '59'],
    ['EXPORT_URL_TTL_SECONDS', '604801'],
    ['EXPORT_URL_TTL_SECONDS', '1.5'],
    ['S3_CONNECT_TIMEOUT_MS', 'soon'],
    ['S3_SOCKET_TIMEOUT_MS', '999'],
  ])('rejects %s=%s with a message naming it', (name, value) => {
    const problems = problemsOf({ [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(name);
  });
});
