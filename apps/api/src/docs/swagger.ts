import { JobCatalogue } from '@app/handlers';
import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

/**
 * OpenAPI 3 at /docs-json and its UI at /docs: every route, DTO, enum, example and error
 * answer, with bearer auth, so clients can be generated from it. The job types of the
 * catalogue are listed in the description of `jobType`.
 */
export function setupSwagger(app: INestApplication): void {
  const types = app.get(JobCatalogue).types();
  const config = new DocumentBuilder()
    .setTitle('Job queue API')
    .setDescription(
      'Submit long-running work and follow it: jobs are stored in PostgreSQL, queued on SQS and ' +
        'run by workers with retries, progress and logs. Every error answers ' +
        '`{ error: { code, message, details: [{ field, message }] } }`.',
    )
    .setVersion('1.0')
    .setLicense('MIT', 'https://opensource.org/licenses/MIT')
    // the api itself, wherever it is served from (paths are absolute)
    .addServer('/')
    .addBearerAuth({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description:
        'A JWT with `sub` (the user) and optionally roles: `admin` (every job, the admin routes) or `viewer` (reads what an admin reads; any other method answers 403 READ_ONLY_ROLE)',
    })
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN, for GET /metrics only' },
      'metricsToken',
    )
    .build();
  const document = SwaggerModule.createDocument(app, config);
  const createJob = document.components?.schemas?.CreateJobRequestDto;
  if (createJob && 'properties' in createJob && createJob.properties?.jobType) {
    const jobType = createJob.properties.jobType;
    if ('description' in jobType || !('$ref' in jobType))
      jobType.description = `${jobType.description ?? ''}. Known types: ${types.join(', ')}`;
  }
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
