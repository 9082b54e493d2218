import { Aws, CustomResource, Duration } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';

/**
 * Starts the migration task (RunTask) and reports back once it has stopped: the Provider
 * framework polls isComplete until the container exits, and a non-zero exit fails the deploy.
 * Runs on the Node.js 22 runtime, whose bundled AWS SDK v3 has the ECS client.
 */
const HANDLER_CODE = `
const { ECSClient, RunTaskCommand, DescribeTasksCommand } = require('@aws-sdk/client-ecs');
const ecs = new ECSClient({});
exports.onEvent = async (event) => {
  if (event.RequestType === 'Delete') return { PhysicalResourceId: event.PhysicalResourceId };
  const p = event.ResourceProperties;
  const out = await ecs.send(new RunTaskCommand({
    cluster: p.Cluster,
    taskDefinition: p.TaskDefinition,
    launchType: 'FARGATE',
    count: 1,
    startedBy: 'jobqueue-migrations',
    networkConfiguration: { awsvpcConfiguration: { subnets: p.Subnets, securityGroups: p.SecurityGroups, assignPublicIp: 'DISABLED' } },
  }));
  const task = (out.tasks || [])[0];
  if (!task) throw new Error('RunTask started no migration task: ' + JSON.stringify(out.failures));
  console.log('migration task', task.taskArn);
  return { PhysicalResourceId: 'migrations', Data: { TaskArn: task.taskArn } };
};
exports.isComplete = async (event) => {
  if (event.RequestType === 'Delete') return { IsComplete: true };
  const p = event.ResourceProperties;
  const out = await ecs.send(new DescribeTasksCommand({ cluster: p.Cluster, tasks: [event.Data.TaskArn] }));
  const task = (out.tasks || [])[0];
  if (!task || task.lastStatus !== 'STOPPED') return { IsComplete: false };
  const container = (task.containers || []).find((c) => c.name === p.ContainerName) || {};
  if (container.exitCode !== 0) {
    throw new Error('Migrations failed: task ' + task.taskArn + ' stopped (' + task.stoppedReason +
      '), exit code ' + container.exitCode + ' ' + (container.reason || '') + '; see its log stream');
  }
  return { IsComplete: true };
};
`;

export interface MigrationRunnerProps {
  cluster: ecs.ICluster;
  taskDefinition: ecs.FargateTaskDefinition;
  containerName: string;
  subnets: ec2.ISubnet[];
  securityGroup: ec2.ISecurityGroup;
  logRetention: logs.RetentionDays;
  /** Longest a migration may run before the deploy fails. */
  timeout: Duration;
}

/**
 * Runs the database migrations once per deploy, as a one-off Fargate task, before the services
 * roll (they depend on this resource). A new image is a new task definition revision, so every
 * deploy that changes the code runs the migrations once; a deploy that changes nothing else
 * runs nothing. The app never migrates at start-up here (DATABASE_RUN_MIGRATIONS=false).
 */
export class MigrationRunner extends Construct {
  readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: MigrationRunnerProps) {
    super(scope, id);
    const taskArns = `arn:${Aws.PARTITION}:ecs:${Aws.REGION}:${Aws.ACCOUNT_ID}:task/${props.cluster.clusterName}/*`;

    const handler = (name: 'onEvent' | 'isComplete', statements: iam.PolicyStatement[]) => {
      const logGroup = new logs.LogGroup(this, `${name}Logs`, { retention: props.logRetention });
      const role = new iam.Role(this, `${name}Role`, {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description: `jobqueue migration runner (${name}): its log group and the migration task only`,
      });
      role.addToPolicy(
        new iam.PolicyStatement({
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [logGroup.logGroupArn],
        }),
      );
      statements.forEach((s) => role.addToPolicy(s));
      return new lambda.Function(this, `${name}Handler`, {
        runtime: lambda.Runtime.NODEJS_22_X,
        handler: `index.${name}`,
        code: lambda.Code.fromInline(HANDLER_CODE),
        timeout: Duration.seconds(30),
        role,
        logGroup,
        description: `jobqueue migrations: ${name === 'onEvent' ? 'start the task' : 'wait for it to stop'}`,
      });
    };

    const onEvent = handler('onEvent', [
      new iam.PolicyStatement({
        actions: ['ecs:RunTask'],
        resources: [props.taskDefinition.taskDefinitionArn],
        conditions: { ArnEquals: { 'ecs:cluster': props.cluster.clusterArn } },
      }),
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [
          props.taskDefinition.taskRole.roleArn,
          props.taskDefinition.obtainExecutionRole().roleArn,
        ],
      }),
    ]);
    const isComplete = handler('isComplete', [
      new iam.PolicyStatement({ actions: ['ecs:DescribeTasks'], resources: [taskArns] }),
    ]);

    const provider = new cr.Provider(this, 'Provider', {
      onEventHandler: onEvent,
      isCompleteHandler: isComplete,
      queryInterval: Duration.seconds(15),
      totalTimeout: props.timeout,
    });
    this.resource = new CustomResource(this, 'Run', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::JobQueueMigrations',
      properties: {
        Cluster: props.cluster.clusterArn,
        TaskDefinition: props.taskDefinition.taskDefinitionArn,
        ContainerName: props.containerName,
        Subnets: props.subnets.map((s) => s.subnetId),
        SecurityGroups: [props.securityGroup.securityGroupId],
      },
    });
  }
}
