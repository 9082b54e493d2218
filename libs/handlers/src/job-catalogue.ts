import type { AnyHandlerDefinition } from './handler-context';
import { type FieldProblem, validatePayload } from './payload-validation';

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

  /** Throws on a type name that is not lowercase letters, digits and dashes, or listed twice. */
  constructor(definitions: readonly AnyHandlerDefinition[]) {
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
    return new JobCatalogue([...this.byType.values(), ...definitions]);
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

  /** Validates a job against its type's payload class: unknown fields are refused, values transformed. */
  check(jobType: string, payload: unknown): JobCheck {
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
    if (check.ok) return check;
    return {
      ok: false,
      reason: 'invalid-payload',
      jobType,
      problems: check.problems,
      message: `Invalid payload for "${jobType}": ${check.problems.map((p) => p.message).join('; ')}`,
    };
  }
}
