import { Module } from '@nestjs/common';
import { UploadsController } from './uploads.controller';
import { UploadsService } from './uploads.service';

/** POST /api/v1/uploads: presigned uploads into the caller's space (no AWS credentials on clients). */
@Module({
  controllers: [UploadsController],
  providers: [UploadsService],
})
export class UploadsModule {}
