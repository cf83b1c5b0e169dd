import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ServiceConfigError } from '../errors.js';
import { type ScheduleSettings, scheduleSettings } from '../schedule/schedule.js';
import type { SqsEventSettings } from '../sqs/mapping.js';
import type { ResolvedService } from './serverless.js';

export const ACCOUNT_ID = '000000000000';

/** A function's Kinesis `stream` event, with AWS's (not the Framework's) names and defaults applied. */
export interface StreamEventSettings {
  readonly streamArn: string;
  readonly streamName: string;
  readonly batchSize: number;
  readonly batchWindowSeconds: number;
  readonly parallelizationFactor: number;
  readonly startingPosition: 'TRIM_HORIZON' | 'LATEST' | 'AT_TIMESTAMP';
  readonly startingPositionTimestamp?: number;
  /** −1 = infinite (AWS's default). */
  readonly maximumRetryAttempts: number;
  /** −1 = infinite (AWS's default). */
  readonly maximumRecordAgeInSeconds: number;
  readonly bisectBatchOnFunctionError: boolean;
  readonly reportBatchItemFailures: boolean;
  readonly tumblingWindowInSeconds: number;
  readonly onFailureArn?: string;
  /**
   * ARN of the enhanced fan-out consumer the mapping reads through (the event's `consumer`);
   * absent when it polls the stream itself (shared throughput).
   */
  readonly consumerArn?: string;
  readonly enabled: boolean;
}

/** An S3 event of a function (`s3: { bucket, event, rules, existing }`). */
export interface S3EventSettings {
  readonly bucket: string;
  readonly event: string;
  readonly prefix?: string;
  readonly suffix?: string;
}

/** One function of a service, as its serverless.yml declares it. */
export interface FunctionDefinition {
  readonly service: string;
  readonly key: string;
  /** Deployed name: `name:` or `<service>-<stage>-<key>`. */
  readonly name: string;
  readonly arn: string;
  /** Absolute path of the handler's source module. */
  readonly entry: string;
  readonly exportName: string;
  readonly timeoutSeconds: number;
  readonly memorySize: number;
  /** provider.environment merged with the function's (CloudFormation intrinsics resolved). */
  readonly environment: Record<string, string>;
  readonly streams: StreamEventSettings[];
  readonly s3: S3EventSettings[];
  readonly sqs: SqsEventSettings[];
  /** `schedule` events (EventBridge rate rules). */
  readonly schedules: ScheduleSettings[];
}

/** ARN of a CloudFormation resource of the service, the way AWS would name it locally. */
export function resourceArn(
  svc: ResolvedService,
  logicalId: string,
  attribute = 'Arn',
): string | undefined {
  const resources = resourcesOf(svc);
  const resource = resources[logicalId] as
    | { Type?: string; Properties?: Record<string, unknown> }
    | undefined;
  const region = svc.region;
  if (!resource) {
    // Serverless names a function's resource `<Key>LambdaFunction` (key capitalised).
    const functions = (svc.doc.functions ?? {}) as Record<string, Record<string, unknown>>;
    for (const key of Object.keys(functions)) {
      if (`${key.charAt(0).toUpperCase()}${key.slice(1)}LambdaFunction` === logicalId) {
        return `arn:aws:lambda:${region}:${ACCOUNT_ID}:function:${functionName(svc, key)}`;
      }
    }
    return undefined;
  }
  const name = physicalName(svc, logicalId);
  switch (resource.Type) {
    case 'AWS::SQS::Queue':
      return attribute === 'QueueName' ? name : `arn:aws:sqs:${region}:${ACCOUNT_ID}:${name}`;
    case 'AWS::DynamoDB::Table':
      return `arn:aws:dynamodb:${region}:${ACCOUNT_ID}:table/${name}`;
    case 'AWS::Kinesis::Stream':
      return `arn:aws:kinesis:${region}:${ACCOUNT_ID}:stream/${name}`;
    case 'AWS::S3::Bucket':
      return attribute === 'Arn' ? `arn:aws:s3:::${name}` : name;
    case 'AWS::SNS::Topic':
      return attribute === 'TopicName' ? name : `arn:aws:sns:${region}:${ACCOUNT_ID}:${name}`;
    case 'AWS::KinesisFirehose::DeliveryStream':
      return `arn:aws:firehose:${region}:${ACCOUNT_ID}:deliverystream/${name}`;
    case 'AWS::IAM::Role':
      return `arn:aws:iam::${ACCOUNT_ID}:role/${name}`;
    case 'AWS::Kinesis::StreamConsumer': {
      // CloudFormation's Ref of a stream consumer is its ARN: the stream's ARN, `/consumer/`,
      // the consumer name and its creation time (a fixed one here).
      const props = resource.Properties ?? {};
      const stream = String(resolveIntrinsics(svc, props.StreamARN));
      const consumer = String(props.ConsumerName ?? name);
      return attribute === 'ConsumerName' ? consumer : `${stream}/consumer/${consumer}:1`;
    }
    default:
      return `arn:aws:local:${region}:${ACCOUNT_ID}:${logicalId}`;
  }
}

