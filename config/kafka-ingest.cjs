// Kafka ingest for the three stream consumers (stream-aggregator, dynamodb-indexer,
// opensearch-indexer), resolved by osls while it reads a serverless.yml (a `${file(...)}` of a JS
// file runs the exported function). One implementation for the three, because CloudFormation
// cannot build the variable-length lists a Kafka event source mapping needs (one access
// configuration per subnet and security group) out of a comma-separated parameter.
//
// Whether the function keeps its Kinesis trigger is config/kafka-ingest.yml's table (the local
// pipeline reads the serverless.yml files without running JS). The service's serverless.yml gives:
//   custom.kafka.function        the function the mapping invokes (its key under `functions`)
//   custom.kafka.consumerGroup   the consumer group ('' for `<service>-<stage>`)
//   custom.kafka.enabled         whether the mapping polls (optional, default true)
//   custom.batchSize, batchWindow, startingPosition, maximumRetryAttempts,
//   maximumRecordAgeInSeconds    the mapping settings it already has for Kinesis
// and a resource `OnFailureQueue` (the on-failure destination, as for Kinesis). Every stack-wide
// choice is a param (docs/kafka.md, "Deploying"): ingest, kafkaClusterArn, kafkaBootstrapServers,
// kafkaTopic, kafkaSecretArn, kafkaSaslMechanism, kafkaSubnetIds, kafkaSecurityGroupIds,
// kafkaMinimumPollers, kafkaMaximumPollers, alarmKafkaOffsetLag.
'use strict';

/** Which triggers each `ingest` value asks for. */
const INGEST = {
  kinesis: { kinesis: true, msk: false, selfManaged: false },
  msk: { kinesis: false, msk: true, selfManaged: false },
  kafka: { kinesis: false, msk: false, selfManaged: true },
  'kinesis+msk': { kinesis: true, msk: true, selfManaged: false },
  'kinesis+kafka': { kinesis: true, msk: false, selfManaged: true },
};

/** Lambda's access-configuration type for each SASL mechanism a secret can hold. */
const SASL = {
  'SCRAM-512': 'SASL_SCRAM_512_AUTH',
  'SCRAM-256': 'SASL_SCRAM_256_AUTH',
  PLAIN: 'BASIC_AUTH',
};

const PARAM_DEFAULTS = {
  ingest: 'kinesis',
  kafkaClusterArn: '',
  kafkaBootstrapServers: '',
  kafkaTopic: 'streamlens-events',
  kafkaSecretArn: '',
  kafkaSaslMechanism: 'SCRAM-512',
  kafkaSubnetIds: '',
  kafkaSecurityGroupIds: '',
  // Provisioned mode: what Lambda requires for retry limits, record age, bisection and
  // on-failure destinations on a Kafka mapping; 1 and 200 are Lambda's own defaults.
  kafkaMinimumPollers: '1',
  kafkaMaximumPollers: '200',
  // Records the consumer group is behind the topic's end: the Kafka counterpart of the Kinesis
  // consumers' iterator-age alarm.
  alarmKafkaOffsetLag: '100000',
};

class KafkaIngestError extends Error {
  constructor(message) {
    super(`Kafka ingest: ${message} (docs/kafka.md, "Deploying")`);
    this.name = 'KafkaIngestError';
  }
}

const list = (text) =>
  String(text)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

/** osls' logical id of a function: `aggregate` → `AggregateLambdaFunction`. */
function lambdaLogicalId(functionKey) {
  const normalized = functionKey.replace(/-/g, 'Dash').replace(/_/g, 'Underscore');
  return `${normalized[0].toUpperCase()}${normalized.slice(1)}LambdaFunction`;
}

/** `arn:aws:kafka:r:a:cluster/NAME/UUID` → the topic and group ARNs of that cluster (MSK IAM). */
function mskArns(clusterArn, topic, group) {
  const match = /^(arn:[^:]+:kafka:[^:]+:\d{12}:)cluster\/([^/]+\/[^/]+)$/.exec(clusterArn);
  if (!match) {
    throw new KafkaIngestError(
      `kafkaClusterArn must be an MSK cluster ARN (arn:<partition>:kafka:<region>:<account>:cluster/<name>/<uuid>), got "${clusterArn}"`,
    );
  }
  const [, prefix, cluster] = match;
  return {
    cluster: clusterArn,
    topic: `${prefix}topic/${cluster}/${topic}`,
    group: `${prefix}group/${cluster}/${group}`,
  };
}

