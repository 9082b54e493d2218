import { Module } from '@nestjs/common';
import { SchedulesRepository } from './schedules.repository';

/** The schedules table (SchedulesRepository): the api's side of recurring jobs. */
@Module({ providers: [SchedulesRepository], exports: [SchedulesRepository] })
export class SchedulesModule {}