/** `resources.Resources` of a service (empty object when none). */
export function resourcesOf(svc: ResolvedService): Record<string, unknown> {
  const resources = svc.doc.resources as { Resources?: Record<string, unknown> } | undefined;
  return resources?.Resources ?? {};
}

/** The name a resource gets: its name property, else `<service>-<stage>-<logicalId>` lower-cased. */
export function physicalName(svc: ResolvedService, logicalId: string): string {
  const resource = resourcesOf(svc)[logicalId] as
    | { Type?: string; Properties?: Record<string, unknown> }
    | undefined;
  const props = resource?.Properties ?? {};
  const key = {
    'AWS::SQS::Queue': 'QueueName',
    'AWS::DynamoDB::Table': 'TableName',
    'AWS::Kinesis::Stream': 'Name',
    'AWS::S3::Bucket': 'BucketName',
    'AWS::SNS::Topic': 'TopicName',
    'AWS::KinesisFirehose::DeliveryStream': 'DeliveryStreamName',
    'AWS::IAM::Role': 'RoleName',
    'AWS::Kinesis::StreamConsumer': 'ConsumerName',
  }[resource?.Type ?? ''];
  const value = key ? props[key] : undefined;
  if (typeof value === 'string') return value;
  return `${svc.service}-${svc.stage}-${logicalId}`.toLowerCase().slice(0, 63);
}

/** Resolve CloudFormation intrinsics (Ref, Fn::GetAtt, Fn::Join, Fn::Sub) against the service's resources. */
export function resolveIntrinsics(svc: ResolvedService, value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => resolveIntrinsics(svc, v));
  if (value === null || typeof value !== 'object') return value;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length === 1) {
    const [key] = keys as [string];
    const arg = obj[key];
    if (key === 'Ref') {
      const id = String(arg);
      if (id === 'AWS::Region') return svc.region;
      if (id === 'AWS::AccountId') return ACCOUNT_ID;
      if (id === 'AWS::Partition') return 'aws';
      const resource = resourcesOf(svc)[id] as { Type?: string } | undefined;
      if (resource?.Type === 'AWS::SQS::Queue') {
        return `http://sqs.local/${ACCOUNT_ID}/${physicalName(svc, id)}`;
      }
      if (resource?.Type === 'AWS::SNS::Topic') return resourceArn(svc, id);
      if (resource?.Type === 'AWS::Kinesis::StreamConsumer') return resourceArn(svc, id);
      return physicalName(svc, id);
    }
    if (key === 'Fn::GetAtt') {
      const [id, attribute] = (Array.isArray(arg) ? arg : String(arg).split('.')) as string[];
      return resourceArn(svc, id ?? '', attribute ?? 'Arn');
    }
    if (key === 'Fn::Join' && Array.isArray(arg)) {
      const [sep, parts] = arg as [string, unknown[]];
      return (resolveIntrinsics(svc, parts) as unknown[]).join(sep);
    }
    if (key === 'Fn::Sub') {
      const template = String(Array.isArray(arg) ? arg[0] : arg);
      return template.replace(/\$\{([^}]+)\}/g, (_m, name: string) => {
        const [id, attr] = name.split('.');
        return String(
          attr
            ? resolveIntrinsics(svc, { 'Fn::GetAtt': [id, attr] })
            : resolveIntrinsics(svc, { Ref: id }),
        );
      });
    }
  }
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(obj)) out[key] = resolveIntrinsics(svc, item);
  return out;
}

/** The branch a top-level `Fn::If` takes on the service's `Conditions`; any other value as it is. */
function chooseBranch(svc: ResolvedService, value: unknown): unknown {
  const ifArgs = (value as { 'Fn::If'?: unknown } | null)?.['Fn::If'];
  if (!Array.isArray(ifArgs)) return value;
  const [condition, whenTrue, whenFalse] = ifArgs as [unknown, unknown, unknown];
  return conditionHolds(svc, String(condition)) ? whenTrue : whenFalse;
}

/** Whether the service's named condition (`resources.Conditions`) holds. */
function conditionHolds(svc: ResolvedService, name: string, depth = 0): boolean {
  const conditions = (svc.doc.resources as { Conditions?: Record<string, unknown> } | undefined)
    ?.Conditions;
  const condition = conditions?.[name];
  if (condition === undefined) {
    throw new ServiceConfigError(`${svc.service}: unknown condition ${name}`);
  }
  if (depth > 20) throw new ServiceConfigError(`${svc.service}: condition ${name} nests too deep`);
  return evaluateCondition(svc, condition, depth);
}

