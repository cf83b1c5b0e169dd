// The stage's CloudWatch dashboard body, built here because CloudFormation wants it as one JSON
// string. osls loads this file through `${file(dashboard/dashboard.cjs)}` and calls the exported
// function; `build(stage)` is what tests/packaging/dashboard.test.ts reads.
//
// Six columns, the pipeline left to right: the events stream; the lake (Firehose and its
// transformation); the aggregator; the aggregates stream, the detector and the alerts topic; the
// two indexers; the warehouse loader and every dead-letter queue. Each column shows throughput,
// errors and lag from AWS's metrics and the EMF metrics the functions emit (namespace streamlens,
// dimension `service`). Resource names follow each service's serverless.yml; the packaging test
// checks that every function, table, queue and delivery stream of the packaged templates is on it.

const NS = 'streamlens';
const WIDTH = 4;
const HEIGHT = 6;

/** Region of the stack: Fn::Sub replaces it at deploy time. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax, not JS.
const REGION = '${AWS::Region}';

function names(stage) {
  const fn = (service, name) => `streamlens-${service}-${stage}-${name}`;
  return {
    eventsStream: `streamlens-${stage}-events`,
    aggregatesStream: `streamlens-${stage}-aggregates`,
    deliveryStream: `streamlens-${stage}-lake`,
    alertsTopic: `streamlens-${stage}-alerts`,
    transform: fn('firehose-transform', 'transform'),
    aggregate: fn('stream-aggregator', 'aggregate'),
    idle: fn('stream-aggregator', 'idle'),
    ddbIndex: fn('dynamodb-indexer', 'index'),
    osIndex: fn('opensearch-indexer', 'index'),
    detect: fn('anomaly-alerts', 'detect'),
    load: fn('warehouse-loader', 'load'),
    tables: [
      `streamlens-${stage}-aggregator-state`,
      `streamlens-${stage}-windows`,
      `streamlens-${stage}-events`,
      `streamlens-${stage}-anomaly-state`,
    ],
    loadQueue: `streamlens-${stage}-warehouse-loader`,
    deadLetterQueues: [
      `streamlens-${stage}-aggregator-failures`,
      `streamlens-${stage}-aggregator-failures-idle-dlq`,
      `streamlens-${stage}-dynamodb-indexer-failures`,
      `streamlens-${stage}-opensearch-indexer-failures`,
      `streamlens-${stage}-anomaly-alerts-failures`,
      `streamlens-${stage}-warehouse-loader-dlq`,
    ],
  };
}

/** One metric widget. `metrics` rows are CloudWatch's [namespace, name, dim, value, {options}]. */
function widget(title, metrics, options = {}) {
  return {
    type: 'metric',
    width: WIDTH,
    height: HEIGHT,
    properties: {
      title,
      region: REGION,
      view: 'timeSeries',
      stacked: false,
      period: 60,
      stat: 'Sum',
      metrics,
      ...options,
    },
  };
}

/** EMF metrics of one service (dimension `service`), summed per minute. */
const emf = (service, metricNames) =>
  metricNames.map((name) => [NS, name, 'service', service, { label: name }]);

/** Metrics named `<prefix>_<code>` (one per error code), or with an extra dimension: a SEARCH. */
const search = (id, label, query) => [
  { id, label, expression: `SEARCH('${query.replace(/'/g, "\\'")}', 'Sum', 60)` },
];

/** Invocations, errors, throttles, duration and (stream consumers) iterator age of functions. */
function lambdaWidgets(title, functionNames, { iteratorAge = false } = {}) {
  const byFunction = (metric, stat) =>
    functionNames.map((f) => ['AWS/Lambda', metric, 'FunctionName', f, { stat, label: f }]);
  const widgets = [
    widget(`${title}: invocations and errors`, [
      ...byFunction('Invocations', 'Sum'),
      ...byFunction('Errors', 'Sum'),
      ...byFunction('Throttles', 'Sum'),
    ]),
    widget(`${title}: duration p50 / p99 (ms)`, [
      ...byFunction('Duration', 'p50'),
      ...byFunction('Duration', 'p99'),
    ]),
  ];
  if (iteratorAge) {
    widgets.push(
      widget(`${title}: iterator age (ms)`, byFunction('IteratorAge', 'Maximum'), {
        stat: 'Maximum',
      }),
    );
  }
  return widgets;
}

