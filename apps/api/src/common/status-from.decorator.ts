import {
  applyDecorators,
  type CallHandler,
  type ExecutionContext,
  type HttpStatus,
  Injectable,
  type NestInterceptor,
  SetMetadata,
  UseInterceptors,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { map, type Observable } from 'rxjs';

const STATUS_FROM = 'http:status-from';
type StatusPicker = (result: never) => HttpStatus;

@Injectable()
export class StatusFromInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const pick = this.reflector.get<StatusPicker | undefined>(STATUS_FROM, context.getHandler());
    return next.handle().pipe(
      map((result: unknown) => {
        if (pick)
          context
            .switchToHttp()
            .getResponse<{ status(code: number): unknown }>()
            .status(pick(result as never));
        return result;
      }),
    );
  }
}

/**
 * The route's status depends on what it returns (cancel: 200 when done at once, 202 when only
 * requested), keeping the controller method a one-liner.
 */
export const StatusFrom = <T>(pick: (result: T) => HttpStatus) =>
  applyDecorators(SetMetadata(STATUS_FROM, pick), UseInterceptors(StatusFromInterceptor));
