/**
 * Every AWS price the cost model uses, us-east-1, USD, with where it was read and when.
 *
 * `status` says how far a number can be trusted:
 * - `aws`: quoted from an AWS page (pricing page, pricing example or AWS documentation).
 * - `third-party`: AWS's own page was not readable where these prices were collected (its price
 *   cells are filled in by script); the number is quoted from a third-party page that names AWS's
 *   us-east-1 price. Counted in totals; check it against the AWS page before relying on it.
 * - `unknown`: no published number was found. `usd` is null; the model still computes the usage
 *   (GB, objects, hours) and reports the line as "price unknown", excluded from every total.
 *
 * Update a price here and nowhere else; docs/cost-model.md prints this table.
 */
export type PriceStatus = 'aws' | 'third-party' | 'unknown';

export interface Price {
  readonly service: string;
  readonly item: string;
  /** USD per `unit`, or null when unknown. */
  readonly usd: number | null;
  readonly unit: string;
  readonly status: PriceStatus;
  /** Where the number was read (page title and address). */
  readonly source: string;
  /** When it was read (YYYY-MM-DD). */
  readonly read: string;
  readonly note?: string;
}

const READ = '2026-12-07';

const KDS_PAGE =
  'Amazon Kinesis Data Streams pricing, https://aws.amazon.com/kinesis/data-streams/pricing/';
const C3X =
  'c3x.dev "aws_kinesis_stream cost estimation", https://c3x.dev/resources/aws/aws_kinesis_stream';
const LAMBDA_3P =
  'cloudchipr.com "AWS Lambda Pricing Breakdown" (US East (N. Virginia)), https://cloudchipr.com/blog/aws-lambda-pricing';
const DDB_3P =
  'airbyte.com "Amazon DynamoDB Pricing" (US East, after the November 2024 reduction), https://airbyte.com/data-engineering-resources/dynamodb-pricing';
const FLINK_AWS =
  'Amazon Managed Service for Apache Flink pricing, pricing examples (US East (N. Virginia)), https://aws.amazon.com/managed-service-apache-flink/pricing/ (as transcribed verbatim in api-evangelist/kinesis plans/kinesis-plans-pricing.yml, read 2026-09-20); orchestration KPU and per-second billing: https://docs.aws.amazon.com/managed-flink/latest/java/how-pricing.html';
const FIREHOSE_PAGE = 'Amazon Data Firehose pricing, https://aws.amazon.com/firehose/pricing/';

