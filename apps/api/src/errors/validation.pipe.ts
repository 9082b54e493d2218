import { type ArgumentMetadata, ValidationPipe } from '@nestjs/common';
import { inputProblem } from './input-hygiene';
import { RequestValidationError } from './request-validation.error';

/**
 * Global input validation: what PostgreSQL cannot store (NUL, lone surrogates) and nesting
 * deeper than MAX_JSON_DEPTH are refused anywhere in a body, query or path, before any
 * transformation; then unknown fields are refused (not silently dropped), values are converted
 * to the DTO's types, and every problem is reported with its field.
 */
class ApiValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type !== 'custom') {
      const problem = inputProblem(value);
      if (problem) throw new RequestValidationError([problem]);
    }
    return super.transform(value, metadata);
  }
}

export function createValidationPipe(): ValidationPipe {
  return new ApiValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => RequestValidationError.fromValidationErrors(errors),
  });
}
