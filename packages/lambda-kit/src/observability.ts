import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/** Powertools' metric units (`MetricUnit.Count`, ...): the one spelling every function uses. */
export { MetricUnit } from '@aws-lambda-powertools/metrics';

/** The Powertools pair every streamlens function logs and measures with. */
export interface Observability {
  logger: Logger;
  metrics: Metrics;
}

/**
 * Powertools Logger and Metrics (CloudWatch EMF) set up with the service name. The namespace comes
 * from `POWERTOOLS_METRICS_NAMESPACE` (config/serverless-common.yml sets `streamlens`), the level
 * from `POWERTOOLS_LOG_LEVEL`. Build it once at module scope.
 *
 * Tracer is not created here: it costs cold-start time (see the package README); functions that
 * want X-Ray spans call `createTracer` from `@streamlens/lambda-kit/tracer`.
 *
 * @example const { logger, metrics } = createObservability('stream-aggregator');
 */
export function createObservability(
  serviceName: string,
  opts: { namespace?: string } = {},
): Observability {
  const logger = new Logger({ serviceName });
  const metrics = new Metrics({
    serviceName,
    namespace: opts.namespace ?? process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'streamlens',
  });
  return { logger, metrics };
}
