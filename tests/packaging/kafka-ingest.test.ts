import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { type CfnTemplate, formatFindings, scanTemplate } from './scan.js';

// The Kafka ingest variants scripts/package-check.mjs packages (config/kafka-ingest.cjs), and the
// generator's own checks of its params.

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);
const ingest = require('../../config/kafka-ingest.cjs') as {
  INGEST: Record<string, { kinesis: boolean }>;
  plan: (params: Record<string, string>, service: Record<string, string>) => unknown;
};

type Resource = {
  Type: string;
  Condition?: string;
  DependsOn?: string[];
  Properties?: Record<string, unknown>;
};
type Template = { Resources: Record<string, Resource>; Conditions?: Record<string, unknown> };

const CLUSTER =
  'arn:aws:kafka:us-east-1:123456789012:cluster/streamlens/6c1e2f3a-8a1b-4c2d-9e3f-0a1b2c3d4e5f-2';
const SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:AmazonMSK_streamlens-a1B2c3';

const variant = (dir: string): Template => {
  const file = join(root, '.tmp/package-check', dir, 'cloudformation-template-update-stack.json');
  // A missing template means the services were not packaged: run `pnpm run package:check`.
  expect({ file, exists: existsSync(file) }).toEqual({ file, exists: true });
  return JSON.parse(readFileSync(file, 'utf8')) as Template;
};
const ofType = (t: Template, type: string) =>
  Object.entries(t.Resources).filter(([, r]) => r.Type === type);
type Statement = { Sid: string; Action: string[]; Resource: unknown };
const statements = (t: Template): Statement[] =>
  (t.Resources.KafkaIngestPolicy?.Properties?.PolicyDocument as { Statement?: Statement[] })
    ?.Statement ?? [];
const grant = (t: Template, sid: string) => statements(t).find((st) => st.Sid === sid);

const VARIANTS = [
  'stream-aggregator-msk',
  'stream-aggregator-kafka',
  'dynamodb-indexer-kinesis-msk',
  'dynamodb-indexer-kafka',
  'opensearch-indexer-msk',
  'opensearch-indexer-kinesis-kafka',
];

