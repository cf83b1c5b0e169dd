import { describe, expect, it } from '@jest/globals';
import { formatMissingAlarms, missingAlarms } from './alarms.js';
import type { CfnResource, CfnTemplate } from './scan.js';

// A small pipeline with every kind of resource that needs alarms and all of its alarms: complete,
// it passes; without any one of its alarms, the resource that alarm watched is reported.

const OPS = { Ref: 'OperationsTopic' };
const STREAM_ARN = 'arn:aws:kinesis:us-east-1:000000000000:stream/streamlens-dev-events';

const alarm = (
  namespace: string,
  metric: string,
  dimension: string,
  value: unknown,
  actions: unknown[] = [OPS],
): CfnResource => ({
  Type: 'AWS::CloudWatch::Alarm',
  Properties: {
    Namespace: namespace,
    MetricName: metric,
    Dimensions: [{ Name: dimension, Value: value }],
    Statistic: 'Maximum',
    Period: 60,
    EvaluationPeriods: 1,
    Threshold: 0,
    ComparisonOperator: 'GreaterThanThreshold',
    AlarmActions: actions,
  },
});

/** An error-rate alarm as the services write it: metric math over Errors and Invocations. */
const errorRate = (fn: string): CfnResource => ({
  Type: 'AWS::CloudWatch::Alarm',
  Properties: {
    Metrics: ['Errors', 'Invocations'].map((name) => ({
      Id: name.toLowerCase(),
      MetricStat: {
        Metric: {
          Namespace: 'AWS/Lambda',
          MetricName: name,
          Dimensions: [{ Name: 'FunctionName', Value: { Ref: fn } }],
        },
        Period: 60,
        Stat: 'Sum',
      },
      ReturnData: false,
    })),
    Threshold: 1,
    ComparisonOperator: 'GreaterThanThreshold',
    EvaluationPeriods: 1,
    AlarmActions: [OPS],
  },
});

const pipeline = (): CfnTemplate => ({
  Resources: {
    OperationsTopic: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'ops' } },
    AlertsTopic: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'alerts' } },
    IndexLambdaFunction: { Type: 'AWS::Lambda::Function', Properties: {} },
    IndexEventSourceMapping: {
      Type: 'AWS::Lambda::EventSourceMapping',
      Properties: {
        EventSourceArn: STREAM_ARN,
        FunctionName: { 'Fn::GetAtt': ['IndexLambdaFunction', 'Arn'] },
      },
    },
    OnFailureQueue: { Type: 'AWS::SQS::Queue', Properties: {} },
    EventsTable: { Type: 'AWS::DynamoDB::Table', Properties: {} },
    DeliveryStream: {
      Type: 'AWS::KinesisFirehose::DeliveryStream',
      Properties: {
        DeliveryStreamType: 'KinesisStreamAsSource',
        ExtendedS3DestinationConfiguration: { ProcessingConfiguration: { Enabled: true } },
      },
    },
    OpenSearchDomain: {
      Type: 'AWS::OpenSearchService::Domain',
      Properties: { DomainName: 'streamlens-dev' },
    },
    IndexErrorRateAlarm: errorRate('IndexLambdaFunction'),
    IndexThrottlesAlarm: alarm('AWS/Lambda', 'Throttles', 'FunctionName', {
      Ref: 'IndexLambdaFunction',
    }),
    IndexIteratorAgeAlarm: alarm('AWS/Lambda', 'IteratorAge', 'FunctionName', {
      Ref: 'IndexLambdaFunction',
    }),
    OnFailureQueueDepthAlarm: alarm('AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', {
      'Fn::GetAtt': ['OnFailureQueue', 'QueueName'],
    }),
    EventsTableThrottlesAlarm: alarm('AWS/DynamoDB', 'WriteThrottleEvents', 'TableName', {
      Ref: 'EventsTable',
    }),
    FreshnessAlarm: alarm('AWS/Firehose', 'DeliveryToS3.DataFreshness', 'DeliveryStreamName', {
      Ref: 'DeliveryStream',
    }),
    DeliveryAlarm: alarm('AWS/Firehose', 'DeliveryToS3.Success', 'DeliveryStreamName', {
      Ref: 'DeliveryStream',
    }),
    ProcessingAlarm: alarm('AWS/Firehose', 'ExecuteProcessing.Success', 'DeliveryStreamName', {
      Ref: 'DeliveryStream',
    }),
    ReadLagAlarm: alarm('AWS/Firehose', 'KinesisMillisBehindLatest', 'DeliveryStreamName', {
      Ref: 'DeliveryStream',
    }),
    AlertsFailedAlarm: alarm('AWS/SNS', 'NumberOfNotificationsFailed', 'TopicName', {
      'Fn::GetAtt': ['AlertsTopic', 'TopicName'],
    }),
    // Literal names are matched to the resource that carries them.
    RedAlarm: alarm('AWS/ES', 'ClusterStatus.red', 'DomainName', 'streamlens-dev'),
    BlockedAlarm: alarm('AWS/ES', 'ClusterIndexWritesBlocked', 'DomainName', 'streamlens-dev'),
  },
});