const arn = (path) => ({
  'Fn::Sub': `arn:\${AWS::Partition}:ec2:\${AWS::Region}:\${AWS::AccountId}:${path}`,
});

/**
 * Everything the mapping(s) need, from the params and the service's own settings. Pure, so that
 * tests can call it with plain objects; `settings` below feeds it from osls.
 */
function plan(params, service) {
  const p = { ...PARAM_DEFAULTS, ...params };
  const ingest = INGEST[p.ingest];
  if (ingest === undefined) {
    throw new KafkaIngestError(
      `ingest must be one of ${Object.keys(INGEST).join(', ')}, got "${p.ingest}"`,
    );
  }
  const mechanism = SASL[p.kafkaSaslMechanism];
  if (mechanism === undefined) {
    throw new KafkaIngestError(
      `kafkaSaslMechanism must be one of ${Object.keys(SASL).join(', ')}, got "${p.kafkaSaslMechanism}"`,
    );
  }
  const subnets = list(p.kafkaSubnetIds);
  const securityGroups = list(p.kafkaSecurityGroupIds);
  if ((subnets.length === 0) !== (securityGroups.length === 0)) {
    throw new KafkaIngestError('kafkaSubnetIds and kafkaSecurityGroupIds go together');
  }
  if (ingest.msk && p.kafkaClusterArn === '') {
    throw new KafkaIngestError(`ingest ${p.ingest} needs kafkaClusterArn`);
  }
  const servers = list(p.kafkaBootstrapServers);
  if (ingest.selfManaged && servers.length === 0) {
    throw new KafkaIngestError(`ingest ${p.ingest} needs kafkaBootstrapServers (host:port,...)`);
  }
  // A self-managed cluster reached over the internet without SASL would take any client.
  if (ingest.selfManaged && p.kafkaSecretArn === '' && subnets.length === 0) {
    throw new KafkaIngestError(
      'a self-managed cluster needs kafkaSecretArn (SASL) or kafkaSubnetIds and kafkaSecurityGroupIds (its VPC), or both',
    );
  }
  if (p.kafkaTopic === '') throw new KafkaIngestError('kafkaTopic must not be empty');
  const consumerGroup = service.consumerGroup || `${service.name}-${service.stage}`;
  return {
    ingest,
    topic: p.kafkaTopic,
    consumerGroup,
    msk: ingest.msk ? mskArns(p.kafkaClusterArn, p.kafkaTopic, consumerGroup) : undefined,
    clusterArn: p.kafkaClusterArn,
    servers,
    secretArn: p.kafkaSecretArn,
    saslType: mechanism,
    subnets,
    securityGroups,
    pollers: { min: Number(p.kafkaMinimumPollers), max: Number(p.kafkaMaximumPollers) },
    offsetLagThreshold: Number(p.alarmKafkaOffsetLag),
  };
}

/** The mapping properties a Kafka mapping shares with the service's Kinesis one. */
function mappingSettings(s, function_) {
  return {
    FunctionName: { Ref: lambdaLogicalId(function_.key) },
    Topics: [s.topic],
    StartingPosition: function_.startingPosition,
    BatchSize: Number(function_.batchSize),
    MaximumBatchingWindowInSeconds: Number(function_.batchWindow),
    Enabled: function_.enabled,
    ProvisionedPollerConfig: { MinimumPollers: s.pollers.min, MaximumPollers: s.pollers.max },
    MaximumRetryAttempts: Number(function_.maximumRetryAttempts),
    MaximumRecordAgeInSeconds: Number(function_.maximumRecordAgeInSeconds),
    BisectBatchOnFunctionError: true,
    // Metadata of a batch that used up its retries (topic, partition, offsets), as for Kinesis.
    DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['OnFailureQueue', 'Arn'] } } },
  };
}

