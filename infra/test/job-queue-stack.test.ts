import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { App, type CfnElement, Token, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { propsFromContext } from '../lib/context-props';
import { JOB_FUNCTIONS, type JobFunctionSpec } from '../lib/job-functions';
import { JobQueueStack, type JobQueueStackProps } from '../lib/job-queue-stack';

type Json = Record<string, unknown>;
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Sid?: string;
}

/** A folder that holds no bundles, so the tests never depend on dist/functions. */
const NO_BUNDLES = join(mkdtempSync(join(tmpdir(), 'jobqueue-infra-')), 'none');

/** The nodejs20.x deprecation notice (W2531), for tests that pick that runtime, is noise here. */
function acknowledgeRuntimeDeprecation(stack: JobQueueStack): void {
  Validations.of(stack).acknowledge({
    id: 'CloudFormation-Validate::W2531',
    reason: 'README "Infrastructure" and the runtime prop say it',
  });
}

function build(props: JobQueueStackProps = {}): { stack: JobQueueStack; template: Template } {
  const stack = new JobQueueStack(new App(), 'Test', {
    bundlesDir: NO_BUNDLES,
    stubMissingBundles: true,
    services: false,
    ...props,
  });
  acknowledgeRuntimeDeprecation(stack);
  return { stack, template: Template.fromStack(stack) };
}

const logicalId = (stack: JobQueueStack, construct: { node: { defaultChild?: unknown } }): string =>
  stack.getLogicalId(construct.node.defaultChild as CfnElement);

/** A resource policy that refuses every request not made over TLS. */
const DENIES_PLAIN_HTTP = {
  PolicyDocument: {
    Statement: Match.arrayWith([
      Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    ]),
  },
};

const getAtt = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });

const actionsOf = (s: Statement): string[] => [s.Action].flat();

/** Statements of every IAM policy and managed policy in the template. */
function allStatements(template: Template): Statement[] {
  const policies = {
    ...template.findResources('AWS::IAM::Policy'),
    ...template.findResources('AWS::IAM::ManagedPolicy'),
  };
  return Object.values(policies).flatMap(
    (p) => ((p.Properties as Json).PolicyDocument as { Statement: Statement[] }).Statement,
  );
}

/** The statements of the inline policy attached to a function's role. */
function functionStatements(
  stack: JobQueueStack,
  template: Template,
  name: JobFunctionSpec['name'],
) {
  const fn = stack.functions.get(name)!;
  const roleId = logicalId(stack, fn.role! as unknown as { node: { defaultChild?: unknown } });
  const policies = template.findResources('AWS::IAM::Policy', {
    Properties: { Roles: [{ Ref: roleId }] },
  });
  assert.equal(Object.keys(policies).length, 1, `one policy on the role of ${name}`);
  return (Object.values(policies)[0].Properties.PolicyDocument as { Statement: Statement[] })
    .Statement;
}

/** "action@bucketLogicalId" pairs a set of statements grants on S3. */
function s3Grants(statements: Statement[]): string[] {
  const bucketOf = (resource: unknown): string => {
    const text = JSON.stringify(resource);
    const match = /"((?:Media|Export)Bucket[0-9A-F]{8})"/.exec(text);
    assert.ok(match, `S3 resource names a bucket of the stack: ${text}`);
    return match[1].replace(/[0-9A-F]{8}$/, '') + (text.includes('/*') ? '/*' : '');
  };
  return statements
    .flatMap((s) =>
      actionsOf(s)
        .filter((a) => a.startsWith('s3:'))
        .map((a) => `${a}@${bucketOf(s.Resource)}`),
    )
    .sort();
}