/** Fn::Equals, Fn::Not, Fn::And, Fn::Or and `{ Condition: name }`, as CloudFormation evaluates them. */
function evaluateCondition(svc: ResolvedService, condition: unknown, depth: number): boolean {
  const [key, arg] = Object.entries((condition ?? {}) as Record<string, unknown>)[0] ?? [];
  const args = Array.isArray(arg) ? arg : [];
  switch (key) {
    case 'Fn::Equals': {
      const [a, b] = args.map((v) => JSON.stringify(resolveIntrinsics(svc, v)));
      return a === b;
    }
    case 'Fn::Not':
      return !evaluateCondition(svc, args[0], depth + 1);
    case 'Fn::And':
      return args.every((c) => evaluateCondition(svc, c, depth + 1));
    case 'Fn::Or':
      return args.some((c) => evaluateCondition(svc, c, depth + 1));
    case 'Condition':
      return conditionHolds(svc, String(arg), depth + 1);
    default:
      throw new ServiceConfigError(
        `${svc.service}: unsupported condition ${JSON.stringify(condition)}`,
      );
  }
}

function functionName(svc: ResolvedService, key: string): string {
  const fn = ((svc.doc.functions ?? {}) as Record<string, Record<string, unknown>>)[key];
  return typeof fn?.name === 'string' ? fn.name : `${svc.service}-${svc.stage}-${key}`;
}

/** `arn:aws:kinesis:r:a:stream/NAME` → NAME. */
export function streamNameFromArn(arn: string): string {
  const slash = arn.lastIndexOf('/');
  if (!arn.startsWith('arn:') || slash < 0)
    throw new ServiceConfigError(`not a stream ARN: ${arn}`);
  return arn.slice(slash + 1);
}

