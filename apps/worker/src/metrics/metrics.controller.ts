import { METRICS_CONTENT_TYPE, MetricsEndpoint } from '@app/metrics';
import { Controller, Get, Header, Headers, Res, UnauthorizedException } from '@nestjs/common';

/** Prometheus metrics of this worker process, beside /health on WORKER_HEALTH_PORT. */
@Controller('metrics')
export class WorkerMetricsController {
  constructor(private readonly endpoint: MetricsEndpoint) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  async scrape(
    @Headers('authorization') authorization: string | undefined,
    @Res({ passthrough: true }) reply: { type(contentType: string): unknown },
  ): Promise<string> {
    if (!this.endpoint.authorized(authorization)) throw new UnauthorizedException();
    // set here, not by @Header: that would apply to the JSON error answer too
    reply.type(METRICS_CONTENT_TYPE);
    return this.endpoint.render();
  }
}