describe('JobQueueStack', () => {
  it('runs each of the four functions on Node 22 (x86_64) for 900 s with 1024 MB', () => {
    const { template } = build();
    template.resourceCountIs('AWS::Lambda::Function', 4);
    for (const spec of JOB_FUNCTIONS) {
      template.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: `jobqueue-${spec.name}`,
        Runtime: 'nodejs22.x',
        Architectures: ['x86_64'],
        Handler: 'index.handler',
        Timeout: 900,
        MemorySize: 1024,
      });
    }
  });

  it('lets Lambda retry no failed Event invocation: the job’s own retries are the only ones', () => {
    const { template } = build();
    template.resourceCountIs('AWS::Lambda::EventInvokeConfig', 4);
    template.allResourcesProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 0,
      Qualifier: '$LATEST',
    });
  });

  it('moves a message to the DLQ after 5 receives by default, and after the configured count otherwise', () => {
    const { stack, template } = build();
    const dlqArn = getAtt(logicalId(stack, stack.deadLetterQueue));
    for (const name of ['jobqueue-episode-jobs-queue', 'jobqueue-episode-jobs-priority'])
      template.hasResourceProperties('AWS::SQS::Queue', {
        QueueName: name,
        RedrivePolicy: { deadLetterTargetArn: dlqArn, maxReceiveCount: 5 },
      });
    build({ maxReceiveCount: 3 }).template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: 3 },
    });
    assert.throws(
      () => build({ maxReceiveCount: 0 }),
      /maxReceiveCount must be an integer from 1 to 1000/,
    );
  });

  it('keeps a received message invisible longer than a function may run, encrypted by SQS', () => {
    const { stack, template } = build();
    for (const workQueue of [stack.queue, stack.priorityQueue]) {
      const queue = template.findResources('AWS::SQS::Queue')[logicalId(stack, workQueue)];
      const props = queue.Properties as Json;
      assert.ok(
        (props.VisibilityTimeout as number) > 900,
        `visibility ${String(props.VisibilityTimeout)} s`,
      );
      assert.equal(props.VisibilityTimeout, 1020);
      assert.equal(props.SqsManagedSseEnabled, true);
    }
    template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 'jobqueue-episode-jobs-dlq',
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 86_400,
    });
    // Every queue policy refuses requests that are not over TLS.
    template.resourcePropertiesCountIs('AWS::SQS::QueuePolicy', DENIES_PLAIN_HTTP, 3);
  });

  it('blocks all public access to both buckets and refuses plain HTTP', () => {
    const { template } = build();
    template.resourcePropertiesCountIs(
      'AWS::S3::Bucket',
      {
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
      },
      2,
    );
    template.resourcePropertiesCountIs('AWS::S3::BucketPolicy', DENIES_PLAIN_HTTP, 2);
  });

  it('expires exports after the configured days and never expires media', () => {
    const { stack, template } = build({ exportExpirationDays: 30 });
    const buckets = template.findResources('AWS::S3::Bucket');
    const rules = (id: string) =>
      ((buckets[id].Properties as Json).LifecycleConfiguration as { Rules: Json[] }).Rules;
    assert.deepEqual(
      rules(logicalId(stack, stack.exportBucket)).map((r) => r.ExpirationInDays),
      [30],
    );
    assert.deepEqual(
      rules(logicalId(stack, stack.mediaBucket)).map((r) => r.ExpirationInDays),
      [undefined],
    );
    build().template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 7 })] },
    });
  });

  it('lets the worker invoke exactly the four functions and nothing else of Lambda', () => {
    const { stack, template } = build();
    const policies = Object.values(template.findResources('AWS::IAM::ManagedPolicy'));
    assert.equal(policies.length, 1);
    const statements = (
      (policies[0].Properties as Json).PolicyDocument as { Statement: Statement[] }
    ).Statement;
    const lambdaStatements = statements.filter((s) =>
      actionsOf(s).some((a) => a.startsWith('lambda:')),
    );
    assert.equal(lambdaStatements.length, 1);
    assert.deepEqual(actionsOf(lambdaStatements[0]), ['lambda:InvokeFunction']);
    assert.deepEqual(
      lambdaStatements[0].Resource,
      JOB_FUNCTIONS.map((spec) => getAtt(logicalId(stack, stack.functions.get(spec.name)!))),
    );
  });

  it('lets the worker receive, delete, re-time and send on both queues, and use both buckets', () => {
    const { stack, template } = build();
    const statements = (
      (Object.values(template.findResources('AWS::IAM::ManagedPolicy'))[0].Properties as Json)
        .PolicyDocument as { Statement: Statement[] }
    ).Statement;
    const queues = statements.find((s) => s.Sid === 'Queues')!;
    for (const action of [
      'sqs:ReceiveMessage',
      'sqs:DeleteMessage',
      'sqs:ChangeMessageVisibility',
      'sqs:SendMessage',
    ]) {
      assert.ok(actionsOf(queues).includes(action), action);
    }
    assert.deepEqual(queues.Resource, [
      getAtt(logicalId(stack, stack.queue)),
      getAtt(logicalId(stack, stack.priorityQueue)),
      getAtt(logicalId(stack, stack.deadLetterQueue)),
    ]);
    assert.deepEqual(s3Grants(statements), [
      's3:AbortMultipartUpload@ExportBucket/*',
      's3:AbortMultipartUpload@MediaBucket/*',
      's3:GetObject@ExportBucket/*',
      's3:GetObject@MediaBucket/*',
      's3:ListBucket@ExportBucket',
      's3:ListBucket@MediaBucket',
      's3:PutObject@ExportBucket/*',
      's3:PutObject@MediaBucket/*',
    ]);
  });

  it('allows no wildcard action and no wildcard resource in any IAM policy', () => {
    const statements = allStatements(build().template);
    assert.ok(statements.length >= 10, `found ${statements.length} statements`);
    for (const statement of statements) {
      assert.equal(statement.Effect, 'Allow');
      for (const action of actionsOf(statement)) {
        assert.doesNotMatch(action, /\*/, `wildcard action ${action}`);
      }
      for (const resource of [statement.Resource].flat()) {
        assert.notEqual(resource, '*', `wildcard resource in ${JSON.stringify(statement)}`);
      }
    }
  });

  it('gives each function only the S3 access its handler needs, and its own log group', () => {
    const { stack, template } = build();
    const expected: Record<JobFunctionSpec['name'], string[]> = {
      'process-thumbnails': [
        's3:AbortMultipartUpload@MediaBucket/*',
        's3:GetObject@MediaBucket/*',
        's3:ListBucket@MediaBucket',
        's3:PutObject@MediaBucket/*',
      ],
      'process-exports': [
        's3:AbortMultipartUpload@ExportBucket/*',
        's3:GetObject@ExportBucket/*',
        's3:PutObject@ExportBucket/*',
      ],
      'process-bulk-imports': ['s3:GetObject@MediaBucket/*', 's3:ListBucket@MediaBucket'],
      'cleanup-jobs': [],
    };
    for (const spec of JOB_FUNCTIONS) {
      const statements = functionStatements(stack, template, spec.name);
      assert.deepEqual(s3Grants(statements), expected[spec.name], spec.name);
      const fn = stack.functions.get(spec.name)!;
      const logGroupId = logicalId(
        stack,
        fn.logGroup as unknown as { node: { defaultChild?: unknown } },
      );
      assert.deepEqual(
        statements.filter((s) => actionsOf(s).some((a) => a.startsWith('logs:'))),
        [
          {
            Effect: 'Allow',
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: getAtt(logGroupId),
          },
        ],
        spec.name,
      );
      template.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: `jobqueue-${spec.name}`,
        LoggingConfig: { LogGroup: { Ref: logGroupId } },
      });
    }
    template.resourcePropertiesCountIs('AWS::Logs::LogGroup', { RetentionInDays: 30 }, 4);
    // No managed policy (AWSLambdaBasicExecutionRole's logs:* on every group) on any role.
    template.resourcePropertiesCountIs(
      'AWS::IAM::Role',
      { ManagedPolicyArns: Match.anyValue() },
      0,
    );
  });

  it('uses a built bundle as an asset, and a placeholder only when told it may', () => {
    const bundles = mkdtempSync(join(tmpdir(), 'jobqueue-bundles-'));
    mkdirSync(join(bundles, 'cleanup-jobs'));
    writeFileSync(
      join(bundles, 'cleanup-jobs', 'index.js'),
      'exports.handler = async () => ({});\n',
    );
    const { template } = build({ bundlesDir: bundles });
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'jobqueue-cleanup-jobs',
      Code: { S3Bucket: Match.anyValue(), S3Key: Match.stringLikeRegexp('\\.zip$') },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'jobqueue-process-exports',
      Code: { ZipFile: Match.stringLikeRegexp('npm run build:functions') },
    });
    assert.throws(
      () => build({ bundlesDir: bundles, stubMissingBundles: false }),
      /process-thumbnails[/\\]index\.js does not exist: run `npm run build:functions`/,
    );
  });

  it('hands every function DATABASE_URL from the secret the DatabaseSecretArn parameter names', () => {
    const { template } = build();
    template.hasParameter('DatabaseSecretArn', { Type: 'String' });
    template.resourcePropertiesCountIs(
      'AWS::Lambda::Function',
      {
        Environment: {
          Variables: Match.objectLike({
            DATABASE_URL: {
              'Fn::Join': [
                '',
                ['{{resolve:secretsmanager:', { Ref: 'DatabaseSecretArn' }, ':SecretString:::}}'],
              ],
            },
            EXPORT_BUCKET: { Ref: Match.stringLikeRegexp('^ExportBucket') },
          }),
        },
      },
      4,
    );
  });

  it('moves the functions to nodejs22.x and arm64 when asked', () => {
    const { template } = build({ runtime: 'nodejs22.x', architecture: 'arm64' });
    template.resourcePropertiesCountIs(
      'AWS::Lambda::Function',
      { Runtime: 'nodejs22.x', Architectures: ['arm64'], Timeout: 900, MemorySize: 1024 },
      4,
    );
  });

  it('gives the queue URLs to process-bulk-imports only, which writes outbox rows and never calls SQS', () => {
    const { stack, template } = build();
    const withQueue = template.findResources('AWS::Lambda::Function', {
      Properties: {
        Environment: {
          Variables: Match.objectLike({
            SQS_QUEUE_URL: { Ref: logicalId(stack, stack.queue) },
            SQS_PRIORITY_QUEUE_URL: { Ref: logicalId(stack, stack.priorityQueue) },
            SQS_DLQ_URL: { Ref: logicalId(stack, stack.deadLetterQueue) },
          }),
        },
      },
    });
    assert.deepEqual(
      Object.values(withQueue).map((r) => (r.Properties as Json).FunctionName),
      ['jobqueue-process-bulk-imports'],
    );
    template.resourcePropertiesCountIs(
      'AWS::Lambda::Function',
      { Environment: { Variables: Match.objectLike({ SQS_QUEUE_URL: Match.anyValue() }) } },
      1,
    );
    const sqsActions = JOB_FUNCTIONS.flatMap((spec) =>
      functionStatements(stack, template, spec.name).flatMap(actionsOf),
    ).filter((a) => a.startsWith('sqs:'));
    assert.deepEqual(sqsActions, []);
  });

  it('attaches the ffmpeg and sharp layers to process-thumbnails only, and reserves concurrency when asked', () => {
    const layers = [
      'arn:aws:lambda:eu-west-1:123456789012:layer:ffmpeg:3',
      'arn:aws:lambda:eu-west-1:123456789012:layer:sharp:2',
    ];
    const { template } = build({ thumbnailLayerArns: layers, reservedConcurrency: 4 });
    template.resourcePropertiesCountIs('AWS::Lambda::Function', { Layers: Match.anyValue() }, 1);
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'jobqueue-process-thumbnails',
      Layers: layers,
    });
    template.resourcePropertiesCountIs(
      'AWS::Lambda::Function',
      { ReservedConcurrentExecutions: 4 },
      4,
    );
    build().template.resourcePropertiesCountIs(
      'AWS::Lambda::Function',
      { ReservedConcurrentExecutions: Match.anyValue() },
      0,
    );
  });

  it('is environment-agnostic and synthesises with no context lookup', () => {
    const app = new App();
    const stack = new JobQueueStack(app, 'Agnostic', {
      bundlesDir: NO_BUNDLES,
      stubMissingBundles: true,
      services: false,
    });
    acknowledgeRuntimeDeprecation(stack);
    assert.ok(Token.isUnresolved(stack.account) && Token.isUnresolved(stack.region));
    const assembly = app.synth();
    assert.equal(assembly.manifest.missing, undefined);
    assert.equal(assembly.getStackByName('Agnostic').environment.account, 'unknown-account');
  });

  it('outputs the queue URLs, bucket names, function names, worker policy and JOB_ROUTES', () => {
    const { stack, template } = build({ namePrefix: 'staging' });
    template.hasOutput('QueueUrl', { Value: { Ref: logicalId(stack, stack.queue) } });
    template.hasOutput('PriorityQueueUrl', {
      Value: { Ref: logicalId(stack, stack.priorityQueue) },
    });
    template.hasOutput('DeadLetterQueueUrl', {
      Value: { Ref: logicalId(stack, stack.deadLetterQueue) },
    });
    template.hasOutput('MediaBucketName', { Value: { Ref: logicalId(stack, stack.mediaBucket) } });
    template.hasOutput('ExportBucketName', {
      Value: { Ref: logicalId(stack, stack.exportBucket) },
    });
    template.hasOutput('WorkerPolicyArn', {
      Value: { Ref: logicalId(stack, stack.workerPolicy!) },
    });
    for (const spec of JOB_FUNCTIONS) {
      template.hasOutput(`${spec.id}FunctionName`, {
        Value: { Ref: logicalId(stack, stack.functions.get(spec.name)!) },
      });
    }
    const routes = template.findOutputs('WorkerJobRoutes').WorkerJobRoutes.Value as Json;
    const text = JSON.stringify(routes);
    for (const spec of JOB_FUNCTIONS)
      assert.ok(text.includes(`${spec.jobType}:lambda:`), spec.jobType);
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'staging-process-exports',
    });
    assert.throws(() => build({ namePrefix: 'Bad_Prefix' }), /namePrefix must match/);
  });
});