describe('Kafka ingest variants', () => {
  it.each(VARIANTS)('%s passes the template scan', (dir) => {
    // Act
    const findings = scanTemplate(variant(dir) as CfnTemplate);

    // Assess
    expect(formatFindings(dir, findings)).toBe('');
  });

  it('msk: the aggregate function reads the MSK topic only, with its Kinesis settings, IAM auth and the on-failure queue', () => {
    // Prepare
    const t = variant('stream-aggregator-msk');
    const mapping = t.Resources.KafkaMskEventSourceMapping;

    // Assess
    expect(ofType(t, 'AWS::Lambda::EventSourceMapping').map(([id]) => id)).toEqual([
      'KafkaMskEventSourceMapping',
    ]);
    // No enhanced fan-out consumer on a stream the function does not read.
    expect(t.Conditions?.AggregateOnEnhancedFanOut).toEqual({
      'Fn::And': [{ 'Fn::Equals': ['efo', 'efo'] }, { 'Fn::Equals': ['false', 'true'] }],
    });
    expect(mapping?.DependsOn).toEqual(['KafkaIngestPolicy']);
    expect(mapping?.Properties).toEqual({
      EventSourceArn: CLUSTER,
      FunctionName: { Ref: 'AggregateLambdaFunction' },
      Topics: ['streamlens-events'],
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 1000,
      MaximumBatchingWindowInSeconds: 5,
      Enabled: true,
      ProvisionedPollerConfig: { MinimumPollers: 1, MaximumPollers: 200 },
      MaximumRetryAttempts: 10,
      MaximumRecordAgeInSeconds: 21600,
      BisectBatchOnFunctionError: true,
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': ['OnFailureQueue', 'Arn'] } },
      },
      AmazonManagedKafkaEventSourceConfig: { ConsumerGroupId: 'streamlens-stream-aggregator-dev' },
    });
  });

  it('msk with IAM auth: kafka-cluster actions on exactly the cluster, the topic and the group', () => {
    // Prepare
    const t = variant('stream-aggregator-msk');
    const cluster = 'streamlens/6c1e2f3a-8a1b-4c2d-9e3f-0a1b2c3d4e5f-2';

    // Assess
    expect(statements(t).map((st) => [st.Sid, st.Action, st.Resource])).toEqual([
      ['MskClusterMetadata', ['kafka:DescribeClusterV2', 'kafka:GetBootstrapBrokers'], CLUSTER],
      [
        'MskConnect',
        ['kafka-cluster:Connect', 'kafka-cluster:DescribeClusterDynamicConfiguration'],
        CLUSTER,
      ],
      [
        'MskReadTopic',
        ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'],
        `arn:aws:kafka:us-east-1:123456789012:topic/${cluster}/streamlens-events`,
      ],
      [
        'MskConsumerGroup',
        ['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup'],
        `arn:aws:kafka:us-east-1:123456789012:group/${cluster}/streamlens-stream-aggregator-dev`,
      ],
      ['KafkaNetworkInterfaces', expect.any(Array), expect.any(Array)],
      ['KafkaNetworkLookups', expect.any(Array), '*'],
      [
        'KafkaOnFailureDestination',
        ['sqs:SendMessage'],
        { 'Fn::GetAtt': ['OnFailureQueue', 'Arn'] },
      ],
    ]);
    expect(t.Resources.KafkaIngestPolicy?.Properties?.Roles).toEqual([
      { Ref: 'IamRoleLambdaExecution' },
    ]);
  });

  it('msk with a SASL/SCRAM secret: the secret, and no kafka-cluster grants', () => {
    // Prepare
    const t = variant('opensearch-indexer-msk');

    // Assess
    expect(t.Resources.KafkaMskEventSourceMapping?.Properties?.SourceAccessConfigurations).toEqual([
      { Type: 'SASL_SCRAM_512_AUTH', URI: SECRET },
    ]);
    expect(statements(t).map((st) => st.Sid)).toEqual([
      'MskClusterMetadata',
      'KafkaNetworkInterfaces',
      'KafkaNetworkLookups',
      'KafkaSaslSecret',
      'KafkaOnFailureDestination',
    ]);
    expect(grant(t, 'KafkaSaslSecret')?.Resource).toBe(SECRET);
    // Without a domain the indexer's mappings stay off, the Kafka one as the Kinesis one.
    expect(t.Resources.KafkaMskEventSourceMapping?.Properties?.Enabled).toBe(false);
  });

  it('kafka: a self-managed cluster with SASL in a VPC, network grants pinned to its subnets and group', () => {
    // Prepare
    const t = variant('stream-aggregator-kafka');
    const mapping = t.Resources.KafkaSelfManagedEventSourceMapping?.Properties;
    const ec2 = (path: string) => ({
      'Fn::Sub': `arn:\${AWS::Partition}:ec2:\${AWS::Region}:\${AWS::AccountId}:${path}`,
    });

    // Assess
    expect(ofType(t, 'AWS::Lambda::EventSourceMapping').map(([id]) => id)).toEqual([
      'KafkaSelfManagedEventSourceMapping',
    ]);
    expect(mapping?.SelfManagedEventSource).toEqual({
      Endpoints: {
        KafkaBootstrapServers: ['kafka-1.example.internal:9096', 'kafka-2.example.internal:9096'],
      },
    });
    expect(mapping?.SourceAccessConfigurations).toEqual([
      { Type: 'SASL_SCRAM_512_AUTH', URI: SECRET },
      { Type: 'VPC_SUBNET', URI: 'subnet:subnet-0a1b2c3d' },
      { Type: 'VPC_SUBNET', URI: 'subnet:subnet-0e4f5a6b' },
      { Type: 'VPC_SECURITY_GROUP', URI: 'security_group:sg-0c7d8e9f' },
    ]);
    expect(mapping?.SelfManagedKafkaEventSourceConfig).toEqual({
      ConsumerGroupId: 'streamlens-stream-aggregator-dev',
    });
    expect(grant(t, 'KafkaNetworkInterfaces')?.Resource).toEqual([
      ec2('network-interface/*'),
      ec2('subnet/subnet-0a1b2c3d'),
      ec2('subnet/subnet-0e4f5a6b'),
      ec2('security-group/sg-0c7d8e9f'),
    ]);
    expect(grant(t, 'KafkaSaslSecret')?.Resource).toBe(SECRET);
    expect(statements(t).some((st) => st.Action.some((a) => a.startsWith('kafka')))).toBe(false);
  });

  it('kafka without a VPC: SASL only, no network grants', () => {
    // Prepare
    const t = variant('dynamodb-indexer-kafka');

    // Assess
    expect(statements(t).map((st) => st.Sid)).toEqual([
      'KafkaSaslSecret',
      'KafkaOnFailureDestination',
    ]);
    expect(
      t.Resources.KafkaSelfManagedEventSourceMapping?.Properties?.SourceAccessConfigurations,
    ).toEqual([{ Type: 'SASL_SCRAM_512_AUTH', URI: SECRET }]);
  });

  it.each([
    ['dynamodb-indexer-kinesis-msk', 'KafkaMskEventSourceMapping', 'IndexOnEnhancedFanOut'],
    [
      'opensearch-indexer-kinesis-kafka',
      'KafkaSelfManagedEventSourceMapping',
      'IndexOnEnhancedFanOut',
    ],
  ])(
    '%s: the Kinesis mapping (through its stream consumer) beside the Kafka one',
    (dir, kafka, efo) => {
      // Prepare
      const t = variant(dir);
      const ids = ofType(t, 'AWS::Lambda::EventSourceMapping').map(([id]) => id);

      // Assess
      expect(ids).toHaveLength(2);
      expect(ids).toContain(kafka);
      expect(t.Conditions?.[efo]).toEqual({
        'Fn::And': [{ 'Fn::Equals': ['efo', 'efo'] }, { 'Fn::Equals': ['true', 'true'] }],
      });
      expect(t.Resources.KafkaOffsetLagAlarm?.Properties).toMatchObject({
        MetricName: 'OffsetLag',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: 'IndexLambdaFunction' } }],
      });
    },
  );
});