function num(value: unknown, fallback: number): number {
  if (value === undefined || value === null || value === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new ServiceConfigError(`not a number: ${String(value)}`);
  return n;
}

function streamSettings(svc: ResolvedService, raw: unknown): StreamEventSettings | undefined {
  const stream = (typeof raw === 'string' ? { arn: raw } : raw) as Record<string, unknown>;
  const type = stream.type ?? 'kinesis';
  if (type !== 'kinesis') return undefined;
  const arn = String(resolveIntrinsics(svc, stream.arn));
  const onFailure = (stream.destinations as { onFailure?: unknown } | undefined)?.onFailure;
  const onFailureArn =
    onFailure === undefined
      ? undefined
      : String(
          resolveIntrinsics(
            svc,
            typeof onFailure === 'object' && onFailure !== null && 'arn' in onFailure
              ? (onFailure as { arn: unknown }).arn
              : onFailure,
          ),
        );
  const responseTypes = stream.functionResponseType;
  // `consumer` names an enhanced fan-out consumer, or the stream itself (polling).
  const consumer =
    stream.consumer === undefined
      ? undefined
      : String(resolveIntrinsics(svc, chooseBranch(svc, stream.consumer)));
  const start = String(stream.startingPosition ?? 'TRIM_HORIZON');
  if (start !== 'TRIM_HORIZON' && start !== 'LATEST' && start !== 'AT_TIMESTAMP') {
    throw new ServiceConfigError(`${svc.service}: unsupported startingPosition ${start}`);
  }
  return {
    streamArn: arn,
    streamName: streamNameFromArn(arn),
    // The Serverless Framework's default for `stream` events is 10 (AWS's own is 100).
    batchSize: num(stream.batchSize, 10),
    batchWindowSeconds: num(stream.batchWindow, 0),
    parallelizationFactor: num(stream.parallelizationFactor, 1),
    startingPosition: start,
    ...(stream.startingPositionTimestamp !== undefined
      ? { startingPositionTimestamp: num(stream.startingPositionTimestamp, 0) }
      : {}),
    maximumRetryAttempts: num(stream.maximumRetryAttempts, -1),
    maximumRecordAgeInSeconds: num(stream.maximumRecordAgeInSeconds, -1),
    bisectBatchOnFunctionError: stream.bisectBatchOnFunctionError === true,
    reportBatchItemFailures: responseTypes === 'ReportBatchItemFailures',
    tumblingWindowInSeconds: num(stream.tumblingWindowInSeconds, 0),
    ...(onFailureArn ? { onFailureArn } : {}),
    ...(consumer && consumer !== arn ? { consumerArn: consumer } : {}),
    enabled: stream.enabled !== false,
  };
}

function sqsSettings(svc: ResolvedService, raw: unknown): SqsEventSettings {
  const e = (
    typeof raw === 'object' && raw !== null && !('Fn::GetAtt' in raw) ? raw : { arn: raw }
  ) as Record<string, unknown>;
  return {
    queueArn: String(resolveIntrinsics(svc, e.arn)),
    // AWS's and the Framework's default batch size for SQS is 10.
    batchSize: num(e.batchSize, 10),
    maximumBatchingWindowSeconds: num(e.maximumBatchingWindow, 0),
    reportBatchItemFailures: e.functionResponseType === 'ReportBatchItemFailures',
    enabled: e.enabled !== false,
  };
}

/** Every function of a resolved service with its handler module, environment and events. */
export function functionsOf(svc: ResolvedService): FunctionDefinition[] {
  const provider = (svc.doc.provider ?? {}) as Record<string, unknown>;
  const functions = (svc.doc.functions ?? {}) as Record<string, Record<string, unknown>>;
  return Object.entries(functions).map(([key, fn]) => {
    const handler = String(fn.handler ?? '');
    const dot = handler.lastIndexOf('.');
    if (dot < 0) throw new ServiceConfigError(`${svc.service}.${key}: bad handler "${handler}"`);
    const base = join(svc.dir, handler.slice(0, dot));
    const entry = ['.ts', '.mts', '.js', '.mjs', '.cjs']
      .map((ext) => `${base}${ext}`)
      .find((path) => existsSync(path));
    if (!entry) throw new ServiceConfigError(`${svc.service}.${key}: no module for ${handler}`);
    const environment: Record<string, string> = {};
    const merged = resolveIntrinsics(svc, {
      ...((provider.environment ?? {}) as Record<string, unknown>),
      ...((fn.environment ?? {}) as Record<string, unknown>),
    }) as Record<string, unknown>;
    for (const [name, value] of Object.entries(merged)) {
      environment[name] = value === undefined || value === null ? '' : String(value);
    }
    const events = (fn.events ?? []) as Record<string, unknown>[];
    const streams: StreamEventSettings[] = [];
    const s3: S3EventSettings[] = [];
    const sqs: SqsEventSettings[] = [];
    const schedules: ScheduleSettings[] = [];
    for (const event of events) {
      if (event.schedule !== undefined) {
        schedules.push(scheduleSettings(`${svc.service}.${key}`, event.schedule));
      }
      if (event.sqs !== undefined) sqs.push(sqsSettings(svc, event.sqs));
      if (event.stream !== undefined) {
        const settings = streamSettings(svc, event.stream);
        if (settings) streams.push(settings);
      }
      if (event.s3 !== undefined) {
        const e = event.s3 as Record<string, unknown>;
        const rules = (e.rules ?? []) as Record<string, string>[];
        const prefix = rules.find((r) => r.prefix)?.prefix;
        const suffix = rules.find((r) => r.suffix)?.suffix;
        s3.push({
          bucket: String(resolveIntrinsics(svc, e.bucket)),
          event: String(e.event ?? 's3:ObjectCreated:*'),
          ...(prefix ? { prefix } : {}),
          ...(suffix ? { suffix } : {}),
        });
      }
    }
    const name = functionName(svc, key);
    return {
      service: svc.service,
      key,
      name,
      arn: `arn:aws:lambda:${svc.region}:${ACCOUNT_ID}:function:${name}`,
      entry,
      exportName: handler.slice(dot + 1),
      timeoutSeconds: num(fn.timeout ?? provider.timeout, 6),
      memorySize: num(fn.memorySize ?? provider.memorySize, 1024),
      environment,
      streams,
      s3,
      sqs,
      schedules,
    };
  });
}

/** Where `pnpm start` hosts a service's DynamoDB tables (`custom.localPipeline.dynamodb`). */
export type LocalTableEngine = 'dynamodb-local' | 'dynalite';

/**
 * The DynamoDB stand-in a service asks `pnpm start` to host its tables on: `dynalite` (a process
 * of its own) when its serverless.yml says `custom.localPipeline.dynamodb: dynalite`, else
 * DynamoDB Local with every other table. A local-only hint: deployment ignores it.
 */
export function localTableEngineOf(svc: ResolvedService): LocalTableEngine {
  const custom = svc.doc.custom as { localPipeline?: { dynamodb?: unknown } } | undefined;
  const value = custom?.localPipeline?.dynamodb;
  if (value === undefined || value === 'dynamodb-local') return 'dynamodb-local';
  if (value === 'dynalite') return 'dynalite';
  throw new ServiceConfigError(
    `${svc.service}: custom.localPipeline.dynamodb is ${JSON.stringify(value)}; use "dynalite" or "dynamodb-local"`,
  );
}
