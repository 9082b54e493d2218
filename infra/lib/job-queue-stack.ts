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
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { bucketStatements } from './bucket-statements';
import { assertWithinBudget, connectionBudget, describeBudget } from './connection-budget';
import { type DatabaseChoice, JobDatabase } from './database';
import { DEFAULT_BUNDLES_DIR, FUNCTION_HANDLER, REPO_ROOT, functionCode } from './function-code';
import { JobAlarms } from './job-alarms';
import { JOB_FUNCTIONS, type JobFunctionSpec } from './job-functions';
import {
  DEPLOY_MAXIMUM_PERCENT,
  JobServices,
  type JwtChoice,
  MIGRATION_POOL_SIZE,
} from './job-services';
import { type ExistingVpc, type Network, jobQueueNetwork } from './network';

/** The specification's limits for every function. */
export const FUNCTION_TIMEOUT_SECONDS = 900;
export const FUNCTION_MEMORY_MB = 1024;
/** Connections each function instance opens (apps/functions/src/runtime: POOL_SIZE). */
export const FUNCTION_POOL_SIZE = 2;
/** superuser_reserved_connections (3) + RDS's own (2) + a few operators' sessions. */
export const ADMIN_CONNECTIONS = 10;

/**
 * The api and worker services and what they need (README "Deploy to AWS"). Every value has a
 * default; the ones a team must choose are certificateArn (or allowHttp) and, for a database or
 * VPC it already has, databaseUrlSecretArn and vpc.
 */
export interface ServicesProps {
  /** An existing VPC by ids; unset: a new two-zone VPC. */
  vpc?: ExistingVpc;
  /** NAT gateways of the new VPC (1: cheaper, one zone's outage cuts egress; 2: one per zone). */
  natGateways?: number;
  /** Default: a new RDS PostgreSQL 16 instance, db.t4g.small, max_connections 150. */
  database?: DatabaseChoice;
  /** The image of api, worker and migrations: default, built from the repository's Dockerfile. */
  image?: ecs.ContainerImage;
  /** ACM certificate ARN of the HTTPS listener. */
  certificateArn?: string;
  /** Without a certificate, serve plain HTTP on port 80 (a trial; tokens travel in clear). */
  allowHttp?: boolean;
  /** CIDR allowed to reach the load balancer. Default 0.0.0.0/0. */
  ingressCidr?: string;
  /** Default: a generated JWT_SECRET in Secrets Manager. */
  jwt?: JwtChoice;
  jwtIssuer?: string;
  jwtAudience?: string;
  apiMinTasks?: number;
  apiMaxTasks?: number;
  apiPoolSize?: number;
  workerMinTasks?: number;
  workerMaxTasks?: number;
  workerPoolSize?: number;
  workerConcurrency?: number;
  /** Messages waiting per worker task the scaling aims at. Default: workerConcurrency. */
  workerBacklogPerTask?: number;
  /**
   * Job types the worker hands to their Lambda function (JOB_ROUTES). Default: all four, but
   * thumbnail-generation only with thumbnailLayerArns (the worker's image has ffmpeg and sharp).
   */
  lambdaJobTypes?: readonly string[];
  /** Oldest-message alarm threshold, seconds. Default 600. */
  maxMessageAgeSeconds?: number;
  /** Address the alarm topic e-mails. */
  alarmEmail?: string;
}

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
  /**
   * Reserved concurrency of every function. Unset: 3 with services (counted in the connection
   * budget); none without (the account's unreserved pool).
   */
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
  /**
   * The api and worker services, the database, the VPC, scaling and alarms. `false`: the
   * resources only (queues, buckets, functions, worker policy), for processes run elsewhere;
   * the functions then read DATABASE_URL from the secret the DatabaseSecretArn parameter names.
   */
  services?: ServicesProps | false;
}

const NAME_PREFIX = /^[a-z][a-z0-9-]{0,29}$/;

