import type { AnyHandlerDefinition } from './handler-context';
import { type FieldProblem, validatePayload } from './payload-validation';
import type { StorageScope } from './s3/storage-scope';

const TYPE_NAME = /^[a-z0-9][a-z0-9-]{0,49}$/;

/** The catalogue refused a job: its type is not listed. */
export interface UnknownJobType {
  ok: false;
  reason: 'unknown-type';
  jobType: string;
  known: readonly string[];
  message: string;
}

/** The catalogue refused a job: its payload fails its type's class (every bad field listed). */
export interface InvalidJobPayload {
  ok: false;
  reason: 'invalid-payload';
  jobType: string;
  problems: readonly FieldProblem[];
  message: string;
}

/** Whether a job may be created; `value` is the payload as its type's class (transformed). */
export type JobCheck = { ok: true; value: object } | UnknownJobType | InvalidJobPayload;

/**
 * A set of job types, by wire name. The service's own is JOB_CATALOGUE (catalogue.ts); tests
 * add theirs with `with`. The api validates new jobs against it, the worker's HandlerRegistry
 * runs its definitions, and both job sinks (the worker's and a Lambda function's) validate
 * children with it, so a job type means the same thing everywhere.
 */
export class JobCatalogue {
  private readonly byType: ReadonlyMap<string, AnyHandlerDefinition>;

  /**
   * Throws on a type name that is not lowercase letters, digits and dashes, or listed twice.
   * `scope`: where users' objects may be; without it, a payload that names S3 objects is refused.
   */
  constructor(
    definitions: readonly AnyHandlerDefinition[],
    private readonly scope?: StorageScope,
  ) {
    const byType = new Map<string, AnyHandlerDefinition>();
    for (const definition of definitions) {
      if (!TYPE_NAME.test(definition.type))
        throw new Error(
          `Invalid job type "${definition.type}": use lowercase letters, digits and dashes`,
        );
      if (byType.has(definition.type))
        throw new Error(`Job type "${definition.type}" is defined twice`);
      byType.set(definition.type, definition);
    }
    this.byType = byType;
  }

  /** This catalogue plus `definitions` (a new catalogue; this one is unchanged). */
  with(...definitions: readonly AnyHandlerDefinition[]): JobCatalogue {
    return new JobCatalogue([...this.byType.values(), ...definitions], this.scope);
  }

  /** This catalogue checking S3 places against `scope` (a new catalogue; this one is unchanged). */
  withStorage(scope: StorageScope): JobCatalogue {
    return new JobCatalogue([...this.byType.values()], scope);
  }

  /** The wire names, sorted. */
  types(): string[] {
    return [...this.byType.keys()].sort();
  }

  definitions(): AnyHandlerDefinition[] {
    return [...this.byType.values()];
  }

  find(jobType: string): AnyHandlerDefinition | undefined {
    return this.byType.get(jobType);
  }

  /** Why a child job of `owner` would be refused (a reason safe to show for a file's line), or null. */
  childRefusal(jobType: string, payload: unknown, owner: string): string | null {
    const check = this.check(jobType, payload, owner);
    return check.ok ? null : refusalReason(check);
  }

  /**
   * The children's payloads as validated for `owner`, in order, for a job sink to write. Throws
   * naming the first invalid child: sinks are called with children validated already.
   */
  childPayloads(
    children: readonly { jobType: string; payload: unknown; idempotencyKey: string }[],
    owner: string,
  ): unknown[] {
    return children.map((c) => {
      const check = this.check(c.jobType, c.payload, owner);
      if (!check.ok) throw new Error(`child ${c.idempotencyKey}: ${check.message}`);
      return check.value;
    });
  }

  /**
   * Validates a job of `owner` against its type's payload class (unknown fields are refused,
   * values transformed), then every S3 place it names against the owner's space.
   */
  check(jobType: string, payload: unknown, owner: string): JobCheck {
    const definition = this.byType.get(jobType);
    if (!definition) {
      const known = this.types();
      return {
        ok: false,
        reason: 'unknown-type',
        jobType,
        known,
        message: `Unknown job type "${jobType}"; known types: ${known.join(', ')}`,
      };
    }
    const check = validatePayload(definition.payload, payload);
    const problems = check.ok
      ? this.storageProblems(definition, check.value, owner)
      : check.problems;
    if (check.ok && problems.length === 0) return check;
    return {
      ok: false,
      reason: 'invalid-payload',
      jobType,
      problems,
      message: `Invalid payload for "${jobType}": ${problems.map((p) => p.message).join('; ')}`,
    };
  }

  private storageProblems(
    definition: AnyHandlerDefinition,
    payload: object,
    owner: string,
  ): FieldProblem[] {
    const refs = definition.storage?.(payload) ?? [];
    if (refs.length === 0) return [];
    if (!this.scope)
      return refs.map((r) => ({
        field: r.field,
        message: `${r.field}: this service has no storage configured (MEDIA_BUCKET)`,
      }));
    return this.scope.problems(owner, refs);
  }
}

/** class-validator's message for a property the payload class does not declare. */
const UNKNOWN_PROPERTY = /^property \S+ should not exist$/;

/**
 * A refusal as the reason shown for a line of a file (bulk-import's rejectedLines): it names the
 * job type only when it is a known one and the fields only when the type declares them, so no
 * byte of the file comes back (a key the type does not know is "an unknown property").
 */
export function refusalReason(check: UnknownJobType | InvalidJobPayload): string {
  if (check.reason === 'unknown-type') return 'unknown job type';
  const problems = check.problems.map((p) =>
    UNKNOWN_PROPERTY.test(p.message)
      ? 'payload has a property its type does not accept'
      : p.message,
  );
  return `Invalid payload for "${check.jobType}": ${[...new Set(problems)].join('; ')}`;
}
