import { App } from 'aws-cdk-lib';
import { propsFromContext } from '../lib/context-props';
import { JobQueueStack } from '../lib/job-queue-stack';

const app = new App();
// No `env`: the stack is environment-agnostic and makes no lookups, so synth needs no AWS account.
new JobQueueStack(app, 'JobQueueStack', {
  description:
    'jobqueue: SQS queue and DLQ, media and exports buckets, four Lambda functions, worker policy',
  ...propsFromContext((key) => app.node.tryGetContext(key)),
});
app.synth();
