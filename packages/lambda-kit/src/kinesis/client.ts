import { KinesisClient } from '@aws-sdk/client-kinesis';
import { clientConfig } from '../clients.js';

/**
 * A Kinesis client built with `clientConfig`: HTTP/1 keep-alive (kinesalite rejects the HTTP/2
 * handler), endpoint from `AWS_ENDPOINT_URL_KINESIS` (read by the SDK).
 */
export function createKinesisClient(extra: object = {}): KinesisClient {
  return new KinesisClient(clientConfig(extra));
}
