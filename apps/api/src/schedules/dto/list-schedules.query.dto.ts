import { PickType } from '@nestjs/swagger';
import { ListJobsQueryDto } from '../../jobs/dto/list-jobs.query.dto';

/** `page` (1-10000) and `limit` (1-100, default 20), as for jobs. */
export class ListSchedulesQueryDto extends PickType(ListJobsQueryDto, ['page', 'limit'] as const) {}
