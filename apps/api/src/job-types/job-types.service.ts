import { JobCatalogue } from '@app/handlers';
import {
  JobTypeNotFoundError,
  JobTypeStatesService,
  type PausedType,
  type RateLimit,
} from '@app/jobs';
import { Injectable, Logger } from '@nestjs/common';
import type { AuthUser } from '../auth/role';
import type {
  JobTypeResumedResponseDto,
  JobTypeStateDto,
  JobTypeStateResponseDto,
} from './dto/job-type-state.response.dto';
import type { JobTypeDto, JobTypeListResponseDto } from './dto/job-type.response.dto';
import type {
  JobTypeRateLimitRemovedResponseDto,
  JobTypeRateLimitResponseDto,
  RateLimitDto,
  SetRateLimitRequestDto,
} from './dto/rate-limit.dto';
import { payloadSchemas } from './payload-schema';

type Described = Omit<JobTypeDto, keyof JobTypeStateDto | 'rateLimit'> & { name: string };

/** The job catalogue as clients see it, with each type's pause state and rate limit (admins change them). */
@Injectable()
export class JobTypesService {
  private readonly logger = new Logger('Audit');
  /** Built once: the catalogue and its classes' decorators do not change while the api runs. */
  private readonly types: Described[];

  constructor(
    private readonly catalogue: JobCatalogue,
    private readonly states: JobTypeStatesService,
  ) {
    const definitions = catalogue.types().map((name) => catalogue.find(name)!);
    const schemas = payloadSchemas(definitions);
    this.types = definitions.map((d) => ({
      name: d.type,
      description: d.description ?? null,
      payloadSchema: schemas.get(d)!,
    }));
  }

  async list(): Promise<JobTypeListResponseDto> {
    const [pausedTypes, limits] = await Promise.all([
      this.states.paused(),
      this.states.rateLimits(),
    ]);
    const paused = new Map(pausedTypes.map((p) => [p.jobType, p]));
    const limited = new Map(limits.map((l) => [l.jobType, l]));
    return {
      data: this.types.map((t) => ({
        ...t,
        ...stateOf(t.name, paused.get(t.name)),
        rateLimit: rateLimitOf(limited.get(t.name)),
      })),
    };
  }

  async setRateLimit(
    user: AuthUser,
    type: string,
    dto: SetRateLimitRequestDto,
  ): Promise<JobTypeRateLimitResponseDto> {
    this.known(type);
    const limit = await this.states.setRateLimit(type, dto.limit, dto.intervalSeconds);
    this.audit(user, 'job-type.rate-limit', type, `${dto.limit} per ${dto.intervalSeconds} s`);
    return { data: { name: type, rateLimit: rateLimitOf(limit) } };
  }

  async removeRateLimit(user: AuthUser, type: string): Promise<JobTypeRateLimitRemovedResponseDto> {
    this.known(type);
    const announced = await this.states.removeRateLimit(type);
    this.audit(user, 'job-type.rate-limit-removed', type);
    return { data: { name: type, rateLimit: null, announced: announced ?? 0 } };
  }

  async pause(user: AuthUser, type: string): Promise<JobTypeStateResponseDto> {
    this.known(type);
    const paused = await this.states.pause(type, user.id);
    this.audit(user, 'job-type.pause', type);
    return { data: stateOf(type, paused) };
  }

  async resume(user: AuthUser, type: string): Promise<JobTypeResumedResponseDto> {
    this.known(type);
    const announced = await this.states.resume(type);
    this.audit(user, 'job-type.resume', type);
    return { data: { ...stateOf(type, undefined), announced } };
  }

  private known(type: string): void {
    if (!this.catalogue.find(type)) throw new JobTypeNotFoundError(type);
  }

  private audit(user: AuthUser, action: string, jobType: string, detail?: string): void {
    this.logger.log({
      msg: `audit: ${user.id} ${action} ${jobType}${detail ? ` (${detail})` : ''}`,
      audit: { actor: user.id, action, targets: [{ jobType }] },
    });
  }
}

function stateOf(name: string, paused: PausedType | undefined): JobTypeStateDto {
  return {
    name,
    paused: paused !== undefined,
    pausedAt: paused?.pausedAt.toISOString() ?? null,
    pausedBy: paused?.pausedBy ?? null,
  };
}

function rateLimitOf(limit: RateLimit | undefined): RateLimitDto | null {
  return limit ? { limit: limit.limit, intervalSeconds: limit.intervalSeconds } : null;
}