export const PRICES = {
  kinesisShardHour: {
    service: 'Kinesis Data Streams',
    item: 'provisioned shard-hour',
    usd: 0.015,
    unit: 'shard-hour',
    status: 'third-party',
    source: C3X,
    read: READ,
  },
  kinesisPutUnitsPerMillion: {
    service: 'Kinesis Data Streams',
    item: 'provisioned PUT payload units (25 KB each)',
    usd: 0.014,
    unit: 'million PUT payload units',
    status: 'third-party',
    source:
      'EveryMundo/aws-kinesis-client docs/why-we-created-this-package.md (quotes the AWS pricing page: $0.014 per million in US West (Oregon), the lowest region), https://github.com/EveryMundo/aws-kinesis-client',
    read: READ,
    note: 'quoted for us-west-2; us-east-1 is listed at the same lowest price on the AWS page, not confirmed here',
  },
  kinesisOnDemandStreamHour: {
    service: 'Kinesis Data Streams',
    item: 'on-demand stream-hour',
    usd: null,
    unit: 'stream-hour',
    status: 'unknown',
    source: KDS_PAGE,
    read: READ,
    note: 'the AWS page describes the charge but its price cells were not readable; no second source found',
  },
  kinesisOnDemandGbIn: {
    service: 'Kinesis Data Streams',
    item: 'on-demand data in (records rounded up to 1 KB)',
    usd: null,
    unit: 'GB',
    status: 'unknown',
    source: KDS_PAGE,
    read: READ,
    note: 'one third-party page (c3x.dev) gives $0.04/GB and a per-record charge the AWS page does not describe; not used',
  },
  kinesisOnDemandGbOut: {
    service: 'Kinesis Data Streams',
    item: 'on-demand data out',
    usd: null,
    unit: 'GB',
    status: 'unknown',
    source: KDS_PAGE,
    read: READ,
  },
  efoConsumerShardHour: {
    service: 'Kinesis Data Streams',
    item: 'enhanced fan-out consumer-shard-hour',
    usd: 0.015,
    unit: 'consumer-shard-hour',
    status: 'third-party',
    source: C3X,
    read: READ,
  },
  efoGbRetrieved: {
    service: 'Kinesis Data Streams',
    item: 'enhanced fan-out data retrieved',
    usd: 0.013,
    unit: 'GB',
    status: 'third-party',
    source: C3X,
    read: READ,
  },
  lambdaArmGbSecond: {
    service: 'Lambda',
    item: 'duration, arm64 (first 7.5 billion GB-s a month)',
    usd: 0.0000133334,
    unit: 'GB-second',
    status: 'third-party',
    source: LAMBDA_3P,
    read: READ,
  },
  lambdaX86GbSecond: {
    service: 'Lambda',
    item: 'duration, x86_64 (first 6 billion GB-s a month)',
    usd: 0.0000166667,
    unit: 'GB-second',
    status: 'third-party',
    source: LAMBDA_3P,
    read: READ,
  },
  lambdaRequestsPerMillion: {
    service: 'Lambda',
    item: 'requests',
    usd: 0.2,
    unit: 'million requests',
    status: 'third-party',
    source: LAMBDA_3P,
    read: READ,
  },
  dynamoWritePerMillion: {
    service: 'DynamoDB',
    item: 'on-demand write request units (Standard table class)',
    usd: 0.625,
    unit: 'million WRU',
    status: 'third-party',
    source: DDB_3P,
    read: READ,
  },
  dynamoReadPerMillion: {
    service: 'DynamoDB',
    item: 'on-demand read request units (Standard table class)',
    usd: 0.125,
    unit: 'million RRU',
    status: 'third-party',
    source: DDB_3P,
    read: READ,
  },
  dynamoStorageGbMonth: {
    service: 'DynamoDB',
    item: 'data storage (Standard table class, after the first 25 GB)',
    usd: 0.25,
    unit: 'GB-month',
    status: 'aws',
    source:
      'Amazon DynamoDB pricing, "Pricing at a glance", https://aws.amazon.com/dynamodb/pricing/',
    read: READ,
  },
  s3StorageGbMonth: {
    service: 'S3',
    item: 'S3 Standard storage, first 50 TB a month',
    usd: 0.023,
    unit: 'GB-month',
    status: 'third-party',
    source:
      'deepeshsoni.com "Understanding Amazon S3 Pricing" (US East (N. Virginia), "approximately"), https://deepeshsoni.com/archives/256',
    read: READ,
  },
  s3PutPerThousand: {
    service: 'S3',
    item: 'PUT, COPY, POST, LIST requests (S3 Standard)',
    usd: null,
    unit: '1,000 requests',
    status: 'unknown',
    source: 'Amazon S3 pricing, https://aws.amazon.com/s3/pricing/',
    read: READ,
    note: 'the AWS page renders these cells by script; the pages found give the figure only as an example',
  },
  s3GetPerThousand: {
    service: 'S3',
    item: 'GET, SELECT and other requests (S3 Standard)',
    usd: null,
    unit: '1,000 requests',
    status: 'unknown',
    source: 'Amazon S3 pricing, https://aws.amazon.com/s3/pricing/',
    read: READ,
  },
  firehoseGbIngested: {
    service: 'Data Firehose',
    item: 'ingestion, Kinesis Data Streams as source (records rounded up to 5 KB), first tier',
    usd: null,
    unit: 'GB',
    status: 'unknown',
    source: FIREHOSE_PAGE,
    read: READ,
    note: 'the 5 KB rounding is described on the page; the per-GB price was not readable and no second source was found',
  },
  firehoseDynamicPartitioningGb: {
    service: 'Data Firehose',
    item: 'dynamic partitioning, data delivered',
    usd: null,
    unit: 'GB',
    status: 'unknown',
    source: FIREHOSE_PAGE,
    read: READ,
  },
  firehoseDynamicPartitioningObjects: {
    service: 'Data Firehose',
    item: 'dynamic partitioning, objects delivered',
    usd: null,
    unit: '1,000 objects',
    status: 'unknown',
    source: FIREHOSE_PAGE,
    read: READ,
  },
  snsPublishesPerMillion: {
    service: 'SNS',
    item: 'standard topic publishes (64 KB chunks)',
    usd: 0.5,
    unit: 'million publishes',
    status: 'third-party',
    source:
      'factualminds.com "Amazon SNS Pricing: Why a Single Publish Can Bill as Four Charges" (2026-06-13), https://www.factualminds.com/blog/amazon-sns-pricing-publishes-fanout-protocols/',
    read: READ,
    note: 'deliveries to SQS/Lambda subscribers are not charged on top; e-mail/HTTP deliveries are (not modelled)',
  },
  cloudwatchLogsGbIngested: {
    service: 'CloudWatch',
    item: 'Logs ingestion (Standard log class)',
    usd: 0.5,
    unit: 'GB',
    status: 'third-party',
    source:
      'factualminds.com "Amazon CloudWatch Pricing: The 10 Billing Dimensions", https://www.factualminds.com/blog/amazon-cloudwatch-pricing-metrics-logs-alarms-dashboards/',
    read: READ,
  },
  cloudwatchCustomMetricMonth: {
    service: 'CloudWatch',
    item: 'custom metrics, first 10,000',
    usd: 0.3,
    unit: 'metric-month',
    status: 'third-party',
    source:
      'signoz.io "CloudWatch Pricing Without the Confusion", https://signoz.io/guides/cloudwatch-pricing',
    read: READ,
    note: 'EMF metrics bill per unique name + dimensions; streamlens emits a fixed set per function (not per series)',
  },
  flinkKpuHour: {
    service: 'Managed Service for Apache Flink',
    item: 'KPU-hour (1 vCPU, 4 GB); one extra orchestration KPU per application',
    usd: 0.11,
    unit: 'KPU-hour',
    status: 'aws',
    source: FLINK_AWS,
    read: READ,
  },
  flinkRunningStorageGbMonth: {
    service: 'Managed Service for Apache Flink',
    item: 'running application storage (50 GB per KPU allocated)',
    usd: 0.1,
    unit: 'GB-month',
    status: 'aws',
    source: FLINK_AWS,
    read: READ,
  },
  opensearchInstanceHour: {
    service: 'OpenSearch Service',
    item: 'domain instance-hours and EBS storage',
    usd: null,
    unit: 'instance-hour',
    status: 'unknown',
    source: 'Amazon OpenSearch Service pricing, https://aws.amazon.com/opensearch-service/pricing/',
    read: READ,
    note: 'not looked up: depends on the instance type chosen; the model counts only the indexer Lambda',
  },
  redshiftServerlessRpuHour: {
    service: 'Redshift Serverless',
    item: 'RPU-hour',
    usd: null,
    unit: 'RPU-hour',
    status: 'unknown',
    source: 'Amazon Redshift pricing, https://aws.amazon.com/redshift/pricing/',
    read: READ,
    note: 'not looked up: depends on the base capacity and query load; the model counts only the loader Lambda',
  },
} as const satisfies Record<string, Price>;

export type PriceId = keyof typeof PRICES;
