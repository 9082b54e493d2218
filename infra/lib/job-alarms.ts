import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface JobAlarmsProps {
  prefix: string;
  queue: sqs.IQueue;
  deadLetterQueue: sqs.IQueue;
  cluster: ecs.ICluster;
  worker: ecs.FargateService;
  loadBalancer: elbv2.ApplicationLoadBalancer;
  targetGroup: elbv2.ApplicationTargetGroup;
  /** Oldest message age, seconds, above which work is not keeping up. */
  maxMessageAgeSeconds: number;
  /** 5xx answers per 5 minutes (load balancer + targets) that page someone. */
  max5xxPerPeriod: number;
  /** Subscribed to the alarm topic when set. */
  alarmEmail?: string;
}

/**
 * What pages someone, each on one SNS topic:
 * - DeadLetters: a message is in the DLQ (a job failed for good, or a message poisoned workers).
 * - OldestMessageAge: the oldest waiting message is older than maxMessageAgeSeconds.
 * - WorkerHeartbeatGap: no worker is taking work. Until the workers publish their heartbeat as
 *   a metric, it is read from SQS and ECS: messages are waiting and none was received for
 *   5 minutes, or the worker service has no running task.
 * - LoadBalancer5xx: the load balancer or the api answered 5xx more than max5xxPerPeriod times.
 * - ApiUnhealthy: no api task passes /health.
 */
export class JobAlarms extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: Record<
    'deadLetters' | 'oldestMessageAge' | 'workerHeartbeatGap' | 'loadBalancer5xx' | 'apiUnhealthy',
    cloudwatch.Alarm
  >;

  constructor(scope: Construct, id: string, props: JobAlarmsProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: `${props.prefix} alarms`,
      enforceSSL: true,
    });
    if (props.alarmEmail) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    }
    const minute = Duration.minutes(1);
    const name = (suffix: string) => `${props.prefix}-${suffix}`;

    const deadLetters = new cloudwatch.Alarm(this, 'DeadLetters', {
      alarmName: name('dead-letters'),
      alarmDescription:
        'Messages in the DLQ: GET /api/v1/jobs/dlq, then POST /api/v1/jobs/dlq/redrive',
      metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: minute,
        statistic: 'Maximum',
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const oldestMessageAge = new cloudwatch.Alarm(this, 'OldestMessageAge', {
      alarmName: name('oldest-message-age'),
      alarmDescription: `The oldest waiting job message is older than ${props.maxMessageAgeSeconds} s: the workers are not keeping up (see the worker scaling ceiling)`,
      metric: props.queue.metricApproximateAgeOfOldestMessage({
        period: minute,
        statistic: 'Maximum',
      }),
      threshold: props.maxMessageAgeSeconds,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const runningWorkers = new cloudwatch.Metric({
      namespace: 'ECS/ContainerInsights',
      metricName: 'RunningTaskCount',
      dimensionsMap: {
        ClusterName: props.cluster.clusterName,
        ServiceName: props.worker.serviceName,
      },
      period: minute,
      statistic: 'Minimum',
    });
    const workerHeartbeatGap = new cloudwatch.Alarm(this, 'WorkerHeartbeatGap', {
      alarmName: name('worker-heartbeat-gap'),
      alarmDescription:
        'No worker is taking work: messages wait and none is received, or no worker task runs',
      metric: new cloudwatch.MathExpression({
        label: 'worker gap (1 = no worker taking work)',
        expression: 'IF((visible > 0 AND received == 0) OR FILL(tasks, 0) < 1, 1, 0)',
        usingMetrics: {
          visible: props.queue.metricApproximateNumberOfMessagesVisible({
            period: minute,
            statistic: 'Minimum',
          }),
          received: props.queue.metricNumberOfMessagesReceived({
            period: minute,
            statistic: 'Sum',
          }),
          tasks: runningWorkers,
        },
        period: minute,
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 5,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });

    const fiveMinutes = Duration.minutes(5);
    const loadBalancer5xx = new cloudwatch.Alarm(this, 'LoadBalancer5xx', {
      alarmName: name('load-balancer-5xx'),
      alarmDescription: 'The load balancer or the api answered 5xx',
      metric: new cloudwatch.MathExpression({
        label: '5xx answers (load balancer + api)',
        expression: 'FILL(elb, 0) + FILL(targets, 0)',
        usingMetrics: {
          elb: props.loadBalancer.metrics.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, {
            period: fiveMinutes,
          }),
          targets: props.loadBalancer.metrics.httpCodeTarget(
            elbv2.HttpCodeTarget.TARGET_5XX_COUNT,
            {
              period: fiveMinutes,
            },
          ),
        },
        period: fiveMinutes,
      }),
      threshold: props.max5xxPerPeriod,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const apiUnhealthy = new cloudwatch.Alarm(this, 'ApiUnhealthy', {
      alarmName: name('api-unhealthy'),
      alarmDescription:
        'No api task passes GET /health (PostgreSQL or SQS unreachable from the api)',
      metric: props.targetGroup.metrics.healthyHostCount({ period: minute, statistic: 'Minimum' }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 3,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });

    this.alarms = {
      deadLetters,
      oldestMessageAge,
      workerHeartbeatGap,
      loadBalancer5xx,
      apiUnhealthy,
    };
    for (const alarm of Object.values(this.alarms)) {
      alarm.addAlarmAction(new actions.SnsAction(this.topic));
      alarm.addOkAction(new actions.SnsAction(this.topic));
    }
  }
}
