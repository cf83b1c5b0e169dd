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
 * name), metrics flushed as EMF after each invocation (also when it throws), the Powertools Tracer
 * when `STREAMLENS_TRACER` is `true` (see {@link tracerWhenEnabled}), and any extra middlewares.
 * Call once at module scope.
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
  const tracer = tracerWhenEnabled();
  if (tracer) handler = handler.use(tracer as MiddlewareObj<TEvent, TResult>);
  for (const middleware of opts.use ?? []) {
    handler = handler.use(middleware as MiddlewareObj<TEvent, TResult>);
  }
  return handler.handler(fn);
}

/**
 * The Powertools Tracer's handler middleware (an X-Ray segment per invocation, cold start and
 * service annotations, errors as metadata) when `STREAMLENS_TRACER` is `true`, else undefined.
 *
 * Deployed bundles never read the variable: esbuild replaces it with the service's `tracer` param
 * (`define` in config/serverless-common.yml), so with tracing off this branch, and with it the
 * Tracer and the X-Ray SDK, is not in the bundle at all (docs/operations.md, "Tracing"). The module
 * is imported lazily so that code run from source (tests, the local pipeline) does not load the
 * X-Ray SDK either; the import starts here, during the function's init phase.
 */
export function tracerWhenEnabled(): MiddlewareObj | undefined {
  if (process.env.STREAMLENS_TRACER !== 'true') return undefined;
  const loading = import('./tracer.js').then(
    (m) => m.createTracer(process.env.POWERTOOLS_SERVICE_NAME ?? 'streamlens').middleware,
  );
  // A failed load surfaces at the first invocation, not as an unhandled rejection during init.
  loading.catch(() => undefined);
  return {
    before: async (request) => (await loading).before?.(request),
    after: async (request) => (await loading).after?.(request),
    onError: async (request) => (await loading).onError?.(request),
  };
}
