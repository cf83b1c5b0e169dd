import { createObservability, deadlineFromContext, lambdaHandler } from '@streamlens/lambda-kit';
import type { Context } from 'aws-lambda';
import { loadConfig } from './config.js';
import type { FirehoseTransformationEvent, FirehoseTransformationResult } from './model.js';
import { processFirehoseEvent } from './processor.js';
import { createAwsReingest } from './reingest-aws.js';
import { RecordTransformer } from './transform.js';

// Built once per container; a bad configuration fails the cold start, naming the variable.
const config = loadConfig();
const { logger, metrics } = createObservability('firehose-transform');
const transformer = new RecordTransformer(config);
const reingest = createAwsReingest();

/** Firehose data-transformation handler: see README.md for results, error codes and layout. */
export const handler = lambdaHandler(
  async (
    event: FirehoseTransformationEvent,
    context: Context,
  ): Promise<FirehoseTransformationResult> => {
    const { records } = await processFirehoseEvent(event, {
      config,
      transformer,
      reingest,
      logger,
      metrics,
      deadline: deadlineFromContext(context, config.reingestSafetyMs),
    });
    return { records };
  },
  { logger, metrics },
);
