import { ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from '@jest/globals';
import { connectLocalAws, ENDPOINT_ENV } from '../../src/index.js';

describe('integration global setup', () => {
  it('exports the stand-ins env to the test worker through process.env, as connectLocalAws() reads it', () => {
    // Prepare
    const connection = connectLocalAws();
    const provided = connection.env;
    connection.close();

    // Act
    const fromProcess = {
      kinesis: process.env[ENDPOINT_ENV.kinesis],
      dynamodb: process.env[ENDPOINT_ENV.dynamodb],
      s3: process.env[ENDPOINT_ENV.s3],
    };

    // Assess
    expect(fromProcess.kinesis).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(fromProcess.dynamodb).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(fromProcess.s3).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(provided[ENDPOINT_ENV.kinesis]).toBe(fromProcess.kinesis);
    expect(process.env.AWS_REGION).toBe('us-east-1');
    expect(process.env.AWS_EC2_METADATA_DISABLED).toBe('true');
  });

  it('reaches a running stand-in from the worker with the default connection', async () => {
    // Prepare
    const aws = connectLocalAws();

    // Act
    const out = await aws.clients().kinesis.send(new ListStreamsCommand({}));
    aws.close();

    // Assess
    expect(out.$metadata.httpStatusCode).toBe(200);
    expect(Array.isArray(out.StreamNames)).toBe(true);
  });
});