/** The execution role's grants for the mapping(s), least privilege (docs/kafka.md, "IAM"). */
function statements(s) {
  const out = [];
  if (s.ingest.msk) {
    const arns = s.msk;
    out.push({
      Sid: 'MskClusterMetadata',
      Effect: 'Allow',
      Action: ['kafka:DescribeClusterV2', 'kafka:GetBootstrapBrokers'],
      Resource: arns.cluster,
    });
    // MSK IAM access control; with a SASL/SCRAM secret the cluster checks the secret instead.
    if (s.secretArn === '') {
      out.push(
        {
          Sid: 'MskConnect',
          Effect: 'Allow',
          Action: ['kafka-cluster:Connect', 'kafka-cluster:DescribeClusterDynamicConfiguration'],
          Resource: arns.cluster,
        },
        {
          Sid: 'MskReadTopic',
          Effect: 'Allow',
          Action: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'],
          Resource: arns.topic,
        },
        {
          Sid: 'MskConsumerGroup',
          Effect: 'Allow',
          Action: ['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup'],
          Resource: arns.group,
        },
      );
    }
  }
  // Lambda reaches an MSK cluster, and a self-managed one given subnets, through network
  // interfaces it creates in that VPC with this role.
  if (s.ingest.msk || (s.ingest.selfManaged && s.subnets.length > 0)) {
    const pinned = s.ingest.msk ? [] : s.subnets;
    out.push(
      {
        Sid: 'KafkaNetworkInterfaces',
        Effect: 'Allow',
        Action: ['ec2:CreateNetworkInterface', 'ec2:DeleteNetworkInterface'],
        Resource: [
          arn('network-interface/*'),
          ...(pinned.length > 0 ? s.subnets.map((id) => arn(`subnet/${id}`)) : [arn('subnet/*')]),
          ...(pinned.length > 0
            ? s.securityGroups.map((id) => arn(`security-group/${id}`))
            : [arn('security-group/*')]),
        ],
      },
      {
        Sid: 'KafkaNetworkLookups',
        Effect: 'Allow',
        Action: [
          'ec2:DescribeNetworkInterfaces',
          'ec2:DescribeSecurityGroups',
          'ec2:DescribeSubnets',
          'ec2:DescribeVpcs',
        ],
        Resource: '*',
      },
    );
  }
  if (s.secretArn !== '') {
    out.push({
      Sid: 'KafkaSaslSecret',
      Effect: 'Allow',
      Action: ['secretsmanager:GetSecretValue'],
      Resource: s.secretArn,
    });
  }
  out.push({
    Sid: 'KafkaOnFailureDestination',
    Effect: 'Allow',
    Action: ['sqs:SendMessage'],
    Resource: { 'Fn::GetAtt': ['OnFailureQueue', 'Arn'] },
  });
  return out;
}

