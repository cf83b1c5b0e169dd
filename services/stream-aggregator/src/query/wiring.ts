import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Query } from '@streamlens/query';
import { parseCompiledQueryFile } from '@streamlens/query/runtime';
import { DynamoQueryStore } from '../adapters/query-store.js';
import type { AggregatorConfig } from '../config.js';
import type { QueryHook } from '../domain/engine.js';
import type { WindowSink } from '../domain/types.js';
import { type DurableApplyOutcome, DurableQueries } from './durable.js';
import { type QueryOutput, queryOutputOf, queryWindowEvent } from './output.js';

/** Groups one invocation reads and writes at once. */
const GROUP_CONCURRENCY = 16;

/**
 * The handler's query hook, or undefined without QUERY_FILE: a compiled query file (`pnpm queries
 * compile`, JSON of the validated model; the YAML parser and the schema validator stay out of the
 * bundle), read once per container. A file that is not one fails the cold start with the reason.
 * Windows go to the aggregates stream and the archive as `metrics.window` events (output.ts).
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
  const { queries } = parseCompiledQueryFile(readFileSync(path, 'utf8'), file);
  const outputs = new Map(queries.map((q) => [q.name, queryOutputOf(q)]));
  const runner = durableQueries(queries, outputs, config, doc, sink, onDropped);
  return {
    apply: async (lanes, deadlineMs) => onApply(await runner.apply(lanes, deadlineMs)),
    flush: (watermarkMs, deadlineMs) => runner.flush(watermarkMs, deadlineMs),
    flushIdle: (nowMs, deadlineMs) => runner.flushIdle(nowMs, deadlineMs),
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
