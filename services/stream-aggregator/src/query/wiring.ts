import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Query } from '@streamlens/query';
import { DynamoQueryStore } from '../adapters/query-store.js';
import type { AggregatorConfig } from '../config.js';
import type { QueryHook } from '../domain/engine.js';
import type { WindowSink } from '../domain/types.js';
import { type DurableApplyOutcome, DurableQueries } from './durable.js';
import { type QueryOutput, queryOutputOf, queryWindowEvent } from './output.js';

/** Groups one invocation reads and writes at once. */
const GROUP_CONCURRENCY = 16;

/**
 * The handler's query hook, or undefined without QUERY_FILE. The file is read and validated once
 * per container, on a lazily loaded module (the YAML parser and Ajv are evaluated only when there
 * is a query file, so other cold starts do not pay for them); a bad file fails every invocation
 * with its line and column. Windows go to the aggregates stream and the archive as
 * `metrics.window` events (output.ts).
 */
export function queriesFromConfig(
  config: AggregatorConfig,
  doc: DynamoDBDocumentClient,
  sink: WindowSink,
  onApply: (outcome: DurableApplyOutcome) => void,
  onDropped: (query: string, error: Error) => void,
): QueryHook | undefined {
  const file = config.queryFile;
  if (file === undefined) return undefined;
  const path = isAbsolute(file) ? file : join(process.env.LAMBDA_TASK_ROOT ?? process.cwd(), file);
  const ready = import('@streamlens/query/runtime').then(({ parseQueryFile, fieldRefText }) => {
    const { queries } = parseQueryFile(readFileSync(path, 'utf8'), file);
    const outputs = new Map(queries.map((q) => [q.name, queryOutputOf(q, fieldRefText)]));
    return durableQueries(queries, outputs, config, doc, sink, onDropped);
  });
  // Reported by the invocations that await it, not as an unhandled rejection at load.
  ready.catch(() => undefined);
  return {
    apply: async (lanes, deadlineMs) => onApply(await (await ready).apply(lanes, deadlineMs)),
    flush: async (watermarkMs, deadlineMs) => (await ready).flush(watermarkMs, deadlineMs),
    flushIdle: async (nowMs, deadlineMs) => (await ready).flushIdle(nowMs, deadlineMs),
  };
}

function durableQueries(
  queries: readonly Query[],
  outputs: ReadonlyMap<string, QueryOutput>,
  config: AggregatorConfig,
  doc: DynamoDBDocumentClient,
  sink: WindowSink,
  onDropped: (query: string, error: Error) => void,
): DurableQueries {
  const { engine } = config;
  return new DurableQueries(
    queries,
    {
      allowedLatenessMs: engine.allowedLatenessMs,
      maxLatenessMs: engine.maxLatenessMs,
      alpha: engine.alpha,
      flushLimit: engine.flushLimit,
      idleMs: engine.idleMs,
      concurrency: GROUP_CONCURRENCY,
    },
    new DynamoQueryStore(doc, {
      stateTableName: config.stateTableName,
      stateTtlSeconds: config.stateTtlSeconds,
    }),
    {
      emit: (windows, deadlineMs) =>
        sink.emit(
          windows.map((w) => queryWindowEvent(outputs.get(w.query)!, w, engine.source)),
          deadlineMs,
        ),
    },
    Date.now,
    onDropped,
  );
}
