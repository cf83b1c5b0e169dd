// The cold-start peer of docs/performance-targets.md: a handler written the common way, importing the DynamoDB
// and SNS clients, Powertools logger, metrics and tracer, and middy, bundled without minification
// or tree-shaking care. Only its load time and size are measured; it is never invoked.
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import middy from '@middy/core';

const logger = new Logger({ serviceName: 'naive' });
const metrics = new Metrics({ namespace: 'naive', serviceName: 'naive' });
const tracer = new Tracer({ serviceName: 'naive' });
const dynamodb = tracer.captureAWSv3Client(new DynamoDBClient({}));
const sns = tracer.captureAWSv3Client(new SNSClient({}));

export const handler = middy(async (event: { id: string }) => {
  logger.info('event', { id: event.id });
  metrics.addMetric('events', 'Count', 1);
  await dynamodb.send(new PutItemCommand({ TableName: 't', Item: { id: { S: event.id } } }));
  await sns.send(new PublishCommand({ TopicArn: 'arn:aws:sns:us-east-1:0:t', Message: event.id }));
  return { ok: true };
});
