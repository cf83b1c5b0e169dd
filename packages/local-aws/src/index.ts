export { baseEnv, clientOptions, createClients, LOCAL_CREDENTIALS } from './clients.js';
export {
  connectLocalAws,
  createResources,
  type LocalAwsConnection,
  localAwsEnvFrom,
} from './connect.js';
export {
  DYNAMODB_JVM_FLAGS,
  type DynaliteProcess,
  type DynamoDbEngine,
  type DynamoDbJvmProfile,
  type DynamoDbLocalProcess,
  dynamoDbLocalDir,
  findJava,
  jvmProfileFromEnv,
  spawnDynalite,
  spawnDynamoDbLocal,
  startDynamoDb,
} from './dynamodb/index.js';
export {
  FaultRuleError,
  LocalAwsError,
  ResourceError,
  ServiceUnavailableError,
  StandInStartError,
} from './errors.js';
export {
  type BatchWriteUnprocessedRule,
  type DelayRule,
  type ErrorResponseRule,
  type FaultProxy,
  type FaultProxyOptions,
  type FaultProxyStats,
  type FaultRule,
  type Injection,
  type KinesisRecordErrorCode,
  type PutRecordsPartialFailureRule,
  type RuleMatch,
  startFaultProxy,
} from './fault-proxy/index.js';
export {
  choosePositions,
  requestFacts,
  ruleMatches,
  s3OperationOf,
  seededRandom,
} from './fault-proxy/rules.js';
export {
  getObjects,
  listAllShards,
  listObjectKeys,
  readStream,
  type StoredObject,
  type StreamRecord,
  scanTable,
} from './inspect.js';
export { type WaitOptions, waitFor } from './internal/wait.js';
export {
  createKafkaTopics,
  KAFKA_JVM_FLAGS,
  type KafkaBroker,
  type KafkaBrokerOptions,
  type KafkaRecordToWrite,
  type KafkaTopicRecord,
  type KafkaTopicSpec,
  kafkaHome,
  type LambdaKafkaEvent,
  type LambdaKafkaEventOptions,
  type LambdaKafkaEventRecord,
  lambdaKafkaEvent,
  readKafkaTopic,
  startKafkaBroker,
  writeKafkaRecords,
} from './kafka/index.js';
export {
  type OpenSearchFaults,
  type OpenSearchNode,
  type OpenSearchServer,
  type OpenSearchServerOptions,
  type OpenSearchStats,
  openSearchStats,
  setOpenSearchFaults,
  startOpenSearchNode,
  startOpenSearchServer,
} from './opensearch/index.js';
export { registeredServices, registry } from './registry.js';
export {
  FilterPolicyError,
  localQueueArn,
  matchesFilterPolicy,
  parseFilterPolicy,
  receiveLocalQueue,
  type SnsDelivery,
  type SnsFaults,
  type SnsServer,
  type SnsServerOptions,
  startSnsServer,
  type TopicSpec,
} from './sns/index.js';
export { type LocalAws, type StartLocalAwsOptions, startLocalAws } from './start.js';
export {
  type CreatedResources,
  ENDPOINT_ENV,
  type LocalAwsClients,
  type ResourceContext,
  type ResourceSpec,
  type RunningStandIn,
  SERVICE_NAMES,
  type ServiceName,
  type StandInContext,
  type StandInEvents,
  type StandInPlugin,
  type StreamSpec,
} from './types.js';