describe('config/kafka-ingest.cjs refuses what Lambda or the cluster would refuse later', () => {
  const service = { name: 'streamlens-stream-aggregator', stage: 'dev', consumerGroup: '' };

  it.each([
    [{ ingest: 'kinesis,msk' }, /ingest must be one of kinesis, msk, kafka/],
    [{ ingest: 'msk' }, /ingest msk needs kafkaClusterArn/],
    [{ ingest: 'kafka' }, /needs kafkaBootstrapServers/],
    [
      { ingest: 'kafka', kafkaBootstrapServers: 'k:9092' },
      /needs kafkaSecretArn \(SASL\) or kafkaSubnetIds/,
    ],
    [
      { ingest: 'kafka', kafkaBootstrapServers: 'k:9092', kafkaSubnetIds: 'subnet-1' },
      /kafkaSubnetIds and kafkaSecurityGroupIds go together/,
    ],
    [
      { ingest: 'kinesis+msk', kafkaClusterArn: 'streamlens' },
      /kafkaClusterArn must be an MSK cluster ARN/,
    ],
    [
      { ingest: 'msk', kafkaClusterArn: CLUSTER, kafkaSaslMechanism: 'GSSAPI' },
      /kafkaSaslMechanism must be one of SCRAM-512, SCRAM-256, PLAIN/,
    ],
  ])('%j', (params, message) => {
    // Assess
    expect(() => ingest.plan(params, service)).toThrow(message);
  });

  it('knows the values of `ingest` config/kafka-ingest.yml knows, with the same Kinesis choice', () => {
    // Prepare
    const table = readFileSync(join(root, 'config/kafka-ingest.yml'), 'utf8');
    const yaml = Object.fromEntries(
      [...table.matchAll(/^ {2}([a-z+]+): "(true|false)"$/gm)].map((m) => [m[1], m[2] === 'true']),
    );

    // Assess
    expect(
      Object.fromEntries(Object.entries(ingest.INGEST).map(([k, v]) => [k, v.kinesis])),
    ).toEqual(yaml);
  });

  it('accepts Kinesis alone with no Kafka params at all', () => {
    // Act
    const plan = ingest.plan({}, service) as { ingest: Record<string, boolean> };

    // Assess
    expect(plan.ingest).toEqual({ kinesis: true, msk: false, selfManaged: false });
  });
});
