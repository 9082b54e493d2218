import { Aws, Duration } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { bucketStatements } from './bucket-statements';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { JobDatabase } from './database';
import { type BucketAccess, JOB_FUNCTIONS, type JobFunctionSpec } from './job-functions';
import { MigrationRunner } from './migration-runner';
import type { Network } from './network';

export const API_PORT = 3000;
export const WORKER_HEALTH_PORT = 3001;
/** ECS rolls a service by starting new tasks before stopping old ones, up to twice the count. */
export const DEPLOY_MAXIMUM_PERCENT = 200;
/** Pool of the migration task: TypeORM migrates on one connection. */
export const MIGRATION_POOL_SIZE = 2;
/** CA bundle of RDS inside the image (Dockerfile), so the tasks verify the database's certificate. */
export const RDS_CA_BUNDLE = '/app/certs/rds-global-bundle.pem';

/** How the api checks tokens: a signing secret in Secrets Manager, or an identity provider's JWKS. */
export type JwtChoice =
  | { kind: 'generated-secret' }
  | { kind: 'secret'; secretArn: string }
  | { kind: 'jwks'; jwksUrl: string };

export interface ScalingRange {
  min: number;
  max: number;
}

export interface JobServicesProps {
  prefix: string;
  network: Network;
  database: JobDatabase;
  queue: sqs.IQueue;
  priorityQueue: sqs.IQueue;
  deadLetterQueue: sqs.IQueue;
  mediaBucket: s3.IBucket;
  exportBucket: s3.IBucket;
  functions: ReadonlyMap<JobFunctionSpec['name'], lambda.IFunction>;
  /** Job types the worker hands to their function; the others run inside the worker. */
  lambdaJobTypes: ReadonlySet<string>;
  image: ecs.ContainerImage;
  /** ACM certificate of the HTTPS listener; undefined only with allowHttp. */
  certificateArn?: string;
  allowHttp: boolean;
  /** Who may reach the load balancer. */
  ingressCidr: string;
  jwt: JwtChoice;
  jwtIssuer?: string;
  jwtAudience?: string;
  api: ScalingRange & { poolSize: number; cpu: number; memoryMiB: number };
  worker: ScalingRange & {
    poolSize: number;
    cpu: number;
    memoryMiB: number;
    concurrency: number;
    /** Messages waiting per running task that the scaling policy aims at. */
    backlogPerTask: number;
  };
  /** Target of the api's CPU scaling, percent. */
  apiCpuTarget: number;
  /** Target of the api's request scaling: requests per task per minute. */
  apiRequestsPerTarget: number;
  logRetention: logs.RetentionDays;
}

/**
 * The api and the worker as Fargate services from the repository's image, the migration task
 * that runs before they roll, and the scaling that follows the work: the worker on SQS backlog
 * per running task, the api on CPU and requests per target.
 */
export class JobServices extends Construct {
  readonly cluster: ecs.Cluster;
  readonly api: ecs.FargateService;
  readonly worker: ecs.FargateService;
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly targetGroup: elbv2.ApplicationTargetGroup;
  readonly migrationTask: ecs.FargateTaskDefinition;
  readonly migrations: MigrationRunner;
  readonly apiSecurityGroup: ec2.SecurityGroup;
  readonly workerSecurityGroup: ec2.SecurityGroup;
  readonly workerBacklogPolicy: appscaling.CfnScalingPolicy;
  readonly jwtSecret?: secretsmanager.ISecret;

