import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles } from '../auth/auth.decorators';
import { type AuthUser, Role } from '../auth/role';
import { ApiErrorResponses } from '../errors/api-error-responses.decorator';
import { CreateUploadRequestDto } from './dto/create-upload.request.dto';
import { UploadResponseDto } from './dto/upload.response.dto';
import { UploadsService } from './uploads.service';

@ApiTags('uploads')
@Controller('api/v1/uploads')
export class UploadsController {
  constructor(private readonly uploads: UploadsService) {}

  @Post()
  @HttpCode(HttpStatus.CREATED)
  @Roles(Role.User)
  @ApiOperation({
    summary:
      "A presigned PUT URL into the caller's own space of the media bucket (for a video or a manifest), valid UPLOAD_URL_TTL_SECONDS; its s3Url goes into a job's payload",
  })
  @ApiCreatedResponse({ type: UploadResponseDto })
  @ApiErrorResponses(400, 429)
  create(@CurrentUser() user: AuthUser, @Body() dto: CreateUploadRequestDto) {
    return this.uploads.create(user, dto);
  }
}
