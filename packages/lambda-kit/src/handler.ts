import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy, { type MiddlewareObj, type MiddyfiedHandler } from '@middy/core';
import type { Context } from 'aws-lambda';

/** Options of `lambdaHandler`. */
export interface LambdaHandlerOptions {
  logger: Logger;
  metrics: Metrics;
  /** Emit a `ColdStart` metric on the first invocation (default true). */
  captureColdStartMetric?: boolean;
  /** Log the incoming event at INFO (default false: events may hold personal data and are big). */
  logEvent?: boolean;
  /** Extra middlewares, applied after the logger and metrics ones (e.g. the tracer's). */
  use?: MiddlewareObj[];
}

/**
 * Wraps a handler with middy: Lambda context in every log line (request id, cold start, function
 * name), metrics flushed as EMF after each invocation (also when it throws), and any extra
 * middlewares. Call once at module scope.
 *
 * @example
 * export const handler = lambdaHandler(async (event: KinesisStreamEvent, context) =>
 *   processKinesisBatch(event, onRecord, { logger, metrics }), { logger, metrics });
 */
export function lambdaHandler<TEvent, TResult>(
  fn: (event: TEvent, context: Context) => Promise<TResult>,
  opts: LambdaHandlerOptions,
): MiddyfiedHandler<TEvent, TResult> {
  let handler = middy<TEvent, TResult>()
    .use(injectLambdaContext(opts.logger, { logEvent: opts.logEvent ?? false }))
    .use(logMetrics(opts.metrics, { captureColdStartMetric: opts.captureColdStartMetric ?? true }));
  for (const middleware of opts.use ?? []) {
    handler = handler.use(middleware as MiddlewareObj<TEvent, TResult>);
  }
  return handler.handler(fn);
}