/** The CloudFormation fragment: mapping(s), the role's grants, the offset-lag alarm. */
function resourcesFor(s, function_, names) {
  if (!s.ingest.msk && !s.ingest.selfManaged) return { Resources: {} };
  const resources = {
    KafkaIngestPolicy: {
      Type: 'AWS::IAM::Policy',
      Properties: {
        PolicyName: `${names.service}-${names.stage}-kafka-ingest`,
        Roles: [{ Ref: 'IamRoleLambdaExecution' }],
        PolicyDocument: { Version: '2012-10-17', Statement: statements(s) },
      },
    },
  };
  const sasl = s.secretArn === '' ? [] : [{ Type: s.saslType, URI: s.secretArn }];
  if (s.ingest.msk) {
    resources.KafkaMskEventSourceMapping = {
      Type: 'AWS::Lambda::EventSourceMapping',
      // The mapping checks its role's grants when it is created.
      DependsOn: ['KafkaIngestPolicy'],
      Properties: {
        EventSourceArn: s.clusterArn,
        ...mappingSettings(s, function_),
        AmazonManagedKafkaEventSourceConfig: { ConsumerGroupId: s.consumerGroup },
        ...(sasl.length > 0 ? { SourceAccessConfigurations: sasl } : {}),
      },
    };
  }
  if (s.ingest.selfManaged) {
    const access = [
      ...sasl,
      ...s.subnets.map((id) => ({ Type: 'VPC_SUBNET', URI: `subnet:${id}` })),
      ...s.securityGroups.map((id) => ({
        Type: 'VPC_SECURITY_GROUP',
        URI: `security_group:${id}`,
      })),
    ];
    resources.KafkaSelfManagedEventSourceMapping = {
      Type: 'AWS::Lambda::EventSourceMapping',
      DependsOn: ['KafkaIngestPolicy'],
      Properties: {
        SelfManagedEventSource: { Endpoints: { KafkaBootstrapServers: s.servers } },
        ...mappingSettings(s, function_),
        SelfManagedKafkaEventSourceConfig: { ConsumerGroupId: s.consumerGroup },
        SourceAccessConfigurations: access,
      },
    };
  }
  resources.KafkaOffsetLagAlarm = {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmName: `${names.service}-${names.stage}-${function_.key}-kafka-offset-lag`,
      AlarmDescription: `${function_.key} is more than alarmKafkaOffsetLag records behind its Kafka topic`,
      Namespace: 'AWS/Lambda',
      MetricName: 'OffsetLag',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: lambdaLogicalId(function_.key) } }],
      Statistic: 'Maximum',
      Threshold: s.offsetLagThreshold,
      ComparisonOperator: 'GreaterThanThreshold',
      Period: Number(names.alarmPeriodSeconds),
      EvaluationPeriods: Number(names.alarmEvaluationPeriods),
      DatapointsToAlarm: Number(names.alarmDatapointsToAlarm),
      TreatMissingData: 'notBreaching',
      AlarmActions: [names.operationsTopicArn],
      OKActions: [names.operationsTopicArn],
    },
  };
  return { Resources: resources };
}

/** Reads what `plan` and `resourcesFor` need from the service being resolved. */
async function fromService({ resolveVariable, resolveConfigurationProperty }) {
  const params = {};
  for (const [name, fallback] of Object.entries(PARAM_DEFAULTS)) {
    params[name] = String(await resolveVariable(`param:${name}, '${fallback}'`));
  }
  const custom = (key) => resolveConfigurationProperty(['custom', key]);
  const kafka = (await custom('kafka')) ?? {};
  if (typeof kafka.function !== 'string') {
    throw new KafkaIngestError('custom.kafka.function must name the function the mapping invokes');
  }
  const names = {
    service: await resolveConfigurationProperty(['service']),
    stage: await resolveVariable('sls:stage'),
    alarmPeriodSeconds: await resolveVariable("param:alarmPeriodSeconds, '60'"),
    alarmEvaluationPeriods: await resolveVariable("param:alarmEvaluationPeriods, '5'"),
    alarmDatapointsToAlarm: await resolveVariable("param:alarmDatapointsToAlarm, '3'"),
    // As in every alarms.yml: the topic the resources stack exports, or the param.
    operationsTopicArn: await custom('operationsTopicArn'),
  };
  const s = plan(params, {
    name: names.service,
    stage: names.stage,
    consumerGroup: kafka.consumerGroup ?? '',
  });
  const function_ = {
    key: kafka.function,
    enabled: kafka.enabled === undefined ? true : String(kafka.enabled) === 'true',
    batchSize: await custom('batchSize'),
    batchWindow: await custom('batchWindow'),
    startingPosition: await custom('startingPosition'),
    maximumRetryAttempts: await custom('maximumRetryAttempts'),
    maximumRecordAgeInSeconds: await custom('maximumRecordAgeInSeconds'),
  };
  return { s, function_, names };
}

module.exports = {
  INGEST,
  KafkaIngestError,
  plan,
  statements,
  resourcesFor,
  lambdaLogicalId,
  /** A `resources` entry: the Kafka mapping(s) with their grants and alarm, or nothing. */
  resources: async (osls) => {
    const { s, function_, names } = await fromService(osls);
    return resourcesFor(s, function_, names);
  },
};