  constructor(scope: Construct, id: string, props: JobServicesProps) {
    super(scope, id);
    const { network, database } = props;

    // Container Insights publishes RunningTaskCount, the divisor of the worker's backlog per task.
    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: network.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });

    const common: Record<string, string> = {
      ...database.ecsEnvironment,
      NODE_EXTRA_CA_CERTS: RDS_CA_BUNDLE,
      DATABASE_RUN_MIGRATIONS: 'false',
      SQS_QUEUE_URL: props.queue.queueUrl,
      SQS_PRIORITY_QUEUE_URL: props.priorityQueue.queueUrl,
      SQS_DLQ_URL: props.deadLetterQueue.queueUrl,
      AWS_REGION: Aws.REGION,
      S3_REGION: Aws.REGION,
      LAMBDA_REGION: Aws.REGION,
      EXPORT_BUCKET: props.exportBucket.bucketName,
      MEDIA_BUCKET: props.mediaBucket.bucketName,
      LOG_LEVEL: 'info',
    };

    // ---- the api ----------------------------------------------------------------------------
    const jwtSecrets: Record<string, ecs.Secret> = {};
    const jwtEnvironment: Record<string, string> = {};
    if (props.jwt.kind === 'jwks') {
      jwtEnvironment.JWT_JWKS_URL = props.jwt.jwksUrl;
    } else {
      this.jwtSecret =
        props.jwt.kind === 'secret'
          ? secretsmanager.Secret.fromSecretCompleteArn(this, 'JwtSecret', props.jwt.secretArn)
          : new secretsmanager.Secret(this, 'JwtSecret', {
              description: 'jobqueue: JWT_SECRET, the HS256 key the api checks tokens with',
              generateSecretString: { passwordLength: 64, excludePunctuation: true },
            });
      jwtSecrets.JWT_SECRET = ecs.Secret.fromSecretsManager(this.jwtSecret);
    }
    if (props.jwtIssuer) jwtEnvironment.JWT_ISSUER = props.jwtIssuer;
    if (props.jwtAudience) jwtEnvironment.JWT_AUDIENCE = props.jwtAudience;

    const apiTask = new ecs.FargateTaskDefinition(this, 'ApiTask', {
      cpu: props.api.cpu,
      memoryLimitMiB: props.api.memoryMiB,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.X86_64 },
    });
    apiTask.addContainer('api', {
      image: props.image,
      command: ['node', '--enable-source-maps', 'dist/apps/api/apps/api/src/main.js'],
      environment: {
        ...common,
        ...jwtEnvironment,
        PORT: String(API_PORT),
        DATABASE_POOL_SIZE: String(props.api.poolSize),
        // The load balancer's check must not tie the api's life to the workers' (a worker outage
        // would take the api down with it): worker presence has its own alarm instead.
        HEALTH_WORKER_MAX_AGE_MS: '0',
      },
      secrets: { ...database.ecsSecrets, ...jwtSecrets },
      portMappings: [{ containerPort: API_PORT }],
      logging: this.logDriver('Api', props),
      stopTimeout: Duration.seconds(30),
    });
    for (const queue of [props.queue, props.priorityQueue])
      grantQueueActions(apiTask.taskRole, queue, ['sqs:SendMessage', 'sqs:GetQueueAttributes']);
    // POST /api/v1/uploads presigns PUTs into users' spaces: the PUT runs with this role's rights.
    apiTask.taskRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:PutObject'],
        resources: [props.mediaBucket.arnForObjects('users/*')],
      }),
    );
    // Re-driving the DLQ reads the DLQ, deletes the re-driven messages and releases the others.
    grantQueueActions(apiTask.taskRole, props.deadLetterQueue, [
      'sqs:GetQueueAttributes',
      'sqs:ReceiveMessage',
      'sqs:DeleteMessage',
      'sqs:ChangeMessageVisibility',
    ]);

    this.apiSecurityGroup = new ec2.SecurityGroup(this, 'ApiSecurityGroup', {
      vpc: network.vpc,
      description: 'jobqueue api tasks: reachable from the load balancer only',
    });
    this.api = new ecs.FargateService(this, 'Api', {
      cluster: this.cluster,
      taskDefinition: apiTask,
      desiredCount: props.api.min,
      vpcSubnets: network.appSubnets,
      securityGroups: [this.apiSecurityGroup],
      assignPublicIp: false,
      minHealthyPercent: 100,
      maxHealthyPercent: DEPLOY_MAXIMUM_PERCENT,
      circuitBreaker: { enable: true, rollback: true },
      healthCheckGracePeriod: Duration.seconds(60),
    });

    const lbSecurityGroup = new ec2.SecurityGroup(this, 'LoadBalancerSecurityGroup', {
      vpc: network.vpc,
      description: 'jobqueue load balancer: HTTPS from the allowed range',
      allowAllOutbound: false,
    });
    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc: network.vpc,
      vpcSubnets: network.publicSubnets,
      internetFacing: true,
      securityGroup: lbSecurityGroup,
      dropInvalidHeaderFields: true,
    });
    this.targetGroup = new elbv2.ApplicationTargetGroup(this, 'ApiTargets', {
      vpc: network.vpc,
      port: API_PORT,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targetType: elbv2.TargetType.IP,
      targets: [this.api],
      deregistrationDelay: Duration.seconds(30),
      healthCheck: {
        path: '/health',
        healthyHttpCodes: '200',
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 3,
      },
    });
    if (props.certificateArn) {
      this.loadBalancer.addListener('Https', {
        port: 443,
        protocol: elbv2.ApplicationProtocol.HTTPS,
        certificates: [
          acm.Certificate.fromCertificateArn(this, 'Certificate', props.certificateArn),
        ],
        sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
        defaultTargetGroups: [this.targetGroup],
        open: false,
      });
      this.loadBalancer.addRedirect({ sourcePort: 80, targetPort: 443 });
    } else if (props.allowHttp) {
      this.loadBalancer.addListener('Http', {
        port: 80,
        defaultTargetGroups: [this.targetGroup],
        open: false,
      });
    } else {
      throw new Error(
        'The load balancer needs an ACM certificate: pass -c certificateArn=arn:aws:acm:... (or -c allowHttp=true for a plain-HTTP trial)',
      );
    }
    for (const port of props.certificateArn ? [443, 80] : [80]) {
      lbSecurityGroup.addIngressRule(ec2.Peer.ipv4(props.ingressCidr), ec2.Port.tcp(port));
    }
    lbSecurityGroup.addEgressRule(this.apiSecurityGroup, ec2.Port.tcp(API_PORT));
    this.apiSecurityGroup.addIngressRule(lbSecurityGroup, ec2.Port.tcp(API_PORT), 'load balancer');

    const apiScaling = this.api.autoScaleTaskCount({
      minCapacity: props.api.min,
      maxCapacity: props.api.max,
    });
    apiScaling.scaleOnCpuUtilization('Cpu', {
      targetUtilizationPercent: props.apiCpuTarget,
      scaleInCooldown: Duration.minutes(5),
      scaleOutCooldown: Duration.minutes(1),
    });
    apiScaling.scaleOnRequestCount('Requests', {
      requestsPerTarget: props.apiRequestsPerTarget,
      targetGroup: this.targetGroup,
      scaleInCooldown: Duration.minutes(5),
      scaleOutCooldown: Duration.minutes(1),
    });

    // ---- the worker -------------------------------------------------------------------------
    const routes = JOB_FUNCTIONS.filter((spec) => props.lambdaJobTypes.has(spec.jobType));
    const workerTask = new ecs.FargateTaskDefinition(this, 'WorkerTask', {
      cpu: props.worker.cpu,
      memoryLimitMiB: props.worker.memoryMiB,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.X86_64 },
    });
    workerTask.addContainer('worker', {
      image: props.image,
      command: ['node', '--enable-source-maps', 'dist/apps/worker/apps/worker/src/main.js'],
      environment: {
        ...common,
        WORKER_HEALTH_PORT: String(WORKER_HEALTH_PORT),
        DATABASE_POOL_SIZE: String(props.worker.poolSize),
        WORKER_CONCURRENCY: String(props.worker.concurrency),
        JOB_ROUTES: routes
          .map((spec) => `${spec.jobType}:lambda:${props.functions.get(spec.name)!.functionName}`)
          .join(','),
        // Above the queue's 1020 s visibility timeout (README "Infrastructure").
        RECOVERY_RESEND_AFTER_MS: '1200000',
      },
      secrets: database.ecsSecrets,
      logging: this.logDriver('Worker', props),
      healthCheck: {
        command: [
          'CMD',
          'node',
          '-e',
          `fetch('http://127.0.0.1:${WORKER_HEALTH_PORT}/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`,
        ],
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(60),
      },
      // WORKER_SHUTDOWN_GRACE_MS (30 s) to finish or hand back jobs, then the DataSource closes.
      stopTimeout: Duration.seconds(45),
    });
    const workerRole = workerTask.taskRole;
    for (const queue of [props.queue, props.priorityQueue, props.deadLetterQueue]) {
      grantQueueActions(workerRole, queue, [
        'sqs:ReceiveMessage',
        'sqs:DeleteMessage',
        'sqs:ChangeMessageVisibility',
        'sqs:SendMessage',
        'sqs:GetQueueAttributes',
      ]);
    }
    if (routes.length > 0) {
      workerRole.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['lambda:InvokeFunction'],
          resources: routes.map((spec) => props.functions.get(spec.name)!.functionArn),
        }),
      );
    }
    // A job type the worker runs itself needs the S3 access its function would have had.
    const inProcess = JOB_FUNCTIONS.filter((spec) => !props.lambdaJobTypes.has(spec.jobType));
    const union = (pick: (spec: JobFunctionSpec) => BucketAccess): BucketAccess => ({
      read: inProcess.some((spec) => pick(spec).read),
      write: inProcess.some((spec) => pick(spec).write),
      list: inProcess.some((spec) => pick(spec).list),
    });
    for (const statement of [
      ...bucketStatements(
        props.mediaBucket,
        union((spec) => spec.media),
      ),
      ...bucketStatements(
        props.exportBucket,
        union((spec) => spec.exports),
      ),
    ]) {
      workerRole.addToPrincipalPolicy(statement);
    }

    this.workerSecurityGroup = new ec2.SecurityGroup(this, 'WorkerSecurityGroup', {
      vpc: network.vpc,
      description: 'jobqueue worker tasks: no ingress at all',
    });
    this.worker = new ecs.FargateService(this, 'Worker', {
      cluster: this.cluster,
      taskDefinition: workerTask,
      desiredCount: props.worker.min,
      vpcSubnets: network.appSubnets,
      securityGroups: [this.workerSecurityGroup],
      assignPublicIp: false,
      minHealthyPercent: 100,
      maxHealthyPercent: DEPLOY_MAXIMUM_PERCENT,
      circuitBreaker: { enable: true, rollback: true },
    });

    const workerScaling = this.worker.autoScaleTaskCount({
      minCapacity: props.worker.min,
      maxCapacity: props.worker.max,
    });
    // Target tracking on a metric-math expression (the CDK's L2 takes single metrics only).
    this.workerBacklogPolicy = new appscaling.CfnScalingPolicy(this, 'WorkerBacklogPerTask', {
      policyName: `${props.prefix}-worker-backlog-per-task`,
      policyType: 'TargetTrackingScaling',
      scalingTargetId: (workerScaling.node.findChild('Target') as appscaling.ScalableTarget)
        .scalableTargetId,
      targetTrackingScalingPolicyConfiguration: {
        targetValue: props.worker.backlogPerTask,
        scaleOutCooldown: 60,
        scaleInCooldown: 300,
        customizedMetricSpecification: {
          metrics: [
            {
              id: 'visible',
              metricStat: {
                metric: {
                  namespace: 'AWS/SQS',
                  metricName: 'ApproximateNumberOfMessagesVisible',
                  dimensions: [{ name: 'QueueName', value: props.queue.queueName }],
                },
                stat: 'Average',
              },
              returnData: false,
            },
            {
              id: 'tasks',
              metricStat: {
                metric: {
                  namespace: 'ECS/ContainerInsights',
                  metricName: 'RunningTaskCount',
                  dimensions: [
                    { name: 'ClusterName', value: this.cluster.clusterName },
                    { name: 'ServiceName', value: this.worker.serviceName },
                  ],
                },
                stat: 'Average',
              },
              returnData: false,
            },
            {
              id: 'backlogPerTask',
              label: 'messages waiting per running worker task',
              expression: 'visible / tasks',
              returnData: true,
            },
          ],
        },
      },
    });

    // ---- migrations, once per deploy, before the services roll --------------------------------
    this.migrationTask = new ecs.FargateTaskDefinition(this, 'MigrationTask', {
      cpu: 256,
      memoryLimitMiB: 512,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.X86_64 },
    });
    this.migrationTask.addContainer('migrate', {
      image: props.image,
      command: ['node', 'scripts/migrate.cjs'],
      environment: {
        ...database.ecsEnvironment,
        NODE_EXTRA_CA_CERTS: RDS_CA_BUNDLE,
        DATABASE_POOL_SIZE: String(MIGRATION_POOL_SIZE),
        // An index build may take minutes; the server must not cancel it after 30 s.
        DATABASE_STATEMENT_TIMEOUT_MS: '3600000',
        DATABASE_QUERY_TIMEOUT_MS: '3605000',
        LOG_LEVEL: 'info',
      },
      secrets: database.ecsSecrets,
      logging: this.logDriver('Migration', props),
    });
    const migrationSecurityGroup = new ec2.SecurityGroup(this, 'MigrationSecurityGroup', {
      vpc: network.vpc,
      description: 'jobqueue migration task: no ingress',
    });
    this.migrations = new MigrationRunner(this, 'Migrations', {
      cluster: this.cluster,
      taskDefinition: this.migrationTask,
      containerName: 'migrate',
      subnets: network.vpc.selectSubnets(network.appSubnets).subnets,
      securityGroup: migrationSecurityGroup,
      logRetention: props.logRetention,
      timeout: Duration.minutes(30),
    });
    this.api.node.addDependency(this.migrations.resource);
    this.worker.node.addDependency(this.migrations.resource);

    database.allowFrom(this.apiSecurityGroup, 'jobqueue api');
    database.allowFrom(this.workerSecurityGroup, 'jobqueue worker');
    database.allowFrom(migrationSecurityGroup, 'jobqueue migrations');
  }

  private logDriver(name: string, props: JobServicesProps): ecs.LogDriver {
    const logGroup = new logs.LogGroup(this, `${name}Logs`, {
      logGroupName: `/ecs/${props.prefix}-${name.toLowerCase()}`,
      retention: props.logRetention,
    });
    return ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: name.toLowerCase() });
  }
}

function grantQueueActions(role: iam.IRole, queue: sqs.IQueue, actions: string[]): void {
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources: [queue.queueArn] }));
}
