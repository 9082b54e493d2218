import { JobCatalogue } from '@app/handlers';
import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/auth.decorators';
import { Role } from '../auth/role';
import { JobTypeDto, JobTypeListResponseDto } from './dto/job-type.response.dto';
import { payloadSchemas } from './payload-schema';

/** The job catalogue as clients see it: what they may submit and what each payload looks like. */
@ApiTags('job-types')
@Controller('api/v1/job-types')
export class JobTypesController {
  /** Built once: the catalogue and its classes' decorators do not change while the api runs. */
  private readonly types: JobTypeDto[];

  constructor(catalogue: JobCatalogue) {
    const definitions = catalogue.types().map((name) => catalogue.find(name)!);
    const schemas = payloadSchemas(definitions);
    this.types = definitions.map((d) => ({
      name: d.type,
      description: d.description ?? null,
      payloadSchema: schemas.get(d)!,
    }));
  }

  @Get()
  @Roles(Role.User)
  @ApiOperation({
    summary: 'The job types: name, description and the JSON Schema of their payload',
  })
  @ApiOkResponse({ type: JobTypeListResponseDto })
  list(): JobTypeListResponseDto {
    return { data: this.types };
  }
}
