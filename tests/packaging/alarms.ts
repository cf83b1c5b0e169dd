// Alarm coverage of a packaged CloudFormation template: every part of the pipeline that can stall
// or lose data quietly has the CloudWatch alarm that pages someone (docs/operations.md lists
// them). Pure functions over the template JSON, like scan.ts, so that each requirement is
// unit-tested on small templates (alarms.test.ts) before it runs over every packaged service
// (templates.test.ts).

import type { CfnResource, CfnTemplate } from './scan.js';

/** One missing alarm: the resource that lacks it and what the alarm would watch. */
export type MissingAlarm = { resource: string; type: string; needs: string };

type Metric = { namespace: string; name: string; dimensions: Array<[string, unknown]> };

/** Every metric an alarm watches: its own, or each one inside its metric math. */
function alarmMetrics(alarm: CfnResource): Metric[] {
  const p = alarm.Properties ?? {};
  const dims = (value: unknown): Array<[string, unknown]> =>
    (Array.isArray(value) ? value : []).flatMap((d) =>
      isRecord(d) && typeof d.Name === 'string' ? [[d.Name, d.Value] as [string, unknown]] : [],
    );
  if (typeof p.MetricName === 'string') {
    return [{ namespace: String(p.Namespace), name: p.MetricName, dimensions: dims(p.Dimensions) }];
  }
  return (Array.isArray(p.Metrics) ? p.Metrics : []).flatMap((m) => {
    const metric = isRecord(m) && isRecord(m.MetricStat) ? m.MetricStat.Metric : undefined;
    if (!isRecord(metric) || typeof metric.MetricName !== 'string') return [];
    return [
      {
        namespace: String(metric.Namespace),
        name: metric.MetricName,
        dimensions: dims(metric.Dimensions),
      },
    ];
  });
}

/** The resource a dimension value points at: `Ref X`, `Fn::GetAtt [X, ...]`, or a literal name. */
function dimensionTarget(value: unknown, resources: Record<string, CfnResource>): string[] {
  if (isRecord(value)) {
    if (typeof value.Ref === 'string') return [value.Ref];
    const getAtt = value['Fn::GetAtt'];
    if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return [getAtt[0]];
    return [];
  }
  if (typeof value !== 'string') return [];
  // A literal name: the resources that carry it as their name property.
  return Object.entries(resources)
    .filter(([, r]) =>
      ['FunctionName', 'QueueName', 'TableName', 'DeliveryStreamName', 'DomainName', 'TopicName']
        .map((k) => r.Properties?.[k])
        .includes(value),
    )
    .map(([id]) => id);
}

function hasActions(alarm: CfnResource): boolean {
  const actions = alarm.Properties?.AlarmActions;
  return Array.isArray(actions) && actions.length > 0;
}

/** What each resource type needs: [needs, namespace, metric names, dimension] per alarm. */
type Need = { needs: string; namespace: string; metrics: string[]; dimension: string };

const LAMBDA: Need[] = [
  { needs: 'error rate', namespace: 'AWS/Lambda', metrics: ['Errors'], dimension: 'FunctionName' },
  {
    needs: 'throttles',
    namespace: 'AWS/Lambda',
    metrics: ['Throttles'],
    dimension: 'FunctionName',
  },
];
const KINESIS_CONSUMER: Need = {
  needs: 'iterator age',
  namespace: 'AWS/Lambda',
  metrics: ['IteratorAge'],
  dimension: 'FunctionName',
};
const QUEUE: Need[] = [
  {
    needs: 'queue depth or age',
    namespace: 'AWS/SQS',
    metrics: ['ApproximateNumberOfMessagesVisible', 'ApproximateAgeOfOldestMessage'],
    dimension: 'QueueName',
  },
];
const DELIVERY_STREAM: Need[] = [
  {
    needs: 'data freshness',
    namespace: 'AWS/Firehose',
    metrics: ['DeliveryToS3.DataFreshness'],
    dimension: 'DeliveryStreamName',
  },
  {
    needs: 'failed deliveries',
    namespace: 'AWS/Firehose',
    metrics: ['DeliveryToS3.Success'],
    dimension: 'DeliveryStreamName',
  },
];
const DELIVERY_PROCESSING: Need = {
  needs: 'failed processing',
  namespace: 'AWS/Firehose',
  metrics: ['ExecuteProcessing.Success'],
  dimension: 'DeliveryStreamName',
};
const DELIVERY_FROM_KINESIS: Need = {
  needs: 'source read lag',
  namespace: 'AWS/Firehose',
  metrics: ['KinesisMillisBehindLatest'],
  dimension: 'DeliveryStreamName',
};
const TABLE: Need[] = [
  {
    needs: 'throttled requests',
    namespace: 'AWS/DynamoDB',
    metrics: ['ReadThrottleEvents', 'WriteThrottleEvents', 'ThrottledRequests'],
    dimension: 'TableName',
  },
];
const TOPIC: Need[] = [
  {
    needs: 'failed notifications',
    namespace: 'AWS/SNS',
    metrics: ['NumberOfNotificationsFailed'],
    dimension: 'TopicName',
  },
];
const DOMAIN: Need[] = [
  {
    needs: 'cluster red',
    namespace: 'AWS/ES',
    metrics: ['ClusterStatus.red'],
    dimension: 'DomainName',
  },
  {
    needs: 'index writes blocked',
    namespace: 'AWS/ES',
    metrics: ['ClusterIndexWritesBlocked'],
    dimension: 'DomainName',
  },
];

