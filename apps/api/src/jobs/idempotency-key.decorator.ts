import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { RequestValidationError } from '../errors/request-validation.error';

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
const VALID = /^[\x21-\x7e]{1,255}$/;

/** The optional Idempotency-Key header: 1-255 visible ASCII characters, else 400 naming it. */
export const IdempotencyKey = createParamDecorator(
  (_data: unknown, context: ExecutionContext): string | undefined => {
    const value = context
      .switchToHttp()
      .getRequest<{ headers: Record<string, string | string[] | undefined> }>().headers[
      IDEMPOTENCY_KEY_HEADER.toLowerCase()
    ];
    if (value === undefined) return undefined;
    if (typeof value === 'string' && VALID.test(value)) return value;
    throw new RequestValidationError([
      {
        field: IDEMPOTENCY_KEY_HEADER,
        message: `${IDEMPOTENCY_KEY_HEADER} must be 1 to 255 visible ASCII characters`,
      },
    ]);
  },
);
