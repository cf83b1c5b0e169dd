import { resolveIntrinsics, resourcesOf, streamNameFromArn } from '../config/functions.js';
import type { ResolvedService } from '../config/serverless.js';
import { ServiceConfigError } from '../errors.js';

/** A Firehose delivery stream (Kinesis source → Lambda processor → S3), as its template declares it. */
export interface DeliveryStreamConfig {
  readonly name: string;
  readonly arn: string;
  readonly sourceStreamName: string;
  readonly sourceStreamArn: string;
  readonly bucket: string;
  readonly prefix: string;
  readonly errorOutputPrefix: string;
  readonly bufferSizeMb: number;
  readonly bufferIntervalSeconds: number;
  readonly compression: 'GZIP' | 'UNCOMPRESSED';
  readonly dynamicPartitioning: boolean;
  readonly processor?: {
    readonly lambdaArn: string;
    readonly bufferSizeMb: number;
    readonly bufferIntervalSeconds: number;
    readonly retries: number;
  };
}

interface DeliveryStreamProps {
  DeliveryStreamName?: string;
  KinesisStreamSourceConfiguration?: { KinesisStreamARN?: string };
  ExtendedS3DestinationConfiguration?: {
    BucketARN?: string;
    Prefix?: string;
    ErrorOutputPrefix?: string;
    BufferingHints?: { SizeInMBs?: number | string; IntervalInSeconds?: number | string };
    CompressionFormat?: string;
    DynamicPartitioningConfiguration?: { Enabled?: boolean };
    ProcessingConfiguration?: { Enabled?: boolean; Processors?: { Type?: string }[] };
  };
}

/** Firehose's defaults for Lambda processor parameters. */
const PROCESSOR_DEFAULTS = { BufferSizeInMBs: 1, BufferIntervalInSeconds: 60, NumberOfRetries: 3 };

/** Every `AWS::KinesisFirehose::DeliveryStream` with an extended S3 destination in a service. */
export function deliveryStreamsOf(svc: ResolvedService): DeliveryStreamConfig[] {
  const out: DeliveryStreamConfig[] = [];
  for (const [id, raw] of Object.entries(resourcesOf(svc))) {
    const resource = raw as { Type?: string; Properties?: Record<string, unknown> };
    if (resource.Type !== 'AWS::KinesisFirehose::DeliveryStream') continue;
    const props = resolveIntrinsics(svc, resource.Properties ?? {}) as DeliveryStreamProps;
    const dest = props.ExtendedS3DestinationConfiguration;
    if (!dest) throw new ServiceConfigError(`${svc.service}.${id}: only extended S3 destinations`);
    const sourceArn = String(props.KinesisStreamSourceConfiguration?.KinesisStreamARN ?? '');
    if (!sourceArn) throw new ServiceConfigError(`${svc.service}.${id}: only Kinesis sources`);
    const name = String(props.DeliveryStreamName ?? `${svc.service}-${svc.stage}-${id}`);
    const processorSpec = (
      dest.ProcessingConfiguration?.Enabled
        ? (dest.ProcessingConfiguration.Processors ?? []).find(
            (p: { Type?: string }) => p.Type === 'Lambda',
          )
        : undefined
    ) as { Parameters?: { ParameterName: string; ParameterValue: unknown }[] } | undefined;
    const param = (key: keyof typeof PROCESSOR_DEFAULTS | 'LambdaArn') =>
      processorSpec?.Parameters?.find((p) => p.ParameterName === key)?.ParameterValue;
    out.push({
      name,
      arn: `arn:aws:firehose:${svc.region}:000000000000:deliverystream/${name}`,
      sourceStreamArn: sourceArn,
      sourceStreamName: streamNameFromArn(sourceArn),
      bucket: String(dest.BucketARN).replace(/^arn:aws:s3:::/, ''),
      prefix: String(dest.Prefix ?? ''),
      errorOutputPrefix: String(dest.ErrorOutputPrefix ?? ''),
      bufferSizeMb: Number(dest.BufferingHints?.SizeInMBs ?? 5),
      bufferIntervalSeconds: Number(dest.BufferingHints?.IntervalInSeconds ?? 300),
      compression: dest.CompressionFormat === 'GZIP' ? 'GZIP' : 'UNCOMPRESSED',
      dynamicPartitioning: dest.DynamicPartitioningConfiguration?.Enabled === true,
      ...(processorSpec
        ? {
            processor: {
              lambdaArn: String(param('LambdaArn')),
              bufferSizeMb: Number(param('BufferSizeInMBs') ?? PROCESSOR_DEFAULTS.BufferSizeInMBs),
              bufferIntervalSeconds: Number(
                param('BufferIntervalInSeconds') ?? PROCESSOR_DEFAULTS.BufferIntervalInSeconds,
              ),
              retries: Number(param('NumberOfRetries') ?? PROCESSOR_DEFAULTS.NumberOfRetries),
            },
          }
        : {}),
    });
  }
  return out;
}
