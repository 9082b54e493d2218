import { Param, type PipeTransform } from '@nestjs/common';
import { RequestValidationError } from '../errors/request-validation.error';

/** jobs.user_id's width. */
const MAX_USER_ID = 255;

/** Refuses an empty or over-long user id, naming `userId`, before any query runs. */
class UserIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (value.length === 0 || value.length > MAX_USER_ID)
      throw new RequestValidationError([
        { field: 'userId', message: `userId must be 1-${MAX_USER_ID} characters long` },
      ]);
    return value;
  }
}

/** The `:userId` path parameter. */
export const UserIdParam = () => Param('userId', new UserIdPipe());
