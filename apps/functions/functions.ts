import * as path from 'node:path';

/** A Lambda function of this app: its deployed name, the job type it runs and its entry point. */
export interface FunctionEntry {
  name: string;
  /** The wire name of its job type (JOB_ROUTES: `<jobType>:lambda:<name>`). */
  jobType: string;
  /** Absolute path of the module exporting `handler`. */
  entry: string;
}

const entry = (name: string, jobType: string): FunctionEntry => ({
  name,
  jobType,
  entry: path.join(__dirname, 'src', name, 'main.ts'),
});

/** Every function, by its deployed name (the names JOB_ROUTES and the CDK stack use). */
export const FUNCTIONS: readonly FunctionEntry[] = [
  entry('process-thumbnails', 'thumbnail-generation'),
  entry('process-exports', 'export'),
  entry('process-bulk-imports', 'bulk-import'),
  entry('cleanup-jobs', 'cleanup-jobs'),
];
