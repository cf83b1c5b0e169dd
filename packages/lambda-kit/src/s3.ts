import { S3Client } from '@aws-sdk/client-s3';
import { s3ClientConfig } from './clients.js';

export { s3ClientConfig };

/**
 * An S3 client built with `s3ClientConfig`: HTTP/1 keep-alive, endpoint from `AWS_ENDPOINT_URL_S3`
 * (read by the SDK), path-style addressing when an endpoint override is set.
 */
export function createS3Client(extra: object = {}): S3Client {
  return new S3Client(s3ClientConfig(extra));
}
