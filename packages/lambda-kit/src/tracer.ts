import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { MiddlewareObj } from '@middy/core';

export type { Tracer };

/**
 * An X-Ray Tracer for the service, and the middy middleware that opens the handler segment. Kept
 * out of the core entry point because it adds cold-start time (see README); pass the middleware to
 * `lambdaHandler` through `use`.
 *
 * @example
 * const { tracer, middleware } = createTracer('anomaly-alerts');
 * export const handler = lambdaHandler(fn, { logger, metrics, use: [middleware] });
 */
export function createTracer(serviceName: string): { tracer: Tracer; middleware: MiddlewareObj } {
  const tracer = new Tracer({ serviceName });
  return { tracer, middleware: captureLambdaHandler(tracer) as MiddlewareObj };
}
