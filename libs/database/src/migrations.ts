import { CreateJobTables1764300000000 } from './migrations/1764300000000-create-job-tables';
import { AddIdempotencyFingerprint1764300001000 } from './migrations/1764300001000-add-idempotency-fingerprint';
import { CreateWorkerHeartbeats1764300002000 } from './migrations/1764300002000-create-worker-heartbeats';
import { CreateLambdaExecutions1764300005000 } from './migrations/1764300005000-create-lambda-executions';
import { AddFaultToleranceColumns1764300006000 } from './migrations/1764300006000-add-fault-tolerance-columns';
import { LeanJobTransitions1764300007000 } from './migrations/1764300007000-lean-job-transitions';
import { AddJobSearchIndexes1764300008000 } from './migrations/1764300008000-add-job-search-indexes';
import { AddClaimId1764300009000 } from './migrations/1764300009000-add-claim-id';
import { AddJobEvents1764300010000 } from './migrations/1764300010000-add-job-events';
import { AddJobTraceParent1764300011000 } from './migrations/1764300011000-add-job-trace-parent';
import { CreateSchedules1764300012000 } from './migrations/1764300012000-create-schedules';
import { AddJobTiming1764300013000 } from './migrations/1764300013000-add-job-timing';
import { AddJobTypeStates1764300014000 } from './migrations/1764300014000-add-job-type-states';
import { AddJobDependencies1764300015000 } from './migrations/1764300015000-add-job-dependencies';
import { AddJobTypeRateLimits1764300016000 } from './migrations/1764300016000-add-job-type-rate-limits';
import { AddJobPriority1764300017000 } from './migrations/1764300017000-add-job-priority';
import { AddFairShares1764300018000 } from './migrations/1764300018000-add-fair-shares';

/** Every migration, oldest first, listed by hand (no globbing: bundles and tests see the same list). */
export const MIGRATIONS = [
  CreateJobTables1764300000000,
  AddIdempotencyFingerprint1764300001000,
  CreateWorkerHeartbeats1764300002000,
  CreateLambdaExecutions1764300005000,
  AddFaultToleranceColumns1764300006000,
  LeanJobTransitions1764300007000,
  AddJobSearchIndexes1764300008000,
  AddClaimId1764300009000,
  AddJobEvents1764300010000,
  AddJobTraceParent1764300011000,
  CreateSchedules1764300012000,
  AddJobTiming1764300013000,
  AddJobTypeStates1764300014000,
  AddJobDependencies1764300015000,
  AddJobTypeRateLimits1764300016000,
  AddJobPriority1764300017000,
  AddFairShares1764300018000,
];
