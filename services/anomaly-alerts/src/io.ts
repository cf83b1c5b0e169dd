import { createDocumentClient } from '@streamlens/lambda-kit/dynamodb';
import { createSnsClient } from '@streamlens/lambda-kit/sns';
import type { AnomalyAlertsConfig } from './config.js';
import type { AlertPublisher } from './processor.js';
import { SnsAlertPublisher } from './publisher.js';
import { DynamoSeriesStore, type SeriesStore } from './store.js';

/** The handler's I/O: the state table and the alerts topic. */
export interface AnomalyAlertsIo {
  readonly store: SeriesStore;
  readonly publisher: AlertPublisher;
}

/**
 * Builds the DynamoDB and SNS clients, the store and the publisher, once per container (the
 * handler calls it at load).
 */
export function createIo(config: AnomalyAlertsConfig): AnomalyAlertsIo {
  return {
    store: new DynamoSeriesStore(createDocumentClient(), config.stateTableName),
    publisher: new SnsAlertPublisher(createSnsClient(), config.alertsTopicArn, {
      maxAttempts: config.publishMaxAttempts,
    }),
  };
}
