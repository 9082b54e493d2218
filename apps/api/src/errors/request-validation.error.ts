import type { ValidationError } from 'class-validator';

export interface FieldProblem {
  field: string;
  message: string;
}

/** Input that fails validation (body, query, path or header): 400 VALIDATION_FAILED. */
export class RequestValidationError extends Error {
  constructor(readonly details: FieldProblem[]) {
    super(
      details.length === 1
        ? `Invalid request: ${details[0].message}`
        : `Invalid request: ${details.length} problems`,
    );
    this.name = 'RequestValidationError';
  }

  static fromValidationErrors(errors: ValidationError[], prefix = ''): RequestValidationError {
    return new RequestValidationError(flatten(errors, prefix));
  }
}

/** class-validator's tree → one problem per constraint, with dotted paths (`jobs.3.jobType`). */
function flatten(errors: ValidationError[], prefix: string): FieldProblem[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({
      field,
      message: prefix ? message.replace(e.property, field) : message,
    }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}
