import { bulkImport } from './bulk-import/bulk-import.handler';
import { cleanupJobs } from './cleanup-jobs/cleanup-jobs.handler';
import { echo } from './echo/echo.handler';
import { exportJobs } from './export/export-jobs.handler';
import { JobCatalogue } from './job-catalogue';
import { thumbnailGeneration } from './thumbnail-generation/thumbnail-generation.handler';

/**
 * Every job type of the service. The worker runs these (in-process or as Lambda functions, per
 * JOB_ROUTES), the api accepts jobs of these, and bulk imports may create children of these.
 * A new job type is its handler file and one line here.
 */
export const JOB_CATALOGUE = new JobCatalogue([
  echo,
  thumbnailGeneration,
  exportJobs,
  bulkImport,
  cleanupJobs,
]);
