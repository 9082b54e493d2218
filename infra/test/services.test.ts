import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { App, type CfnElement, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { connectionBudget } from '../lib/connection-budget';
import { PASSWORD_EXCLUDED_CHARACTERS } from '../lib/database';
import { JobQueueStack, type ServicesProps } from '../lib/job-queue-stack';

type Json = Record<string, unknown>;
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

const NO_BUNDLES = join(mkdtempSync(join(tmpdir(), 'jobqueue-infra-')), 'none');
const CERTIFICATE =
  'arn:aws:acm:eu-west-1:123456789012:certificate/0f0e0d0c-0b0a-0908-0706-050403020100';
/** A registry image, so these tests never stage the repository as a Docker asset. */
const IMAGE = ecs.ContainerImage.fromRegistry(
  '123456789012.dkr.ecr.eu-west-1.amazonaws.com/jobqueue:test',
);

function build(services: ServicesProps = {}, extra: { thumbnailLayerArns?: string[] } = {}) {
  const stack = new JobQueueStack(new App(), 'Test', {
    bundlesDir: NO_BUNDLES,
    stubMissingBundles: true,
    services: { certificateArn: CERTIFICATE, image: IMAGE, ...services },
    ...extra,
  });
  Validations.of(stack).acknowledge({
    id: 'CloudFormation-Validate::W2531',
    reason: 'runtime notice',
  });
  return { stack, template: Template.fromStack(stack) };
}

const logicalId = (stack: JobQueueStack, construct: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(construct.node.defaultChild as CfnElement);
const actionsOf = (s: Statement): string[] => [s.Action].flat();

/** Every statement of the inline policies attached to one role. */
function roleStatements(template: Template, roleId: string): Statement[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify((p.Properties as Json).Roles).includes(`"${roleId}"`))
    .flatMap(
      (p) => ((p.Properties as Json).PolicyDocument as { Statement: Statement[] }).Statement,
    );
}

/** "action@resource-logical-id" pairs, with the resource named by the first logical id it references. */
function grants(statements: Statement[]): string[] {
  return statements
    .flatMap((s) =>
      actionsOf(s).map((a) => {
        const ref = /"(?:Ref|Fn::GetAtt)":\s*\[?"([A-Za-z0-9]+?)[0-9A-F]{8}"/.exec(
          JSON.stringify(s.Resource),
        );
        return `${a}@${ref ? ref[1] : JSON.stringify(s.Resource)}`;
      }),
    )
    .sort();
}

function containerOf(template: Template, name: string): Json {
  for (const task of Object.values(template.findResources('AWS::ECS::TaskDefinition'))) {
    const container = ((task.Properties as Json).ContainerDefinitions as Json[]).find(
      (c) => c.Name === name,
    );
    if (container) return container;
  }
  throw new Error(`no container ${name}`);
}

function taskRoleOf(template: Template, container: string): string {
  for (const task of Object.values(template.findResources('AWS::ECS::TaskDefinition'))) {
    const props = task.Properties as Json;
    if ((props.ContainerDefinitions as Json[]).some((c) => c.Name === container)) {
      return ((props.TaskRoleArn as Json)['Fn::GetAtt'] as string[])[0];
    }
  }
  throw new Error(`no task of ${container}`);
}

const env = (container: Json): Record<string, unknown> =>
  Object.fromEntries(
    ((container.Environment as { Name: string; Value: unknown }[]) ?? []).map((e) => [
      e.Name,
      e.Value,
    ]),
  );
const secretNames = (container: Json): string[] =>
  ((container.Secrets as { Name: string }[]) ?? []).map((s) => s.Name).sort();

describe('JobQueueStack with services', () => {
  const { stack, template } = build();

  it('runs the api and the worker as Fargate services from one image, neither migrating at start', () => {
    template.resourceCountIs('AWS::ECS::Service', 2);
    template.resourcePropertiesCountIs('AWS::ECS::Service', { LaunchType: 'FARGATE' }, 2);
    const api = containerOf(template, 'api');
    const worker = containerOf(template, 'worker');
    for (const container of [api, worker]) {
      assert.equal(env(container).DATABASE_RUN_MIGRATIONS, 'false');
      assert.deepEqual(
        secretNames(container).filter((n) => n.startsWith('DB_')),
        ['DB_PASSWORD', 'DB_USER'],
      );
    }
    assert.deepEqual(api.Command, [
      'node',
      '--enable-source-maps',
      'dist/apps/api/apps/api/src/main.js',
    ]);
    assert.deepEqual(worker.Command, [
      'node',
      '--enable-source-maps',
      'dist/apps/worker/apps/worker/src/main.js',
    ]);
    assert.ok(secretNames(api).includes('JWT_SECRET'));
    assert.ok(!secretNames(worker).includes('JWT_SECRET'), 'the worker checks no tokens');
  });

  it('puts the api behind an HTTPS load balancer whose health check is GET /health', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'HTTPS',
      Certificates: [{ CertificateArn: CERTIFICATE }],
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      DefaultActions: [
        Match.objectLike({
          Type: 'redirect',
          RedirectConfig: Match.objectLike({ Port: '443', Protocol: 'HTTPS' }),
        }),
      ],
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      HealthCheckPath: '/health',
      Port: 3000,
      TargetType: 'ip',
    });
    assert.throws(() => build({ certificateArn: undefined }), /needs an ACM certificate/);
  });

  it('gives the worker and the database no ingress except from the stack’s own groups', () => {
    const groups = template.findResources('AWS::EC2::SecurityGroup');
    const ingress = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')).map(
      (r) => r.Properties as Json,
    );
    const workerSg = logicalId(stack, stack.services!.workerSecurityGroup);
    assert.equal((groups[workerSg].Properties as Json).SecurityGroupIngress, undefined);
    assert.equal(ingress.filter((r) => JSON.stringify(r.GroupId).includes(workerSg)).length, 0);
    // Only the load balancer takes traffic from an address range.
    const cidrRules = Object.values(groups).flatMap(
      (g) => ((g.Properties as Json).SecurityGroupIngress as Json[] | undefined) ?? [],
    );
    assert.deepEqual(cidrRules.map((r) => r.FromPort).sort(), [443, 80]);
    const dbSg = Object.keys(groups).find((id) => id.startsWith('DatabaseInstanceSecurityGroup'))!;
    const dbRules = ingress.filter((r) => JSON.stringify(r.GroupId).includes(dbSg));
    assert.equal(dbRules.length, 4, 'api, worker, migration task, functions');
    for (const rule of dbRules) {
      assert.ok(
        rule.SourceSecurityGroupId,
        `database rule from a group, not a range: ${JSON.stringify(rule)}`,
      );
      assert.equal(rule.CidrIp, undefined);
    }
    template.hasResourceProperties('AWS::RDS::DBInstance', { PubliclyAccessible: false });
    template.resourcePropertiesCountIs(
      'AWS::ECS::Service',
      {
        NetworkConfiguration: {
          AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'DISABLED' }),
        },
      },
      2,
    );
  });

  it('encrypts the database, the queues and the buckets at rest; the database demands TLS', () => {
    template.hasResourceProperties('AWS::RDS::DBInstance', {
      StorageEncrypted: true,
      Engine: 'postgres',
      DeletionProtection: true,
    });
    template.hasResourceProperties('AWS::RDS::DBParameterGroup', {
      Parameters: { max_connections: '150', 'rds.force_ssl': '1' },
    });
    template.resourcePropertiesCountIs('AWS::SQS::Queue', { SqsManagedSseEnabled: true }, 3);
    template.resourcePropertiesCountIs(
      'AWS::S3::Bucket',
      {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            Match.objectLike({ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }),
          ],
        },
      },
      2,
    );
  });

  it('keeps the generated password free of every character a URL would have to encode', () => {
    for (let code = 33; code < 127; code++) {
      const c = String.fromCharCode(code);
      if (!PASSWORD_EXCLUDED_CHARACTERS.includes(c)) assert.equal(encodeURIComponent(c), c, c);
    }
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({ ExcludeCharacters: PASSWORD_EXCLUDED_CHARACTERS }),
    });
  });

  it('takes DATABASE_URL from a secret instead of an instance when the team has a database', () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:jobqueue-db-AbCdEf';
    const { template: t } = build({
      database: { kind: 'url-secret', secretArn: arn, maxConnections: 200 },
    });
    t.resourceCountIs('AWS::RDS::DBInstance', 0);
    assert.deepEqual(secretNames(containerOf(t, 'worker')), ['DATABASE_URL']);
    assert.deepEqual(secretNames(containerOf(t, 'migrate')), ['DATABASE_URL']);
    t.resourcePropertiesCountIs(
      'AWS::Lambda::Function',
      {
        Environment: {
          Variables: Match.objectLike({
            DATABASE_URL: `{{resolve:secretsmanager:${arn}:SecretString:::}}`,
          }),
        },
      },
      4,
    );
  });

  it('scales the worker on SQS backlog per running task, with a floor, a ceiling and cool-downs', () => {
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      ScalableDimension: 'ecs:service:DesiredCount',
      MinCapacity: 1,
      MaxCapacity: 4,
      ResourceId: Match.objectLike({
        'Fn::Join': Match.arrayWith([
          Match.arrayWith([
            Match.objectLike({
              'Fn::GetAtt': Match.arrayWith([Match.stringLikeRegexp('ServicesWorkerService')]),
            }),
          ]),
        ]),
      }),
    });
    const policy = Object.values(
      template.findResources('AWS::ApplicationAutoScaling::ScalingPolicy'),
    )
      .map((p) => p.Properties as Json)
      .find((p) => JSON.stringify(p).includes('backlogPerTask'))!;
    const config = policy.TargetTrackingScalingPolicyConfiguration as Json;
    assert.equal(config.TargetValue, 50);
    assert.equal(config.ScaleOutCooldown, 60);
    assert.equal(config.ScaleInCooldown, 300);
    const metrics = (config.CustomizedMetricSpecification as { Metrics: Json[] }).Metrics;
    assert.equal(metrics.find((m) => m.ReturnData === true)!.Expression, 'visible / tasks');
    const text = JSON.stringify(metrics);
    assert.match(text, /ApproximateNumberOfMessagesVisible/);
    assert.match(text, /RunningTaskCount/);
    template.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
    });
    assert.throws(() => build({ workerMinTasks: 0 }), /workerMinTasks must be an integer from 1/);
  });

  it('scales the api on CPU and on requests per target', () => {
    const metrics = Object.values(
      template.findResources('AWS::ApplicationAutoScaling::ScalingPolicy'),
    )
      .map(
        (p) =>
          ((p.Properties as Json).TargetTrackingScalingPolicyConfiguration as Json)
            .PredefinedMetricSpecification as Json | undefined,
      )
      .filter((m) => m !== undefined)
      .map((m) => m.PredefinedMetricType)
      .sort();
    assert.deepEqual(metrics, ['ALBRequestCountPerTarget', 'ECSServiceAverageCPUUtilization']);
  });

  it('alarms on DLQ depth, oldest message age, the worker gap, load balancer 5xx and api health', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', 5);
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) =>
      JSON.stringify(a.Properties),
    );
    const find = (name: string) => alarms.find((a) => a.includes(`"jobqueue-${name}"`));
    assert.match(find('dead-letters')!, /"MetricName":"ApproximateNumberOfMessagesVisible"/);
    assert.match(find('dead-letters')!, /DeadLetterQueue/);
    assert.match(find('oldest-message-age')!, /ApproximateAgeOfOldestMessage/);
    assert.match(
      find('worker-heartbeat-gap')!,
      /NumberOfMessagesReceived.*RunningTaskCount|RunningTaskCount.*NumberOfMessagesReceived/,
    );
    assert.match(find('load-balancer-5xx')!, /HTTPCode_ELB_5XX_Count/);
    assert.match(find('load-balancer-5xx')!, /HTTPCode_Target_5XX_Count/);
    assert.match(find('api-unhealthy')!, /HealthyHostCount/);
    for (const alarm of alarms) assert.match(alarm, /AlarmActions/);
  });

  it('runs the migrations once per deploy as a task before either service rolls', () => {
    const migrate = containerOf(template, 'migrate');
    assert.deepEqual(migrate.Command, ['node', 'scripts/migrate.cjs']);
    const run = template.findResources('Custom::JobQueueMigrations');
    const [runId, resource] = Object.entries(run)[0];
    assert.equal(Object.keys(run).length, 1);
    assert.match(JSON.stringify((resource.Properties as Json).TaskDefinition), /MigrationTask/);
    for (const service of Object.values(template.findResources('AWS::ECS::Service'))) {
      assert.ok([service.DependsOn].flat().includes(runId), 'service waits for the migrations');
    }
  });

  it('lets the worker use its queues and invoke its functions, and nothing else', () => {
    const statements = roleStatements(template, taskRoleOf(template, 'worker'));
    const queueActions = [
      'sqs:ChangeMessageVisibility',
      'sqs:DeleteMessage',
      'sqs:GetQueueAttributes',
      'sqs:ReceiveMessage',
      'sqs:SendMessage',
    ];
    const all = grants(statements);
    assert.deepEqual(
      all.filter((g) => g.startsWith('sqs:')),
      [
        ...queueActions.map((a) => `${a}@DeadLetterQueue`),
        ...queueActions.map((a) => `${a}@PriorityQueue`),
        ...queueActions.map((a) => `${a}@Queue`),
      ].sort(),
    );
    // No layers: thumbnail-generation runs in the worker, which then needs the media bucket.
    assert.deepEqual(
      all.filter((g) => g.startsWith('s3:')),
      [
        's3:AbortMultipartUpload@MediaBucket',
        's3:GetObject@MediaBucket',
        's3:ListBucket@MediaBucket',
        's3:PutObject@MediaBucket',
      ],
    );
    const invoke = statements.find((s) => actionsOf(s).includes('lambda:InvokeFunction'))!;
    assert.equal([invoke.Resource].flat().length, 3, 'exports, bulk imports, clean-up');
    assert.ok(statements.every((s) => actionsOf(s).every((a) => /^(sqs|lambda|s3):/.test(a))));
    const withLayers = build(
      {},
      { thumbnailLayerArns: ['arn:aws:lambda:eu-west-1:1:layer:ffmpeg:1'] },
    ).template;
    const routed = roleStatements(withLayers, taskRoleOf(withLayers, 'worker'));
    assert.ok(
      routed.every((s) => actionsOf(s).every((a) => !a.startsWith('s3:'))),
      'every type on Lambda: no S3',
    );
    assert.match(
      JSON.stringify(env(containerOf(withLayers, 'worker')).JOB_ROUTES),
      /thumbnail-generation:lambda:/,
    );
  });

  it('lets the api send, read queue attributes, re-drive the DLQ and presign uploads into users/, and nothing else', () => {
    const statements = roleStatements(template, taskRoleOf(template, 'api'));
    assert.deepEqual(grants(statements), [
      's3:PutObject@MediaBucket',
      'sqs:ChangeMessageVisibility@DeadLetterQueue',
      'sqs:DeleteMessage@DeadLetterQueue',
      'sqs:GetQueueAttributes@DeadLetterQueue',
      'sqs:GetQueueAttributes@PriorityQueue',
      'sqs:GetQueueAttributes@Queue',
      'sqs:ReceiveMessage@DeadLetterQueue',
      'sqs:SendMessage@PriorityQueue',
      'sqs:SendMessage@Queue',
    ]);
    const put = statements.find((st) => actionsOf(st).includes('s3:PutObject'))!;
    assert.match(JSON.stringify(put.Resource), /\/users\/\*/);
  });

  it('wires JOB_ROUTES to the functions and reserves their concurrency inside the budget', () => {
    const routes = JSON.stringify(env(containerOf(template, 'worker')).JOB_ROUTES);
    for (const type of ['export', 'bulk-import', 'cleanup-jobs'])
      assert.match(routes, new RegExp(`${type}:lambda:`));
    assert.doesNotMatch(routes, /thumbnail-generation/);
    template.resourcePropertiesCountIs(
      'AWS::Lambda::Function',
      { ReservedConcurrentExecutions: 3, VpcConfig: Match.anyValue() },
      4,
    );
    assert.throws(
      () => build({ workerMaxTasks: 10 }),
      /connection budget exceeded: .*peak \d+ of max_connections 150/,
    );
  });

  it('writes logs to CloudWatch log groups with a retention', () => {
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup')).map(
      (g) => g.Properties as Json,
    );
    assert.ok(groups.length >= 7);
    for (const group of groups) assert.equal(group.RetentionInDays, 30);
  });
});

describe('connectionBudget', () => {
  it('adds pools × tasks (twice, for a rolling deploy), function concurrency × pool, migration and admins', () => {
    const budget = connectionBudget({
      apiPoolSize: 4,
      apiMaxTasks: 4,
      workerPoolSize: 10,
      workerMaxTasks: 4,
      functionConcurrency: [3, 3, 3, 3],
      functionPoolSize: 2,
      migrationPoolSize: 2,
      adminReserve: 10,
      deploySurge: 2,
      maxConnections: 150,
    });
    assert.deepEqual(
      budget.lines.map((l) => l.connections),
      [32, 80, 24, 2, 10],
    );
    assert.equal(budget.peak, 148);
  });
});
