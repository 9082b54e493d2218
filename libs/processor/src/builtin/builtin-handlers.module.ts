import { Module } from '@nestjs/common';
import { EchoHandler } from './echo.handler';

/** Job types that ship with the service itself. */
@Module({ providers: [EchoHandler] })
export class BuiltinHandlersModule {}
