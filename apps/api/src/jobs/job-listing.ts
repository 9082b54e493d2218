import { type JobKeyset, JobsService, type ListJobsFilter } from '@app/jobs';
import { Injectable } from '@nestjs/common';
import { type AuthUser, seesAllJobs } from '../auth/role';
import { RequestValidationError } from '../errors/request-validation.error';
import type { JobListResponseDto } from './dto/job-list.response.dto';
import type { ListJobsQueryDto } from './dto/list-jobs.query.dto';
import { decodeCursor, encodeCursor } from './job-cursor';
import { toSummary } from './job.presenter';
import { parsePayloadFilter } from './payload-filter';

/**
 * GET /api/v1/jobs: the query's filters as the list's, scoped to the caller. A plain user's list
 * is always their own (`userId` narrows it further, so another user's id finds nothing); admins
 * and viewers see every user's unless they name one.
 */
@Injectable()
export class JobListing {
  constructor(private readonly jobs: JobsService) {}

  async list(user: AuthUser, query: ListJobsQueryDto): Promise<JobListResponseDto> {
    const filter = this.filterOf(user, query);
    const othersOnly = !seesAllJobs(user) && query.userId !== undefined && query.userId !== user.id;
    const found = othersOnly ? { items: [], total: 0, next: null } : await this.jobs.list(filter);
    const cursor = found.next && encodeCursor(found.next);
    return {
      data: found.items.map(toSummary),
      // the specification's shape, unless the caller pages by cursor
      pagination:
        query.after !== undefined
          ? { limit: filter.limit, cursor }
          : { page: filter.page, limit: filter.limit, total: found.total ?? 0 },
    };
  }

  private filterOf(user: AuthUser, q: ListJobsQueryDto): ListJobsFilter {
    if (q.after !== undefined && q.page !== undefined)
      throw new RequestValidationError([
        {
          field: 'page',
          message: 'page and after cannot be combined: page by offset or by cursor',
        },
        {
          field: 'after',
          message: 'page and after cannot be combined: page by offset or by cursor',
        },
      ]);
    return {
      ...this.times(q),
      userId: seesAllJobs(user) ? q.userId : user.id,
      status: q.status,
      jobType: q.jobType,
      parentId: q.parentId,
      priority: q.priority,
      payload: q.payload === undefined ? undefined : parsePayloadFilter(q.payload),
      sort: q.sort,
      limit: q.limit,
      // `after=` (empty) starts paging by cursor from the first row
      ...(q.after === undefined
        ? { page: q.page ?? 1 }
        : q.after === ''
          ? {}
          : { after: this.keyset(q.after, q) }),
    };
  }

  private keyset(after: string, q: ListJobsQueryDto): JobKeyset {
    const keyset = decodeCursor(after, q.sort);
    if (typeof keyset === 'string')
      throw new RequestValidationError([{ field: 'after', message: keyset }]);
    return keyset;
  }

  /** The time ranges as dates; a range whose end is not after its start is a 400 naming it. */
  private times(
    q: ListJobsQueryDto,
  ): Pick<ListJobsFilter, 'createdFrom' | 'createdTo' | 'finishedFrom' | 'finishedTo'> {
    const at = (s?: string) => (s === undefined ? undefined : new Date(s));
    const range = {
      createdFrom: at(q.createdFrom),
      createdTo: at(q.createdTo),
      finishedFrom: at(q.finishedFrom),
      finishedTo: at(q.finishedTo),
    };
    for (const [from, to] of [
      ['createdFrom', 'createdTo'],
      ['finishedFrom', 'finishedTo'],
    ] as const) {
      const start = range[from];
      const end = range[to];
      if (start && end && end <= start)
        throw new RequestValidationError([
          { field: to, message: `${to} must be later than ${from}` },
        ]);
    }
    return range;
  }
}
