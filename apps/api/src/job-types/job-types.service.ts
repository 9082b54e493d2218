import { JobCatalogue } from '@app/handlers';
import { JobTypeNotFoundError, JobTypeStatesService, type PausedType } from '@app/jobs';
import { Injectable, Logger } from '@nestjs/common';
import type { AuthUser } from '../auth/role';
import type {
  JobTypeResumedResponseDto,
  JobTypeStateDto,
  JobTypeStateResponseDto,
} from './dto/job-type-state.response.dto';
import type { JobTypeDto, JobTypeListResponseDto } from './dto/job-type.response.dto';
import { payloadSchemas } from './payload-schema';

type Described = Omit<JobTypeDto, keyof JobTypeStateDto> & { name: string };

/** The job catalogue as clients see it, with each type's pause state (admins change it). */
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
    const paused = new Map((await this.states.paused()).map((p) => [p.jobType, p]));
    return { data: this.types.map((t) => ({ ...t, ...stateOf(t.name, paused.get(t.name)) })) };
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

  private audit(user: AuthUser, action: string, jobType: string): void {
    this.logger.log({
      msg: `audit: ${user.id} ${action} ${jobType}`,
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
