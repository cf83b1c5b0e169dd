import { createHash } from 'node:crypto';
import type { ValidationIssue } from '@streamlens/schema';
import type { TransformConfig } from './config.js';
import { InvalidInvocationError, ReingestionError } from './errors.js';
import {
  type FirehoseInputRecord,
  type FirehoseTransformationEvent,
  type FirehoseTransformationResult,
  RecordResult,
} from './model.js';
import type { Reingest } from './reingest.js';
import { reingestTargetOf } from './reingest.js';
import { dropReasonOf, planResponse } from './response-guard.js';
import type { RecordOutcome, RecordTransformer } from './transform.js';

/** The logging this module needs (Powertools Logger satisfies it). */
export interface LoggerLike {
  info(message: string, extra: Record<string, unknown>): void;
  warn(message: string, extra: Record<string, unknown>): void;
  error(message: string, extra: Record<string, unknown>): void;
}

/** The metrics this module needs (Powertools Metrics satisfies it; EMF on flush). */
export interface MetricsLike {
  addMetric(name: string, unit: 'Count' | 'Bytes', value: number): void;
  singleMetric(): MetricsLike & { addDimension(name: string, value: string): void };
}

/** What `processFirehoseEvent` needs besides the event. */
export interface ProcessorDeps {
  config: TransformConfig;
  transformer: RecordTransformer;
  reingest: Reingest;
  logger?: LoggerLike;
  metrics?: MetricsLike;
  /** Epoch ms after which re-ingestion retries stop (from the Lambda context). */
  deadline?: number;
}

/** Counts of one invocation, returned for tests and logged once. */
export interface InvocationSummary {
  records: number;
  ok: number;
  dropped: number;
  failed: number;
  events: number;
  reingested: number;
  responseBytes: number;
  failuresByCode: Record<string, number>;
  dropsByReason: Record<string, number>;
}

/**
 * Transforms a Firehose transformation request: every record is transformed (never throwing for bad
 * data), the response is fitted under the size limit, records without room are re-ingested, and
 * every failure is logged with what a user needs to find the record in the error prefix. Throws
 * `ReingestionError` when re-ingestion fails for good, so that Firehose retries the invocation
 * rather than losing records.
 */
export async function processFirehoseEvent(
  event: FirehoseTransformationEvent,
  deps: ProcessorDeps,
): Promise<FirehoseTransformationResult & { summary: InvocationSummary }> {
  if (event === null || typeof event !== 'object' || !Array.isArray(event.records)) {
    throw new InvalidInvocationError('not a Firehose transformation request: records[] missing');
  }
  const { config, transformer } = deps;
  const records = event.records;
  const source = {
    deliveryStreamArn: event.deliveryStreamArn,
    sourceKinesisStreamArn: event.sourceKinesisStreamArn,
  };
  const outcomes = new Array<RecordOutcome>(records.length);
  for (let i = 0; i < records.length; i++) outcomes[i] = transformer.transform(records[i]!, source);

  const plan = planResponse(records, outcomes, config.responseLimitBytes, transformer.keys);

  if (plan.reingest.length > 0) {
    const target = reingestTargetOf(event);
    const opts: { deadline?: number; maxAttempts: number } = {
      maxAttempts: config.reingestMaxAttempts,
    };
    if (deps.deadline !== undefined) opts.deadline = deps.deadline;
    const failures = await deps.reingest(target, plan.reingest, opts);
    if (failures.length > 0) {
      const first = failures[0]!;
      deps.logger?.error(
        're-ingestion failed; failing the invocation so that Firehose retries it',
        {
          invocationId: event.invocationId,
          target,
          failed: failures.length,
          of: plan.reingest.length,
          firstErrorCode: first.code,
          firstErrorMessage: first.message,
        },
      );
      deps.metrics?.addMetric('ReingestFailures', 'Count', failures.length);
      throw new ReingestionError(
        `${failures.length} of ${plan.reingest.length} records could not be re-ingested into ${
          target.kind === 'kinesis' ? target.streamName : target.deliveryStreamName
        } (${first.code})`,
        failures.length,
      );
    }
  }

  const summary: InvocationSummary = {
    records: records.length,
    ok: 0,
    dropped: 0,
    failed: 0,
    events: 0,
    reingested: plan.reingest.length,
    responseBytes: plan.responseBytes,
    failuresByCode: {},
    dropsByReason: {},
  };
  const out = new Array(records.length);
  let logged = 0;
  for (let i = 0; i < records.length; i++) {
    const guarded = plan.records[i]!;
    const outcome = outcomes[i]!;
    out[i] = guarded.output;
    const result = guarded.output.result;
    if (result === RecordResult.Ok) {
      summary.ok++;
      if (outcome.kind === 'ok') {
        summary.events += outcome.events;
        // Parts of an aggregate re-ingested alone: the reason is logged now, the record fails later.
        if (outcome.issues !== undefined) {
          for (const issue of outcome.issues) {
            if (logged++ < config.failureLogLimit) {
              const context = recordContext(records[i]!);
              context.userRecordIndex = issue.index;
              context.errorCode = issue.code;
              context.reason = issue.message;
              context.path = issue.path;
              deps.logger?.warn('KPL user record invalid; re-ingested alone', context);
            }
          }
        }
      }
    } else if (result === RecordResult.Dropped) {
      summary.dropped++;
      const reason = dropReasonOf(outcome, guarded);
      if (reason !== undefined)
        summary.dropsByReason[reason] = (summary.dropsByReason[reason] ?? 0) + 1;
    } else {
      summary.failed++;
      const issue = guarded.issue as ValidationIssue;
      summary.failuresByCode[issue.code] = (summary.failuresByCode[issue.code] ?? 0) + 1;
      if (logged++ < config.failureLogLimit) {
        // The context object itself (a spread into a new literal costs a generic property copy).
        const context = recordContext(records[i]!);
        context.errorCode = issue.code;
        context.reason = issue.message;
        context.path = issue.path;
        deps.logger?.warn('record failed', context);
      }
    }
  }
  emit(deps, event, summary, logged);
  return { records: out, summary };
}

