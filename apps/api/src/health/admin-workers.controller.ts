import type { AppConfig } from '@app/config';
import { WorkerPresence } from '@app/jobs';
import { Controller, Get } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/auth.decorators';
import { Role } from '../auth/role';
import { WorkerListResponseDto } from './dto/workers.response.dto';

@ApiTags('admin')
@Controller('api/v1/admin/workers')
export class AdminWorkersController {
  private readonly maxAgeMs: number;

  constructor(
    private readonly presence: WorkerPresence,
    config: ConfigService<AppConfig, true>,
  ) {
    this.maxAgeMs = config.get('http', { infer: true }).workerMaxAgeMs;
  }

  @Get()
  @Roles(Role.Admin)
  @ApiOperation({
    summary: 'Admin: each worker process with its jobs in flight and its last heartbeat',
  })
  @ApiOkResponse({ type: WorkerListResponseDto })
  async list(): Promise<WorkerListResponseDto> {
    const rows = await this.presence.list();
    return {
      data: rows.map((w) => ({
        workerId: w.workerId,
        live: this.maxAgeMs > 0 ? w.ageMs <= this.maxAgeMs : null,
        inFlight: w.inFlight,
        lastSeenAt: w.lastSeenAt.toISOString(),
        ageMs: Math.round(w.ageMs),
        startedAt: w.startedAt.toISOString(),
      })),
    };
  }
}