/** The function an event source mapping invokes, when it reads a Kinesis stream or consumer. */
function kinesisConsumerFunction(
  esm: CfnResource,
  resources: Record<string, CfnResource>,
): string | undefined {
  const p = esm.Properties ?? {};
  const source = dimensionTarget(p.EventSourceArn, resources).map((id) => resources[id]?.Type);
  const readsKinesis =
    source.includes('AWS::Kinesis::Stream') ||
    source.includes('AWS::Kinesis::StreamConsumer') ||
    /:kinesis:/.test(JSON.stringify(p.EventSourceArn ?? ''));
  if (!readsKinesis) return undefined;
  const fn = p.FunctionName;
  if (!isRecord(fn)) return undefined;
  if (typeof fn.Ref === 'string') return fn.Ref;
  const getAtt = fn['Fn::GetAtt'];
  return Array.isArray(getAtt) && typeof getAtt[0] === 'string' ? getAtt[0] : undefined;
}

/**
 * Topics the template's alarms notify: the operations topic is where alarms go, not something
 * that needs one of its own.
 */
function alarmTargets(alarms: CfnResource[]): Set<string> {
  const out = new Set<string>();
  for (const alarm of alarms) {
    for (const action of [alarm.Properties?.AlarmActions].flat()) {
      const text = JSON.stringify(action ?? null);
      for (const match of text.matchAll(/"Ref":"([^"]+)"/g)) out.add(match[1] as string);
    }
  }
  return out;
}

/**
 * The alarms a template lacks: for each Lambda function error rate and throttles; for each
 * Kinesis consumer its iterator age; for each SQS queue its depth or oldest-message age; for each
 * Firehose delivery stream data freshness, failed deliveries, failed processing (with a
 * processor) and source read lag (reading Kinesis); for each DynamoDB table throttled requests;
 * for each SNS topic that no alarm targets failed notifications; for each OpenSearch domain red
 * status and write blocks. An alarm counts only if it notifies someone (AlarmActions).
 */
export function missingAlarms(template: CfnTemplate): MissingAlarm[] {
  const resources = template.Resources ?? {};
  const alarms = Object.values(resources).filter(
    (r) => r.Type === 'AWS::CloudWatch::Alarm' && hasActions(r),
  );
  const watched = alarms.flatMap(alarmMetrics);
  const covered = (id: string, need: Need): boolean =>
    watched.some(
      (m) =>
        m.namespace === need.namespace &&
        need.metrics.includes(m.name) &&
        m.dimensions.some(
          ([name, value]) =>
            name === need.dimension && dimensionTarget(value, resources).includes(id),
        ),
    );
  const targets = alarmTargets(alarms);

  const needs: Array<[string, CfnResource, Need]> = [];
  for (const [id, r] of Object.entries(resources)) {
    const p = r.Properties ?? {};
    switch (r.Type) {
      case 'AWS::Lambda::Function':
        for (const need of LAMBDA) needs.push([id, r, need]);
        break;
      case 'AWS::Lambda::EventSourceMapping': {
        const fn = kinesisConsumerFunction(r, resources);
        if (fn !== undefined) needs.push([fn, resources[fn] ?? r, KINESIS_CONSUMER]);
        break;
      }
      case 'AWS::SQS::Queue':
        for (const need of QUEUE) needs.push([id, r, need]);
        break;
      case 'AWS::KinesisFirehose::DeliveryStream': {
        for (const need of DELIVERY_STREAM) needs.push([id, r, need]);
        const destination = p.ExtendedS3DestinationConfiguration;
        if (isRecord(destination) && isRecord(destination.ProcessingConfiguration)) {
          if (destination.ProcessingConfiguration.Enabled !== false) {
            needs.push([id, r, DELIVERY_PROCESSING]);
          }
        }
        if (p.DeliveryStreamType === 'KinesisStreamAsSource') {
          needs.push([id, r, DELIVERY_FROM_KINESIS]);
        }
        break;
      }
      case 'AWS::DynamoDB::Table':
        for (const need of TABLE) needs.push([id, r, need]);
        break;
      case 'AWS::SNS::Topic':
        if (!targets.has(id)) for (const need of TOPIC) needs.push([id, r, need]);
        break;
      case 'AWS::OpenSearchService::Domain':
        for (const need of DOMAIN) needs.push([id, r, need]);
        break;
    }
  }
  return needs
    .filter(([id, , need]) => !covered(id, need))
    .map(([id, r, need]) => ({ resource: id, type: r.Type, needs: need.needs }));
}

/** One line per missing alarm, for test failure messages. */
export function formatMissingAlarms(name: string, missing: readonly MissingAlarm[]): string {
  return missing
    .map((m) => `${name}: ${m.resource} (${m.type}) has no ${m.needs} alarm`)
    .join('\n');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
