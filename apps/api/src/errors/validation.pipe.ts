import { ValidationPipe } from '@nestjs/common';
import { RequestValidationError } from './request-validation.error';

/**
 * Global input validation: unknown fields are refused (not silently dropped), values are
 * converted to the DTO's types, and every problem is reported with its field.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => RequestValidationError.fromValidationErrors(errors),
  });
}