function columns(n) {
  const stream =
    (name) =>
    (metric, stat = 'Sum') => ['AWS/Kinesis', metric, 'StreamName', name, { stat, label: metric }];
  const events = stream(n.eventsStream);
  const aggregates = stream(n.aggregatesStream);
  const delivery = (metric, stat = 'Sum') => [
    'AWS/Firehose',
    metric,
    'DeliveryStreamName',
    n.deliveryStream,
    { stat, label: metric },
  ];
  return [
    // 1. Records in.
    [
      widget('events stream: records and bytes in', [
        events('IncomingRecords'),
        events('IncomingBytes'),
      ]),
      widget('events stream: reads and throttling', [
        events('GetRecords.Records'),
        events('ReadProvisionedThroughputExceeded'),
        events('WriteProvisionedThroughputExceeded'),
        events('SubscribeToShardEvent.Records'),
      ]),
      widget(
        'events stream: oldest record read (ms)',
        [events('GetRecords.IteratorAgeMilliseconds', 'Maximum')],
        { stat: 'Maximum' },
      ),
    ],
    // 2. The lake: Firehose reads the stream, the transformation validates, S3 receives.
    [
      widget('lake delivery: records', [
        delivery('DataReadFromKinesisStream.Records'),
        delivery('DeliveryToS3.Records'),
        delivery('PartitionCount', 'Maximum'),
      ]),
      widget(
        'lake delivery: freshness (s) and success',
        [
          delivery('DeliveryToS3.DataFreshness', 'Maximum'),
          delivery('DeliveryToS3.Success', 'Average'),
          delivery('ExecuteProcessing.Success', 'Average'),
          delivery('KinesisMillisBehindLatest', 'Maximum'),
        ],
        { stat: 'Maximum' },
      ),
      widget(
        'transform: records by result',
        emf('firehose-transform', [
          'RecordsIn',
          'RecordsOk',
          'RecordsDropped',
          'RecordsFailed',
          'EventsOut',
          'RecordsReingested',
          'ReingestFailures',
          'ResponseBytes',
        ]),
      ),
      widget(
        'transform: invalid records by code',
        search(
          'failed',
          'ProcessingFailed',
          '{streamlens,errorCode,service} service="firehose-transform" MetricName="ProcessingFailed"',
        ),
      ),
      ...lambdaWidgets('transform', [n.transform]),
    ],
    // 3. Windows.
    [
      widget(
        'aggregator: records',
        emf('stream-aggregator', [
          'RecordsReceived',
          'RecordsApplied',
          'RecordsDuplicate',
          'RecordsCorrection',
          'RecordsTooLate',
          'RecordsInvalid',
          'BatchFailures',
          'QueryEventsTooLate',
          'QueryEventsDropped',
        ]),
      ),
      widget(
        'aggregator: windows and state',
        emf('stream-aggregator', [
          'WindowsEmitted',
          'WindowsEmittedIdle',
          'CommitConflicts',
          'DynamoWriteUnits',
          'DynamoReadUnits',
        ]),
      ),
      ...lambdaWidgets('aggregator', [n.aggregate, n.idle], { iteratorAge: true }),
    ],
    // 4. Aggregates stream → detector → alerts topic.
    [
      widget('aggregates stream: records in', [
        aggregates('IncomingRecords'),
        aggregates('GetRecords.IteratorAgeMilliseconds', 'Maximum'),
      ]),
      widget(
        'detector: windows and alerts',
        emf('anomaly-alerts', [
          'WindowsScored',
          'AlertsOpened',
          'AlertsRecovered',
          'AlertsPublished',
          'AlertsSuppressed',
          'AlertsWithdrawn',
          'AlertsCompensated',
        ]),
      ),
      widget('detector: corrections, conflicts, skipped windows', [
        ...emf('anomaly-alerts', [
          'CorrectionsLatest',
          'CorrectionsOlder',
          'StateConflicts',
          'KinesisRecordsProcessed',
          'KinesisRecordsFailed',
          'KinesisRecordsDecodeFailed',
          'KinesisRecordsNotAttempted',
        ]),
        ...search(
          'skipped',
          'WindowsSkipped',
          '{streamlens,service} service="anomaly-alerts" WindowsSkipped',
        ),
      ]),
      widget('alerts topic: published and failed', [
        ['AWS/SNS', 'NumberOfMessagesPublished', 'TopicName', n.alertsTopic],
        ['AWS/SNS', 'NumberOfNotificationsDelivered', 'TopicName', n.alertsTopic],
        ['AWS/SNS', 'NumberOfNotificationsFailed', 'TopicName', n.alertsTopic],
      ]),
      ...lambdaWidgets('detector', [n.detect], { iteratorAge: true }),
    ],
    // 5. Indexers.
    [
      widget('dynamodb-indexer: records', [
        ...emf('dynamodb-indexer', [
          'KinesisRecords',
          'EventsIndexed',
          'EventsCompressed',
          'RecordsQuarantined',
          'RecordsInvalid',
          'DuplicateKeysInBatch',
          'ItemsNotWritten',
          'RecordsReportedFailed',
          'ControlMessagesDropped',
        ]),
        ...search(
          'invalid',
          'RecordsInvalid by code',
          '{streamlens,service} service="dynamodb-indexer" RecordsInvalid',
        ),
      ]),
      widget('opensearch-indexer: documents', [
        ...emf('opensearch-indexer', [
          'KinesisRecords',
          'EventsIndexed',
          'DocumentsRejected',
          'RecordsInvalid',
          'DeadLettered',
          'DocumentsUnfinished',
          'BulkRequests',
          'BulkItemsRetried',
          'ControlMessagesDropped',
          'RecordsReportedFailed',
        ]),
        ...search(
          'rejected',
          'DocumentsRejected by type',
          '{streamlens,service} service="opensearch-indexer" DocumentsRejected',
        ),
      ]),
      widget(
        'tables: throttled requests',
        n.tables.flatMap((t) => [
          ['AWS/DynamoDB', 'ReadThrottleEvents', 'TableName', t, { label: `${t} reads` }],
          ['AWS/DynamoDB', 'WriteThrottleEvents', 'TableName', t, { label: `${t} writes` }],
        ]),
      ),
      widget(
        'tables: consumed write units',
        n.tables.map((t) => ['AWS/DynamoDB', 'ConsumedWriteCapacityUnits', 'TableName', t]),
      ),
      ...lambdaWidgets('indexers', [n.ddbIndex, n.osIndex], { iteratorAge: true }),
    ],
    // 6. Warehouse and everything that went to a dead letter.
    [
      widget(
        'warehouse-loader: objects',
        emf('warehouse-loader', [
          'ObjectsLoaded',
          'ObjectsSkipped',
          'ObjectsFailed',
          'MessagesFailed',
        ]),
      ),
      widget(
        'warehouse queue: waiting, oldest (s)',
        [
          ['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', n.loadQueue],
          ['AWS/SQS', 'ApproximateAgeOfOldestMessage', 'QueueName', n.loadQueue],
        ],
        { stat: 'Maximum' },
      ),
      widget(
        'dead letters and on-failure queues',
        n.deadLetterQueues.map((q) => [
          'AWS/SQS',
          'ApproximateNumberOfMessagesVisible',
          'QueueName',
          q,
          { label: q },
        ]),
        { stat: 'Maximum' },
      ),
      ...lambdaWidgets('warehouse-loader', [n.load]),
    ],
  ];
}

/** The dashboard body for a stage, as an object (region left as `${AWS::Region}`). */
function build(stage) {
  const widgets = [];
  columns(names(stage)).forEach((column, i) => {
    column.forEach((w, j) => {
      widgets.push({ ...w, x: i * WIDTH, y: j * HEIGHT });
    });
  });
  return { start: '-PT3H', periodOverride: 'inherit', widgets };
}

/** osls: `DashboardBody: ${file(dashboard/dashboard.cjs)}` becomes `{ Fn::Sub: <json> }`. */
module.exports = async ({ resolveVariable }) => {
  const stage = await resolveVariable('sls:stage');
  return { 'Fn::Sub': JSON.stringify(build(stage)) };
};
module.exports.build = build;
