import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { functionsOf } from '../../src/config/functions.js';
import { loadService } from '../../src/config/serverless.js';

function serviceDir(
  yml: string,
  common = 'runtime: nodejs22.x\nenvironment:\n  SHARED: "1"\n',
): string {
  const root = mkdtempSync(join(tmpdir(), 'lp-sls-'));
  mkdirSync(join(root, 'config'));
  mkdirSync(join(root, 'svc', 'src'), { recursive: true });
  writeFileSync(join(root, 'config', 'common.yml'), common);
  writeFileSync(join(root, 'svc', 'serverless.yml'), yml);
  writeFileSync(join(root, 'svc', 'src', 'handler.ts'), 'export const handler = async () => {};\n');
  return join(root, 'svc');
}

const YML = `
service: streamlens-demo
custom:
  streamArn: \${param:eventsStreamArn, 'arn:aws:kinesis:\${aws:region}:000000000000:stream/streamlens-\${sls:stage}-events'}
  batchSize: \${param:batchSize, 250}
  queue: streamlens-\${sls:stage}-failures
provider:
  name: aws
  stage: \${opt:stage, 'dev'}
  environment: \${file(../config/common.yml):environment}
  timeout: 30
functions:
  consume:
    handler: src/handler.handler
    environment:
      TABLE: !Ref Table
      SUB: !Sub "arn:\${AWS::Partition}:s3:::x"
    events:
      - stream:
          type: kinesis
          arn: \${self:custom.streamArn}
          batchSize: \${self:custom.batchSize}
          bisectBatchOnFunctionError: true
          functionResponseType: ReportBatchItemFailures
          destinations:
            onFailure:
              arn: !GetAtt Failures.Arn
              type: sqs
resources:
  Resources:
    Table:
      Type: AWS::DynamoDB::Table
      Properties:
        TableName: streamlens-\${sls:stage}-table
    Failures:
      Type: AWS::SQS::Queue
      Properties:
        QueueName: \${self:custom.queue}
`;

describe('serverless.yml resolution', () => {
  it('resolves params with defaults, stage, region, self, file and CloudFormation references', () => {
    // Prepare
    const dir = serviceDir(YML);
    // Act
    const svc = loadService(dir, {
      stage: 'local',
      region: 'eu-west-1',
      params: { batchSize: '7' },
    });
    const [fn] = functionsOf(svc);
    // Assess
    expect(fn?.name).toBe('streamlens-demo-local-consume');
    expect(fn?.timeoutSeconds).toBe(30);
    expect(fn?.environment).toEqual({
      SHARED: '1',
      TABLE: 'streamlens-local-table',
      SUB: 'arn:aws:s3:::x',
    });
    expect(fn?.streams).toEqual([
      expect.objectContaining({
        streamName: 'streamlens-local-events',
        streamArn: 'arn:aws:kinesis:eu-west-1:000000000000:stream/streamlens-local-events',
        batchSize: 7,
        bisectBatchOnFunctionError: true,
        reportBatchItemFailures: true,
        maximumRetryAttempts: -1,
        maximumRecordAgeInSeconds: -1,
        parallelizationFactor: 1,
        onFailureArn: 'arn:aws:sqs:eu-west-1:000000000000:streamlens-local-failures',
      }),
    ]);
  });

  it('uses the Framework defaults when the stream event leaves settings out', () => {
    // Prepare
    const dir = serviceDir(YML.replace(/ +batchSize: \$\{self:custom.batchSize\}\n/, ''));
    // Act
    const [fn] = functionsOf(loadService(dir));
    // Assess
    expect(fn?.streams[0]?.batchSize).toBe(10);
    expect(fn?.streams[0]?.streamName).toBe('streamlens-dev-events');
  });
});

describe('sqs events', () => {
  it('reads the warehouse loader sqs event as its serverless.yml declares it', () => {
    // Prepare
    const dir = join(import.meta.dirname, '../../../../services/warehouse-loader');
    const svc = loadService(dir, { stage: 'local', params: { warehouseBatchSize: '7' } });
    // Act
    const [load] = functionsOf(svc);
    // Assess
    expect(load?.sqs).toEqual([
      {
        queueArn: 'arn:aws:sqs:us-east-1:000000000000:streamlens-local-warehouse-loader',
        batchSize: 7,
        maximumBatchingWindowSeconds: 5,
        reportBatchItemFailures: true,
        enabled: true,
      },
    ]);
  });
});
