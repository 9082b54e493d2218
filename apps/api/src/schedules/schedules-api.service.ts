import { SYSTEM_USER } from '@app/handlers';
import { JobSubmissionService } from '@app/jobs';
import {
  dueAt,
  type NextRun,
  type Schedule,
  type ScheduleChanges,
  ScheduleLimitReachedError,
  ScheduleNotFoundError,
  type ScheduleScope,
  SchedulesRepository,
  SystemScheduleError,
  ticksAfter,
  type Timetable,
} from '@app/schedules';
import { ForbiddenException, Injectable } from '@nestjs/common';
import { type AuthUser, isAdmin, seesAllJobs } from '../auth/role';
import { JobAdmission } from '../jobs/job-admission';
import type { CreateScheduleRequestDto } from './dto/create-schedule.request.dto';
import type { ListSchedulesQueryDto } from './dto/list-schedules.query.dto';
import type { ScheduleDto } from './dto/schedule.response.dto';
import type { UpdateScheduleRequestDto } from './dto/update-schedule.request.dto';
import { toScheduleDto } from './schedule.presenter';

/** Schedules a user may own; the system's own are not counted against anyone. */
export const MAX_SCHEDULES_PER_USER = 100;

/**
 * /api/v1/schedules: a user manages their own schedules, an admin everyone's (the system's
 * clean-up included), a viewer reads everyone's. Another user's schedule answers 404 like a
 * missing one. Payloads pass their job type's class (the job catalogue, as POST /jobs) and the
 * admin-only check when they are written, and again at every tick in the worker.
 */
@Injectable()
export class SchedulesApiService {
  constructor(
    private readonly schedules: SchedulesRepository,
    private readonly submission: JobSubmissionService,
    private readonly admission: JobAdmission,
  ) {}

  async create(user: AuthUser, dto: CreateScheduleRequestDto): Promise<{ data: ScheduleDto }> {
    if (user.id === SYSTEM_USER && !isAdmin(user))
      throw new ForbiddenException(`sub: "${SYSTEM_USER}" is reserved for the system's schedules`);
    const payload = this.checkedPayload(user, dto.jobType, dto.payload);
    const fields = {
      name: dto.name ?? null,
      cron: dto.cron,
      timeZone: dto.timeZone ?? 'UTC',
      jobType: dto.jobType,
      payload,
      jitterSeconds: dto.jitterSeconds ?? 0,
    };
    const created = await this.schedules.create(
      user.id,
      fields,
      nextRun(fields),
      MAX_SCHEDULES_PER_USER,
    );
    if (!created) throw new ScheduleLimitReachedError(MAX_SCHEDULES_PER_USER);
    return { data: toScheduleDto(created) };
  }

  async list(user: AuthUser, query: ListSchedulesQueryDto) {
    const page = await this.schedules.list(readScope(user), query.page ?? 1, query.limit);
    return {
      data: page.items.map(toScheduleDto),
      pagination: { page: page.page, limit: page.limit, total: page.total },
    };
  }

  async get(user: AuthUser, id: string): Promise<{ data: ScheduleDto }> {
    return { data: toScheduleDto(await this.find(readScope(user), id)) };
  }

  async update(
    user: AuthUser,
    id: string,
    dto: UpdateScheduleRequestDto,
  ): Promise<{ data: ScheduleDto }> {
    const scope = writeScope(user);
    const current = await this.find(scope, id);
    const changes: ScheduleChanges = { ...dto };
    if (dto.payload !== undefined)
      changes.payload = this.checkedPayload(user, current.jobType, dto.payload, current.userId);
    const timetable = {
      cron: dto.cron ?? current.cron,
      timeZone: dto.timeZone ?? current.timeZone,
      jitterSeconds: dto.jitterSeconds ?? current.jitterSeconds,
    };
    if (dto.cron !== undefined || dto.timeZone !== undefined || dto.jitterSeconds !== undefined)
      changes.next = nextRun(timetable);
    return { data: toScheduleDto(this.found(await this.schedules.update(scope, id, changes), id)) };
  }

  async pause(user: AuthUser, id: string): Promise<{ data: ScheduleDto }> {
    const paused = await this.schedules.setPaused(writeScope(user), id, true);
    return { data: toScheduleDto(this.found(paused, id)) };
  }

  /** Resumes from the first tick after now: ticks passed while paused are skipped. */
  async resume(user: AuthUser, id: string): Promise<{ data: ScheduleDto }> {
    const scope = writeScope(user);
    const current = await this.find(scope, id);
    if (!current.paused) return { data: toScheduleDto(current) };
    const resumed = await this.schedules.setPaused(scope, id, false, nextRun(current));
    return { data: toScheduleDto(this.found(resumed, id)) };
  }

  async delete(user: AuthUser, id: string): Promise<void> {
    const scope = writeScope(user);
    const current = await this.find(scope, id);
    if (current.userId === SYSTEM_USER) throw new SystemScheduleError(id);
    if (!(await this.schedules.delete(scope, id))) throw new ScheduleNotFoundError(id);
  }

  /** The payload as its type's class for the schedule's owner; 400/403 naming the field. */
  private checkedPayload(
    user: AuthUser,
    jobType: string,
    payload: unknown,
    owner = user.id,
  ): object {
    const value = this.submission.validate(owner, jobType, payload);
    this.admission.checkRole(user, [{ jobType, payload }]);
    return value;
  }

  private async find(scope: ScheduleScope, id: string): Promise<Schedule> {
    return this.found(await this.schedules.find(scope, id), id);
  }

  private found(schedule: Schedule | null, id: string): Schedule {
    if (!schedule) throw new ScheduleNotFoundError(id);
    return schedule;
  }
}

/** The first tick after now, and when its job is due. */
function nextRun(t: Timetable & { jitterSeconds: number }): NextRun {
  const [nextRunAt] = ticksAfter(t, new Date());
  return { nextRunAt, dueAt: dueAt(nextRunAt, t.jitterSeconds) };
}

const readScope = (user: AuthUser): ScheduleScope =>
  seesAllJobs(user) ? 'all' : { userId: user.id };
const writeScope = (user: AuthUser): ScheduleScope => (isAdmin(user) ? 'all' : { userId: user.id });
