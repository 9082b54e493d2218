import type { FieldProblem } from '../payload-validation';
import { PermanentJobError } from '../permanent-job-error';
import { formatS3Url } from './s3-url';

/** Where users' objects live (MEDIA_BUCKET, STORAGE_USER_PREFIX). */
export interface StorageScopeSettings {
  /** The one bucket jobs may read from and write to. */
  mediaBucket: string;
  /** Key prefix of a user's space; `{sub}` stands for the user's id, URI-encoded. */
  userPrefix: string;
}

/**
 * An S3 place a payload names, for the ownership check: `key` is an object key or a key prefix
 * (both must lie in the user's space); without `key` only the bucket is checked (the key is
 * chosen by the handler inside the space).
 */
export interface StorageRef {
  /** Dotted path from the request body, e.g. `payload.videoUrl`. */
  field: string;
  bucket: string;
  key?: string;
}

/** `.`/`..` segments, empty segments and backslashes: a proxy or a client could resolve them elsewhere. */
const UNSAFE_KEY = /(^|\/)\.{1,2}(\/|$)|\/\/|\\/;

/**
 * What a user may make a job read or write: keys under its own prefix of the media bucket, and
 * nothing else. Checked when a job is submitted (the catalogue's check, 400 naming the field and
 * the allowed place) and again by each handler before it touches S3, so a job row written by
 * other means (or an old one) cannot reach another user's objects either. The prefix is derived
 * from the job's owner only; no role and no payload field widens it.
 */
export class StorageScope {
  constructor(private readonly settings: StorageScopeSettings) {
    if (!settings.userPrefix.includes('{sub}'))
      throw new Error('STORAGE_USER_PREFIX must contain {sub}');
  }

  get mediaBucket(): string {
    return this.settings.mediaBucket;
  }

  /** The user's key prefix, e.g. `users/alice/`; the id is URI-encoded so it cannot add segments. */
  prefixFor(userId: string): string {
    return this.settings.userPrefix.split('{sub}').join(encodeURIComponent(userId));
  }

  /** The user's space as a URL, `s3://<bucket>/<prefix>`, as error messages show it. */
  spaceOf(userId: string): string {
    return formatS3Url({ bucket: this.settings.mediaBucket, key: this.prefixFor(userId) });
  }

  /** Each ref outside the user's space, named by its field (empty: all inside). */
  problems(userId: string, refs: readonly StorageRef[]): FieldProblem[] {
    const prefix = this.prefixFor(userId);
    return refs
      .filter(
        (ref) =>
          ref.bucket !== this.settings.mediaBucket ||
          (ref.key !== undefined && (!ref.key.startsWith(prefix) || UNSAFE_KEY.test(ref.key))),
      )
      .map((ref) => ({
        field: ref.field,
        message: `${ref.field} must be under ${this.spaceOf(userId)}`,
      }));
  }

  /** Throws a PermanentJobError naming every ref outside the user's space (the handler's check). */
  assertOwned(userId: string, refs: readonly StorageRef[]): void {
    const problems = this.problems(userId, refs);
    if (problems.length > 0) throw new PermanentJobError(problems.map((p) => p.message).join('; '));
  }
}

/**
 * The handler's own check, before it touches S3: `refs` (from its definition's `storage`) must lie
 * in the space of the job's owner. The row is not trusted: it may predate the check, or have been
 * written by other means.
 */
export function requireOwned(
  ctx: { userId: string; services: { settings: { storage: StorageScopeSettings } } },
  refs: readonly StorageRef[],
): StorageScope {
  const scope = new StorageScope(ctx.services.settings.storage);
  scope.assertOwned(ctx.userId, refs);
  return scope;
}
