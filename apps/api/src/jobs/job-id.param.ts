import { Param, ParseUUIDPipe } from '@nestjs/common';
import { RequestValidationError } from '../errors/request-validation.error';

/** The `:id` path parameter, which must be a UUID (else 400 naming `id`, before any query runs). */
export const JobIdParam = () =>
  Param(
    'id',
    new ParseUUIDPipe({
      exceptionFactory: () =>
        new RequestValidationError([{ field: 'id', message: 'id must be a UUID' }]),
    }),
  );