/**
 * What lets a user join a log line to the document Firehose writes under the error prefix: that
 * document holds `rawData` (the base64 we return), `arrivalTimestamp` and, from a Kinesis source,
 * the sequence number; `rawDataSha256` is `sha256(rawData)` as text, reproducible from the document.
 */
function recordContext(record: FirehoseInputRecord): Record<string, unknown> {
  const meta = record.kinesisRecordMetadata;
  const context: Record<string, unknown> = {
    recordId: record.recordId,
    arrivalTimestamp: record.approximateArrivalTimestamp,
    rawDataSha256:
      typeof record.data === 'string'
        ? createHash('sha256').update(record.data).digest('hex')
        : undefined,
  };
  if (meta !== undefined) {
    context.sequenceNumber = meta.sequenceNumber;
    context.subsequenceNumber = meta.subsequenceNumber;
    context.partitionKey = meta.partitionKey;
    context.shardId = meta.shardId;
  }
  return context;
}

function emit(
  deps: ProcessorDeps,
  event: FirehoseTransformationEvent,
  summary: InvocationSummary,
  logged: number,
): void {
  const { metrics, logger } = deps;
  if (metrics !== undefined) {
    metrics.addMetric('RecordsIn', 'Count', summary.records);
    metrics.addMetric('RecordsOk', 'Count', summary.ok);
    metrics.addMetric('RecordsDropped', 'Count', summary.dropped);
    metrics.addMetric('RecordsFailed', 'Count', summary.failed);
    metrics.addMetric('EventsOut', 'Count', summary.events);
    metrics.addMetric('RecordsReingested', 'Count', summary.reingested);
    metrics.addMetric('ResponseBytes', 'Bytes', summary.responseBytes);
    // One EMF document per error code, so that alarms and dashboards can split by it.
    for (const code in summary.failuresByCode) {
      const single = metrics.singleMetric();
      single.addDimension('errorCode', code);
      single.addMetric('ProcessingFailed', 'Count', summary.failuresByCode[code]!);
    }
  }
  logger?.info('batch transformed', {
    invocationId: event.invocationId,
    ...summary,
    failureLogsSuppressed: Math.max(0, logged - deps.config.failureLogLimit),
  });
}