function requireInt(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max} (got ${value})`);
  }
  return value;
}

/**
 * The job queue on AWS: the work queue and its dead-letter queue, the media and exports
 * buckets, the four Lambda functions with least-privilege roles, and (unless `services` is
 * false) the VPC, PostgreSQL, the api behind an HTTPS load balancer, the worker, the migration
 * task, scaling and alarms. Without services, a managed policy for a worker run elsewhere.
 * Environment-agnostic and free of context lookups, so it synthesises offline.
 */
export class JobQueueStack extends Stack {
  readonly queue: sqs.Queue;
  /** The priority lane (SQS_PRIORITY_QUEUE_URL): jobs with priority above 0 skip the backlog. */
  readonly priorityQueue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly mediaBucket: s3.Bucket;
  readonly exportBucket: s3.Bucket;
  readonly functions: ReadonlyMap<JobFunctionSpec['name'], lambda.Function>;
  /** Only without services: the policy to attach to a worker's role elsewhere. */
  readonly workerPolicy?: iam.ManagedPolicy;
  readonly network?: Network;
  readonly database?: JobDatabase;
  readonly services?: JobServices;
  readonly alarms?: JobAlarms;

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
    const services = props.services === false ? undefined : (props.services ?? {});
    const reservedConcurrency = props.reservedConcurrency ?? (services ? 3 : undefined);
    if (reservedConcurrency !== undefined) {
      requireInt('reservedConcurrency', reservedConcurrency, 0, 10_000);
    }

    let databaseUrl: string;
    let functionNetwork: Pick<lambda.FunctionProps, 'vpc' | 'vpcSubnets' | 'securityGroups'> = {};
    let functionsSecurityGroup: ec2.SecurityGroup | undefined;
    if (services) {
      this.network = jobQueueNetwork(this, services.vpc, services.natGateways ?? 1);
      this.database = new JobDatabase(
        this,
        'Database',
        services.database ?? {
          kind: 'instance',
          instanceType: 't4g.small',
          maxConnections: 150,
          multiAz: false,
          allocatedStorageGiB: 20,
        },
        this.network,
      );
      databaseUrl = this.database.functionUrl;
      // In the VPC: the database has no public address.
      functionsSecurityGroup = new ec2.SecurityGroup(this, 'FunctionsSecurityGroup', {
        vpc: this.network.vpc,
        description: 'jobqueue functions: no ingress',
      });
      this.database.allowFrom(functionsSecurityGroup, 'jobqueue functions');
      functionNetwork = {
        vpc: this.network.vpc,
        vpcSubnets: this.network.appSubnets,
        securityGroups: [functionsSecurityGroup],
      };
    } else {
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
      databaseUrl = SecretValue.secretsManager(databaseSecretArn.valueAsString).unsafeUnwrap();
    }

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
    // The priority lane: the same settings and the same DLQ (where operators look and re-drive).
    this.priorityQueue = new sqs.Queue(this, 'PriorityQueue', {
      queueName: `${prefix}-episode-jobs-priority`,
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
      DATABASE_URL: databaseUrl,
      S3_REGION: Aws.REGION,
      EXPORT_BUCKET: this.exportBucket.bucketName,
      MEDIA_BUCKET: this.mediaBucket.bucketName,
      NODE_OPTIONS: '--enable-source-maps',
      // Node 20+ runtimes load Amazon's CAs (RDS's among them) only when told to.
      ...(services ? { NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem' } : {}),
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
              SQS_PRIORITY_QUEUE_URL: this.priorityQueue.queueUrl,
              SQS_DLQ_URL: this.deadLetterQueue.queueUrl,
            }
          : environment,
        reservedConcurrentExecutions: reservedConcurrency,
        ...functionNetwork,
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

    if (!services) {
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
            resources: [
              this.queue.queueArn,
              this.priorityQueue.queueArn,
              this.deadLetterQueue.queueArn,
            ],
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
    }

    const outputs: Record<string, { value: string; description: string }> = {
      QueueUrl: { value: this.queue.queueUrl, description: 'SQS_QUEUE_URL of the api and worker' },
      PriorityQueueUrl: {
        value: this.priorityQueue.queueUrl,
        description: 'SQS_PRIORITY_QUEUE_URL of the api and worker',
      },
      DeadLetterQueueUrl: {
        value: this.deadLetterQueue.queueUrl,
        description: 'SQS_DLQ_URL of the api and worker',
      },
      MediaBucketName: {
        value: this.mediaBucket.bucketName,
        description: 'Bucket for video sources, thumbnails and import manifests',
      },
      ExportBucketName: { value: this.exportBucket.bucketName, description: 'EXPORT_BUCKET' },
    };
    if (this.workerPolicy) {
      outputs.WorkerPolicyArn = {
        value: this.workerPolicy.managedPolicyArn,
        description: "Attach to the worker's role (ECS task role, EC2 instance role, ...)",
      };
      outputs.WorkerJobRoutes = {
        value: JOB_FUNCTIONS.map(
          (spec) => `${spec.jobType}:lambda:${functions.get(spec.name)!.functionName}`,
        ).join(','),
        description: 'JOB_ROUTES value that runs every job type on its Lambda function',
      };
    }
    if (services) {
      const added = this.addServices(services, prefix, reservedConcurrency ?? 0, props);
      this.services = added.services;
      this.alarms = added.alarms;
      Object.assign(outputs, added.outputs);
    }
    for (const [outputId, output] of Object.entries(outputs)) {
      new CfnOutput(this, outputId, output);
    }
  }

  private addServices(
    services: ServicesProps,
    prefix: string,
    reservedConcurrency: number,
    props: JobQueueStackProps,
  ): {
    services: JobServices;
    alarms: JobAlarms;
    outputs: Record<string, { value: string; description: string }>;
  } {
    const network = this.network!;
    const database = this.database!;
    const int = (
      name: string,
      value: number | undefined,
      fallback: number,
      min: number,
      max: number,
    ) => requireInt(name, value ?? fallback, min, max);
    // The worker runs the sweeper, the outbox relay and the clean-up schedule besides the queue:
    // it never scales to zero.
    const worker = {
      min: int('workerMinTasks', services.workerMinTasks, 1, 1, 1000),
      max: int('workerMaxTasks', services.workerMaxTasks, 4, 1, 1000),
      poolSize: int('workerPoolSize', services.workerPoolSize, 10, 1, 200),
      concurrency: int('workerConcurrency', services.workerConcurrency, 50, 1, 10_000),
      cpu: 1024,
      memoryMiB: 2048,
      backlogPerTask: 0,
    };
    worker.backlogPerTask = int(
      'workerBacklogPerTask',
      services.workerBacklogPerTask,
      worker.concurrency,
      1,
      100_000,
    );
    const api = {
      min: int('apiMinTasks', services.apiMinTasks, 2, 1, 1000),
      max: int('apiMaxTasks', services.apiMaxTasks, 4, 1, 1000),
      poolSize: int('apiPoolSize', services.apiPoolSize, 4, 1, 200),
      cpu: 512,
      memoryMiB: 1024,
    };
    for (const [name, range] of [
      ['api', api],
      ['worker', worker],
    ] as const) {
      if (range.min > range.max) {
        throw new Error(
          `${name}MinTasks (${range.min}) must not exceed ${name}MaxTasks (${range.max})`,
        );
      }
    }

    const budget = connectionBudget({
      apiPoolSize: api.poolSize,
      apiMaxTasks: api.max,
      workerPoolSize: worker.poolSize,
      workerMaxTasks: worker.max,
      functionConcurrency: JOB_FUNCTIONS.map(() => reservedConcurrency),
      functionPoolSize: FUNCTION_POOL_SIZE,
      migrationPoolSize: MIGRATION_POOL_SIZE,
      adminReserve: ADMIN_CONNECTIONS,
      deploySurge: DEPLOY_MAXIMUM_PERCENT / 100,
      maxConnections: database.maxConnections,
    });
    assertWithinBudget(budget);

    const known = new Set(JOB_FUNCTIONS.map((spec) => spec.jobType));
    const hasLayers = (props.thumbnailLayerArns ?? []).length > 0;
    const lambdaJobTypes = new Set(
      services.lambdaJobTypes ??
        JOB_FUNCTIONS.filter((spec) => !spec.needsMediaLayers || hasLayers).map((s) => s.jobType),
    );
    for (const type of lambdaJobTypes) {
      if (!known.has(type)) {
        throw new Error(`lambdaJobTypes: "${type}" is not one of ${[...known].join(', ')}`);
      }
    }

    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    const jobServices = new JobServices(this, 'Services', {
      prefix,
      network,
      database,
      queue: this.queue,
      priorityQueue: this.priorityQueue,
      deadLetterQueue: this.deadLetterQueue,
      mediaBucket: this.mediaBucket,
      exportBucket: this.exportBucket,
      functions: this.functions,
      lambdaJobTypes,
      image:
        services.image ??
        ecs.ContainerImage.fromAsset(REPO_ROOT, { platform: Platform.LINUX_AMD64 }),
      certificateArn: services.certificateArn,
      allowHttp: services.allowHttp ?? false,
      ingressCidr: services.ingressCidr ?? '0.0.0.0/0',
      jwt: services.jwt ?? { kind: 'generated-secret' },
      jwtIssuer: services.jwtIssuer,
      jwtAudience: services.jwtAudience,
      api,
      worker,
      apiCpuTarget: 60,
      apiRequestsPerTarget: 3000,
      logRetention,
    });
    const alarms = new JobAlarms(this, 'Alarms', {
      prefix,
      queue: this.queue,
      deadLetterQueue: this.deadLetterQueue,
      cluster: jobServices.cluster,
      worker: jobServices.worker,
      loadBalancer: jobServices.loadBalancer,
      targetGroup: jobServices.targetGroup,
      maxMessageAgeSeconds: int(
        'maxMessageAgeSeconds',
        services.maxMessageAgeSeconds,
        600,
        60,
        1_209_600,
      ),
      max5xxPerPeriod: 10,
      alarmEmail: services.alarmEmail,
    });

    const scheme = services.certificateArn ? 'https' : 'http';
    const outputs = {
      ApiUrl: {
        value: `${scheme}://${jobServices.loadBalancer.loadBalancerDnsName}`,
        description: 'The api behind the load balancer (point your DNS name at it; /docs, /health)',
      },
      ClusterName: {
        value: jobServices.cluster.clusterName,
        description: 'ECS cluster of api and worker',
      },
      AlarmTopicArn: { value: alarms.topic.topicArn, description: 'SNS topic of every alarm' },
      ...(jobServices.jwtSecret
        ? {
            JwtSecretArn: {
              value: jobServices.jwtSecret.secretArn,
              description: 'JWT_SECRET the api checks HS256 tokens with (mint tokens with it)',
            },
          }
        : {}),
      ...(database.instance
        ? {
            DatabaseSecretArn: {
              value: database.instance.secret!.secretArn,
              description: 'Generated credentials of the PostgreSQL instance',
            },
          }
        : {}),
      ConnectionBudget: {
        value: describeBudget(budget),
        description: 'PostgreSQL connections at peak',
      },
      WorkerJobRoutes: {
        value: JOB_FUNCTIONS.filter((spec) => lambdaJobTypes.has(spec.jobType))
          .map((spec) => `${spec.jobType}:lambda:${this.functions.get(spec.name)!.functionName}`)
          .join(','),
        description: "The worker's JOB_ROUTES: types run on Lambda (the others run in the worker)",
      },
    };
    return { services: jobServices, alarms, outputs };
  }
}
