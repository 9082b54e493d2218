import { Module } from '@nestjs/common';
import { IntakeGate } from './intake-gate';

/** The IntakeGate on its own, so the SQS consumers' options can use it (see ProcessorModule). */
@Module({ providers: [IntakeGate], exports: [IntakeGate] })
export class IntakeModule {}
