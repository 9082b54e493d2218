import { PermanentJobError } from '../permanent-job-error';
import { StorageScope } from './storage-scope';

describe('StorageScope', () => {
  const scope = new StorageScope({ mediaBucket: 'media', userPrefix: 'users/{sub}/' });

  it("is the user's prefix of the media bucket, the id URI-encoded so it adds no segment", () => {
    expect(scope.prefixFor('alice')).toBe('users/alice/');
    expect(scope.prefixFor('auth0|a/../bob')).toBe('users/auth0%7Ca%2F..%2Fbob/');
    expect(scope.spaceOf('alice')).toBe('s3://media/users/alice/');
  });

  it('accepts keys and prefixes inside the space, and a bucket-only ref to the media bucket', () => {
    expect(
      scope.problems('alice', [
        { field: 'payload.videoUrl', bucket: 'media', key: 'users/alice/v.mp4' },
        { field: 'payload.outputPrefix', bucket: 'media', key: 'users/alice/' },
        { field: 'payload.outputBucket', bucket: 'media' },
      ]),
    ).toEqual([]);
  });

  it.each([
    ['another user', 'media', 'users/bob/v.mp4'],
    ['a user whose id starts the same', 'media', 'users/alice2/v.mp4'],
    ['the space without its slash', 'media', 'users/alice'],
    ['a dot-dot segment', 'media', 'users/alice/../bob/v.mp4'],
    ['a double slash', 'media', 'users/alice//x'],
    ['another bucket', 'other', 'users/alice/v.mp4'],
  ])('refuses %s, naming the field and the space', (_what, bucket, key) => {
    expect(scope.problems('alice', [{ field: 'payload.videoUrl', bucket, key }])).toEqual([
      {
        field: 'payload.videoUrl',
        message: 'payload.videoUrl must be under s3://media/users/alice/',
      },
    ]);
  });

  it('throws a PermanentJobError for the handler', () => {
    expect(() =>
      scope.assertOwned('alice', [
        { field: 'payload.source', bucket: 'media', key: 'users/bob/x' },
      ]),
    ).toThrow(new PermanentJobError('payload.source must be under s3://media/users/alice/'));
  });

  it('needs {sub} in the prefix', () => {
    expect(() => new StorageScope({ mediaBucket: 'media', userPrefix: 'shared/' })).toThrow(
      'STORAGE_USER_PREFIX must contain {sub}',
    );
  });
});
