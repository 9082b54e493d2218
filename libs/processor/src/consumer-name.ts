/** Name of the SQS consumer that feeds the JobProcessor (@ssut/nestjs-sqs registration). */
export const JOBS_CONSUMER = 'jobs';