describe('propsFromContext', () => {
  it('parses the strings `cdk -c key=value` passes and names a key whose value is wrong', () => {
    const context: Record<string, unknown> = {
      maxReceiveCount: '7',
      stubMissingBundles: 'true',
      architecture: 'arm64',
      namePrefix: 'prod',
      thumbnailLayerArns:
        'arn:aws:lambda:eu-west-1:1:layer:ffmpeg:1, arn:aws:lambda:eu-west-1:1:layer:sharp:1',
    };
    const { services, ...props } = propsFromContext((key) => context[key]);
    assert.equal(services && services.database?.kind, 'instance');
    assert.equal(
      propsFromContext((key) => (key === 'services' ? 'false' : undefined)).services,
      false,
    );
    assert.throws(
      () =>
        propsFromContext((key) =>
          key === 'jwtSecretArn' || key === 'jwtJwksUrl' ? 'x' : undefined,
        ),
      /jwtSecretArn and jwtJwksUrl exclude each other/,
    );
    assert.deepEqual(props, {
      namePrefix: 'prod',
      maxReceiveCount: 7,
      exportExpirationDays: undefined,
      reservedConcurrency: undefined,
      architecture: 'arm64',
      runtime: undefined,
      thumbnailLayerArns: [
        'arn:aws:lambda:eu-west-1:1:layer:ffmpeg:1',
        'arn:aws:lambda:eu-west-1:1:layer:sharp:1',
      ],
      stubMissingBundles: true,
    });
    assert.throws(
      () => propsFromContext((key) => (key === 'maxReceiveCount' ? 'five' : undefined)),
      /context maxReceiveCount must be an integer/,
    );
    assert.throws(
      () => propsFromContext((key) => (key === 'stubMissingBundles' ? 'yes' : undefined)),
      /context stubMissingBundles must be true or false/,
    );
    assert.equal(
      propsFromContext((key) => (key === 'lambdaRuntime' ? 'nodejs22.x' : undefined)).runtime,
      'nodejs22.x',
    );
    assert.throws(
      () => propsFromContext((key) => (key === 'architecture' ? 'x86' : undefined)),
      /context architecture must be x86_64 or arm64/,
    );
  });
});
