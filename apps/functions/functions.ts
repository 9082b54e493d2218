import * as path from 'node:path';

/** A Lambda function of this app: its deployed name and its entry point. */
export interface FunctionEntry {
  name: string;
  /** Absolute path of the module exporting `handler`. */
  entry: string;
}

const entry = (name: string): FunctionEntry => ({
  name,
  entry: path.join(__dirname, 'src', name, 'main.ts'),
});

/** Every function, by its deployed name (the names JOB_ROUTES and the CDK stack use). */
export const FUNCTIONS: readonly FunctionEntry[] = [
  entry('process-thumbnails'),
  entry('process-exports'),
  entry('process-bulk-imports'),
  entry('cleanup-jobs'),
];
