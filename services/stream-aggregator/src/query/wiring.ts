import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { parseQueryFile } from '@streamlens/query';
import { DynamoQueryStore } from '../adapters/query-store.js';
import type { AggregatorConfig } from '../config.js';
import type { QueryHook } from '../domain/engine.js';
import type { WindowSink } from '../domain/types.js';
import { type DurableApplyOutcome, DurableQueries } from './durable.js';
import { queryOutputOf, queryWindowEvent } from './output.js';

/** Groups one invocation reads and writes at once. */
const GROUP_CONCURRENCY = 16;

/**
 * The handler's query runner, or undefined without QUERY_FILE. The file is read and validated
 * once per container (a bad file fails the cold start, naming line and column); its windows go
 * to the aggregates stream and the archive as `metrics.window` events (output.ts).
 */
export function queriesFromConfig(
  config: AggregatorConfig,
  doc: DynamoDBDocumentClient,
  sink: WindowSink,
  onApply: (outcome: DurableApplyOutcome) => void,
): QueryHook | undefined {
  if (config.queryFile === undefined) return undefined;
  const path = isAbsolute(config.queryFile)
    ? config.queryFile
    : join(process.env.LAMBDA_TASK_ROOT ?? process.cwd(), config.queryFile);
  const { queries } = parseQueryFile(readFileSync(path, 'utf8'), config.queryFile);
  const outputs = new Map(queries.map((q) => [q.name, queryOutputOf(q)]));
  const { engine } = config;
  const runner = new DurableQueries(
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
  );
  return {
    apply: async (lanes, deadlineMs) => onApply(await runner.apply(lanes, deadlineMs)),
    flush: (watermarkMs, deadlineMs) => runner.flush(watermarkMs, deadlineMs),
    flushIdle: (nowMs, deadlineMs) => runner.flushIdle(nowMs, deadlineMs),
  };
}
