import {
  Annotations,
  Aws,
  CfnOutput,
  CfnParameter,
  Duration,
  SecretValue,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { DEFAULT_BUNDLES_DIR, FUNCTION_HANDLER, functionCode } from './function-code';
import { type BucketAccess, JOB_FUNCTIONS, type JobFunctionSpec } from './job-functions';

/** The specification's limits for every function. */
export const FUNCTION_TIMEOUT_SECONDS = 900;
export const FUNCTION_MEMORY_MB = 1024;

export interface JobQueueStackProps extends StackProps {
  /** Prefix of the physical names (queues, functions, log groups). Default `jobqueue`. */
  namePrefix?: string;
  /** Receives of one message before SQS moves it to the DLQ. Default 5. */
  maxReceiveCount?: number;
  /** Seconds the queue's visibility timeout adds on top of the 900 s function timeout. Default 120. */
  visibilityMarginSeconds?: number;
  /** Days an export file is kept before S3 deletes it. Default 7. */
  exportExpirationDays?: number;
  /** Retention of each function's log group. Default one month. */
  logRetention?: logs.RetentionDays;
  /** Reserved concurrency of every function; unset: the account's unreserved pool. */
  reservedConcurrency?: number;
  /**
   * Instruction set of the functions. Default x86_64: the bundles carry native code (sharp's
   * prebuilt libvips, an ffmpeg layer) installed on the x86_64 build machine.
   */
  architecture?: 'x86_64' | 'arm64';
  /**
   * Node.js runtime of the functions. Default nodejs22.x (within the service's `engines`,
   * `<23`; the bundles target Node 20 syntax, which 22 runs): AWS deprecated nodejs20.x on
   * 2026-04-30 and blocks creating functions on it from 2027-02-01.
   */
  runtime?: 'nodejs20.x' | 'nodejs22.x';
  /**
   * Lambda layers of process-thumbnails: ffmpeg (a binary at /opt/bin/ffmpeg) and sharp (the
   * bundles leave it out: native libvips), built for `architecture`.
   */
  thumbnailLayerArns?: readonly string[];
  /** Folder holding one built bundle per function. Default `<repo>/dist/functions`. */
  bundlesDir?: string;
  /** Use an inline placeholder for a missing bundle instead of failing (offline synth, tests). */
  stubMissingBundles?: boolean;
}

const NAME_PREFIX = /^[a-z][a-z0-9-]{0,29}$/;

function requireInt(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max} (got ${value})`);
  }
  return value;
}

/**
 * Everything the job queue needs in AWS besides the api and worker processes themselves: the
 * work queue and its dead-letter queue, the media and exports buckets, the four Lambda
 * functions with least-privilege roles, and the managed policy the worker's role attaches.
 * Environment-agnostic and free of context lookups, so it synthesises offline.
 */
export class JobQueueStack extends Stack {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly mediaBucket: s3.Bucket;
  readonly exportBucket: s3.Bucket;
  readonly functions: ReadonlyMap<JobFunctionSpec['name'], lambda.Function>;
  readonly workerPolicy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: JobQueueStackProps = {}) {
    super(scope, id, props);
    const prefix = props.namePrefix ?? 'jobqueue';
    if (!NAME_PREFIX.test(prefix)) {
      throw new Error(`namePrefix must match ${String(NAME_PREFIX)} (got "${prefix}")`);
    }
    const maxReceiveCount = requireInt('maxReceiveCount', props.maxReceiveCount ?? 5, 1, 1000);
    const margin = requireInt(
      'visibilityMarginSeconds',
      props.visibilityMarginSeconds ?? 120,
      0,
      42_300,
    );
    const exportDays = requireInt('exportExpirationDays', props.exportExpirationDays ?? 7, 1, 3650);
    if (props.reservedConcurrency !== undefined) {
      requireInt('reservedConcurrency', props.reservedConcurrency, 0, 10_000);
    }

    const databaseSecretArn = new CfnParameter(this, 'DatabaseSecretArn', {
      type: 'String',
      description:
        'ARN of the Secrets Manager secret whose SecretString is the PostgreSQL URL (postgres://user:pass@host:5432/db)',
      allowedPattern: '^arn:aws[a-z-]*:secretsmanager:.+$',
    });
    Validations.of(this).acknowledge({
      id: 'CloudFormation-Validate::W2509',
      reason: 'An ARN that names the secret, not the secret itself: NoEcho would only hide it',
    });

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      queueName: `${prefix}-episode-jobs-dlq`,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      retentionPeriod: Duration.days(14),
      enforceSSL: true,
    });
    // The worker deletes a message as soon as it has claimed the job, so the timeout only
    // matters when a worker dies between receive and claim; it still outlasts a function run.
    this.queue = new sqs.Queue(this, 'Queue', {
      queueName: `${prefix}-episode-jobs-queue`,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      visibilityTimeout: Duration.seconds(FUNCTION_TIMEOUT_SECONDS + margin),
      retentionPeriod: Duration.days(4),
      enforceSSL: true,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount },
    });

    const privateBucket: s3.BucketProps = {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    };
    this.mediaBucket = new s3.Bucket(this, 'MediaBucket', {
      ...privateBucket,
      lifecycleRules: [
        { id: 'abort-stale-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });
    this.exportBucket = new s3.Bucket(this, 'ExportBucket', {
      ...privateBucket,
      lifecycleRules: [
        {
          id: 'expire-exports',
          expiration: Duration.days(exportDays),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });

    const mediaLayers = (props.thumbnailLayerArns ?? []).map((arn, i) =>
      lambda.LayerVersion.fromLayerVersionArn(this, `ThumbnailLayer${i}`, arn),
    );
    const runtime =
      props.runtime === 'nodejs20.x' ? lambda.Runtime.NODEJS_20_X : lambda.Runtime.NODEJS_22_X;
    const architecture =
      props.architecture === 'arm64' ? lambda.Architecture.ARM_64 : lambda.Architecture.X86_64;
    const environment = {
      // Resolved by CloudFormation at deploy time; the functions never read the secret themselves.
      DATABASE_URL: SecretValue.secretsManager(databaseSecretArn.valueAsString).unsafeUnwrap(),
      S3_REGION: Aws.REGION,
      EXPORT_BUCKET: this.exportBucket.bucketName,
      NODE_OPTIONS: '--enable-source-maps',
    };

    const functions = new Map<JobFunctionSpec['name'], lambda.Function>();
    for (const spec of JOB_FUNCTIONS) {
      const functionName = `${prefix}-${spec.name}`;
      const logGroup = new logs.LogGroup(this, `${spec.id}Logs`, {
        logGroupName: `/aws/lambda/${functionName}`,
        retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      });
      const role = new iam.Role(this, `${spec.id}Role`, {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description: `Runs ${functionName}: its log group and the S3 access it needs, nothing else`,
      });
      role.addToPolicy(
        new iam.PolicyStatement({
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [logGroup.logGroupArn],
        }),
      );
      for (const statement of [
        ...bucketStatements(this.mediaBucket, spec.media),
        ...bucketStatements(this.exportBucket, spec.exports),
      ]) {
        role.addToPolicy(statement);
      }

      const code = functionCode(
        spec.name,
        props.bundlesDir ?? DEFAULT_BUNDLES_DIR,
        props.stubMissingBundles ?? false,
      );
      const fn = new lambda.Function(this, spec.id, {
        functionName,
        description: `jobqueue ${spec.jobType} handler`,
        runtime,
        architecture,
        handler: FUNCTION_HANDLER,
        code: code.code,
        timeout: Duration.seconds(FUNCTION_TIMEOUT_SECONDS),
        memorySize: FUNCTION_MEMORY_MB,
        role,
        logGroup,
        environment: spec.createsJobs
          ? {
              ...environment,
              SQS_QUEUE_URL: this.queue.queueUrl,
              SQS_DLQ_URL: this.deadLetterQueue.queueUrl,
            }
          : environment,
        reservedConcurrentExecutions: props.reservedConcurrency,
        // An Event invocation that fails must not be run again by Lambda behind the job's back:
        // the job's own retries (backoff, max_retries, DLQ) are the only ones.
        retryAttempts: 0,
        layers: spec.needsMediaLayers && mediaLayers.length > 0 ? mediaLayers : undefined,
      });
      if (code.kind === 'stub') {
        Annotations.of(fn).addWarningV2(
          'jobqueue:stub-code',
          `No bundle at ${code.missingPath}: ${functionName} gets placeholder code that fails every invocation. Run \`npm run build:functions\` before deploying.`,
        );
      }
      if (spec.needsMediaLayers && mediaLayers.length === 0) {
        Annotations.of(fn).addWarningV2(
          'jobqueue:no-media-layers',
          `${functionName} needs ffmpeg and sharp: pass -c thumbnailLayerArns=<ffmpeg layer ARN>,<sharp layer ARN> (README "Infrastructure").`,
        );
      }
      functions.set(spec.name, fn);
      new CfnOutput(this, `${spec.id}FunctionName`, {
        description: `Lambda function running ${spec.jobType} jobs`,
        value: fn.functionName,
      });
    }
    this.functions = functions;

    this.workerPolicy = new iam.ManagedPolicy(this, 'WorkerPolicy', {
      description:
        'What the jobqueue worker may do: its queues, the four functions, the two buckets',
      statements: [
        new iam.PolicyStatement({
          sid: 'Queues',
          actions: [
            'sqs:ReceiveMessage',
            'sqs:DeleteMessage',
            'sqs:ChangeMessageVisibility',
            'sqs:SendMessage',
            'sqs:GetQueueAttributes',
            'sqs:GetQueueUrl',
          ],
          resources: [this.queue.queueArn, this.deadLetterQueue.queueArn],
        }),
        new iam.PolicyStatement({
          sid: 'InvokeJobFunctions',
          actions: ['lambda:InvokeFunction'],
          resources: [...functions.values()].map((fn) => fn.functionArn),
        }),
        // Job types the routes keep in-process need what their function would have had.
        ...bucketStatements(this.mediaBucket, { read: true, write: true, list: true }),
        ...bucketStatements(this.exportBucket, { read: true, write: true, list: true }),
      ],
    });

    const outputs: Record<string, { value: string; description: string }> = {
      QueueUrl: { value: this.queue.queueUrl, description: 'SQS_QUEUE_URL of the api and worker' },
      DeadLetterQueueUrl: {
        value: this.deadLetterQueue.queueUrl,
        description: 'SQS_DLQ_URL of the api and worker',
      },
      MediaBucketName: {
        value: this.mediaBucket.bucketName,
        description: 'Bucket for video sources, thumbnails and import manifests',
      },
      ExportBucketName: { value: this.exportBucket.bucketName, description: 'EXPORT_BUCKET' },
      WorkerPolicyArn: {
        value: this.workerPolicy.managedPolicyArn,
        description: "Attach to the worker's role (ECS task role, EC2 instance role, ...)",
      },
      WorkerJobRoutes: {
        value: JOB_FUNCTIONS.map(
          (spec) => `${spec.jobType}:lambda:${functions.get(spec.name)!.functionName}`,
        ).join(','),
        description: 'JOB_ROUTES value that runs every job type on its Lambda function',
      },
    };
    for (const [outputId, output] of Object.entries(outputs)) {
      new CfnOutput(this, outputId, output);
    }
  }
}

/** Explicit S3 actions (no wildcards) on one bucket for one kind of access. */
function bucketStatements(bucket: s3.IBucket, access: BucketAccess): iam.PolicyStatement[] {
  const objectActions = [
    ...(access.read ? ['s3:GetObject'] : []),
    ...(access.write ? ['s3:PutObject', 's3:AbortMultipartUpload'] : []),
  ];
  const statements: iam.PolicyStatement[] = [];
  if (objectActions.length > 0) {
    statements.push(
      new iam.PolicyStatement({
        actions: objectActions,
        resources: [bucket.arnForObjects('*')],
      }),
    );
  }
  if (access.list) {
    statements.push(
      new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }),
    );
  }
  return statements;
}