const without = (template: CfnTemplate, id: string): CfnTemplate => {
  const { [id]: _removed, ...rest } = template.Resources ?? {};
  return { Resources: rest };
};

const alarmIds = Object.entries(pipeline().Resources ?? {})
  .filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm')
  .map(([id]) => id);

describe('missingAlarms', () => {
  it('passes a pipeline that has every alarm', () => {
    // Act
    const missing = missingAlarms(pipeline());

    // Assess
    expect(formatMissingAlarms('pipeline', missing)).toBe('');
  });

  it.each(alarmIds)('reports the resource %s watched once that alarm is removed', (id) => {
    // Prepare
    const template = without(pipeline(), id);

    // Act
    const missing = missingAlarms(template);

    // Assess
    expect(missing).toHaveLength(1);
  });

  it('names the resource and what it lacks', () => {
    // Act
    const missing = missingAlarms(without(pipeline(), 'IndexIteratorAgeAlarm'));

    // Assess
    expect(missing).toEqual([
      { resource: 'IndexLambdaFunction', type: 'AWS::Lambda::Function', needs: 'iterator age' },
    ]);
  });

  it('does not count an alarm that notifies nobody', () => {
    // Prepare
    const template = pipeline();
    const resources = template.Resources as Record<string, CfnResource>;
    resources.OnFailureQueueDepthAlarm = alarm(
      'AWS/SQS',
      'ApproximateNumberOfMessagesVisible',
      'QueueName',
      { 'Fn::GetAtt': ['OnFailureQueue', 'QueueName'] },
      [],
    );

    // Act
    const missing = missingAlarms(template);

    // Assess
    expect(missing.map((m) => m.resource)).toEqual(['OnFailureQueue']);
  });

  it('does not count an alarm on another resource of the same kind', () => {
    // Prepare
    const template = pipeline();
    const resources = template.Resources as Record<string, CfnResource>;
    resources.OtherTable = { Type: 'AWS::DynamoDB::Table', Properties: {} };

    // Act
    const missing = missingAlarms(template);

    // Assess
    expect(missing).toEqual([
      { resource: 'OtherTable', type: 'AWS::DynamoDB::Table', needs: 'throttled requests' },
    ]);
  });

  it('asks no iterator age of a function fed by a queue, and one of a consumer on a StreamConsumer', () => {
    // Prepare
    const template = without(pipeline(), 'IndexIteratorAgeAlarm');
    const resources = template.Resources as Record<string, CfnResource>;
    const esm = resources.IndexEventSourceMapping as CfnResource;
    esm.Properties = { ...esm.Properties, EventSourceArn: { 'Fn::GetAtt': ['Queue', 'Arn'] } };
    resources.Queue = { Type: 'AWS::SQS::Queue', Properties: {} };
    resources.QueueAlarm = alarm('AWS/SQS', 'ApproximateAgeOfOldestMessage', 'QueueName', {
      'Fn::GetAtt': ['Queue', 'QueueName'],
    });
    const efo = pipeline();
    const efoResources = efo.Resources as Record<string, CfnResource>;
    efoResources.Consumer = { Type: 'AWS::Kinesis::StreamConsumer', Properties: {} };
    const efoEsm = efoResources.IndexEventSourceMapping as CfnResource;
    efoEsm.Properties = { ...efoEsm.Properties, EventSourceArn: { Ref: 'Consumer' } };

    // Act
    const fromQueue = missingAlarms(template);
    const fromConsumer = missingAlarms(without(efo, 'IndexIteratorAgeAlarm'));

    // Assess
    expect(fromQueue).toEqual([]);
    expect(fromConsumer.map((m) => m.needs)).toEqual(['iterator age']);
  });

  it('asks no processing alarm of a delivery stream without a processor, nor read lag of a direct-put one', () => {
    // Prepare
    const template = without(without(pipeline(), 'ProcessingAlarm'), 'ReadLagAlarm');
    const stream = (template.Resources as Record<string, CfnResource>)
      .DeliveryStream as CfnResource;
    stream.Properties = { DeliveryStreamType: 'DirectPut', ExtendedS3DestinationConfiguration: {} };

    // Act
    const missing = missingAlarms(template);

    // Assess
    expect(missing).toEqual([]);
  });
});
