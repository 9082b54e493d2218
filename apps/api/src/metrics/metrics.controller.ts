import { METRICS_CONTENT_TYPE, MetricsEndpoint } from '@app/metrics';
import { Controller, Get, Header, Headers, Res, UnauthorizedException } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Public } from '../auth/auth.decorators';
import { ErrorResponseDto } from '../errors/error-response.dto';

/**
 * Prometheus metrics of this api process, on its own port. Not a JWT route: scrapers hold no
 * user token. METRICS_TOKEN, when set, is the one credential it takes.
 */
@ApiTags('metrics')
@Public()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly endpoint: MetricsEndpoint) {}

  @Get()
  @ApiOperation({
    summary:
      'Prometheus metrics (text format 0.0.4) of this process; with METRICS_TOKEN set, send it as a bearer token',
    security: [{}, { metricsToken: [] }],
  })
  @ApiProduces(METRICS_CONTENT_TYPE)
  @ApiOkResponse({ description: 'The metrics, as listed in the README', type: String })
  @ApiUnauthorizedResponse({
    type: ErrorResponseDto,
    description: 'METRICS_TOKEN is set and the request does not carry it (UNAUTHORIZED)',
  })
  @Header('Cache-Control', 'no-store')
  async scrape(
    @Headers('authorization') authorization: string | undefined,
    @Res({ passthrough: true }) reply: { type(contentType: string): unknown },
  ): Promise<string> {
    if (!this.endpoint.authorized(authorization))
      throw new UnauthorizedException('/metrics needs the METRICS_TOKEN bearer token');
    // set here, not by @Header: that would apply to the JSON error answer too
    reply.type(METRICS_CONTENT_TYPE);
    return this.endpoint.render();
  }
}
