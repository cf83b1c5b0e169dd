import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { functionsOf, localTableEngineOf } from '../../src/config/functions.js';
import { loadService } from '../../src/config/serverless.js';
import { serviceDirs } from '../../src/pipeline.js';

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

describe('variables inside a variable address', () => {
  const nested = `
service: streamlens-demo
custom:
  readsStream: \${file(../config/modes.yml):readsStream.\${param:ingest, 'stream'}}
  triggers:
    "true":
      - schedule:
          rate: rate(1 minute)
    "false": []
functions:
  consume:
    handler: src/handler.handler
    events: \${self:custom.triggers.\${self:custom.readsStream}}
`;
  const modes = 'readsStream:\n  stream: "true"\n  kafka: "false"\n  stream+kafka: "true"\n';

  it.each([
    [{}, [{ schedule: { rate: 'rate(1 minute)' } }]],
    [{ ingest: 'stream+kafka' }, [{ schedule: { rate: 'rate(1 minute)' } }]],
    [{ ingest: 'kafka' }, []],
  ])('with params %j resolve the inner one first, as the Framework does', (params, events) => {
    // Prepare
    const dir = serviceDir(nested);
    writeFileSync(join(dir, '..', 'config', 'modes.yml'), modes);
    // Act
    const svc = loadService(dir, { params });
    // Assess
    expect((svc.doc.functions as Record<string, { events: unknown }>).consume?.events).toEqual(
      events,
    );
  });
});

describe('resources given as a list', () => {
  it('merges the entries as the Framework does, resolving included files from the service folder', () => {
    // Prepare
    const dir = serviceDir(
      YML.replace(
        'resources:\n  Resources:',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: Serverless variable syntax.
        'resources:\n- ${file(resources/alarms.yml)}\n- Resources:',
      ),
    );
    mkdirSync(join(dir, 'resources'));
    mkdirSync(join(dir, 'body'));
    writeFileSync(join(dir, 'body', 'body.cjs'), 'module.exports = async () => "{}";\n');
    writeFileSync(join(dir, 'body', 'ddl.sql'), 'CREATE TABLE t (a: int, b [x]);\n');
    writeFileSync(
      join(dir, 'resources', 'alarms.yml'),
      [
        'Resources:',
        '  FailuresAlarm:',
        '    Type: AWS::CloudWatch::Alarm',
        '    Properties:',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: Serverless variable syntax.
        '      AlarmName: ${self:service}-${self:custom.queue}',
        '  Dashboard:',
        '    Type: AWS::CloudWatch::Dashboard',
        '    Properties:',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: Serverless variable syntax.
        '      DashboardBody: ${file(body/body.cjs)}',
        '',
      ].join('\n'),
    );

    // Act
    const svc = loadService(dir, { stage: 'local' });

    // Assess
    const resources = (svc.doc.resources as { Resources: Record<string, { Properties?: object }> })
      .Resources;
    expect(Object.keys(resources).sort()).toEqual([
      'Dashboard',
      'Failures',
      'FailuresAlarm',
      'Table',
    ]);
    expect(resources.FailuresAlarm?.Properties).toEqual({
      AlarmName: 'streamlens-demo-streamlens-local-failures',
    });
    // A JS file source needs the Framework's resolver API: left out locally.
    expect(resources.Dashboard?.Properties).toEqual({});
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

describe('custom.localPipeline.dynamodb', () => {
  const withHint = (hint: string) =>
    `service: streamlens-demo\n${hint}provider:\n  name: aws\nfunctions: {}\n`;

  it('keeps tables on DynamoDB Local unless the service asks for dynalite', () => {
    // Prepare
    const plain = loadService(serviceDir(withHint('')), { stage: 'local', region: 'us-east-1' });
    const explicit = loadService(
      serviceDir(withHint('custom:\n  localPipeline:\n    dynamodb: dynamodb-local\n')),
      { stage: 'local', region: 'us-east-1' },
    );
    const dynalite = loadService(
      serviceDir(withHint('custom:\n  localPipeline:\n    dynamodb: dynalite\n')),
      { stage: 'local', region: 'us-east-1' },
    );

    // Act / Assess
    expect(localTableEngineOf(plain)).toBe('dynamodb-local');
    expect(localTableEngineOf(explicit)).toBe('dynamodb-local');
    expect(localTableEngineOf(dynalite)).toBe('dynalite');
  });

  it('rejects an unknown engine with the service and the allowed values', () => {
    // Prepare
    const svc = loadService(
      serviceDir(withHint('custom:\n  localPipeline:\n    dynamodb: dynamo\n')),
      { stage: 'local', region: 'us-east-1' },
    );

    // Act / Assess
    expect(() => localTableEngineOf(svc)).toThrow(
      /streamlens-demo: custom.localPipeline.dynamodb is "dynamo"; use "dynalite" or "dynamodb-local"/,
    );
  });

  it('is set for the dynamodb-indexer service only', () => {
    // Prepare
    const root = join(import.meta.dirname, '..', '..', '..', '..');
    const engines = Object.fromEntries(
      serviceDirs(root).map((dir) => {
        const svc = loadService(dir, { stage: 'local', region: 'us-east-1' });
        return [svc.service, localTableEngineOf(svc)];
      }),
    );

    // Assess
    expect(Object.entries(engines).filter(([, e]) => e === 'dynalite')).toEqual([
      ['streamlens-dynamodb-indexer', 'dynalite'],
    ]);
  });
});

describe('stream event consumer (enhanced fan-out or shared)', () => {
  const root = join(import.meta.dirname, '..', '..', '..', '..');
  const events = 'arn:aws:kinesis:us-east-1:000000000000:stream/streamlens-local-events';
  const aggregates = 'arn:aws:kinesis:us-east-1:000000000000:stream/streamlens-local-aggregates';
  // The stream ARNs as `pnpm start` (and compose) hands them to every service.
  const consumersOf = (modes: Record<string, string>) => {
    const params = { eventsStreamArn: events, aggregatesStreamArn: aggregates, ...modes };
    return Object.fromEntries(
      serviceDirs(root).flatMap((dir) =>
        functionsOf(loadService(dir, { stage: 'local', region: 'us-east-1', params })).flatMap(
          (fn) => fn.streams.map((st) => [fn.name, st.consumerArn ?? 'shared']),
        ),
      ),
    );
  };

  it('reads each service through its StreamConsumer when its consumerMode is efo, else polls', () => {
    // Act
    const defaults = consumersOf({});
    const flipped = consumersOf({ indexerConsumer: 'shared', alertsConsumer: 'efo' });

    // Assess: the services' defaults (three EFO readers of the events stream, a polling detector)
    expect(defaults).toEqual({
      'streamlens-anomaly-alerts-local-detect': 'shared',
      'streamlens-dynamodb-indexer-local-index': `${events}/consumer/streamlens-dynamodb-indexer-local-index:1`,
      'streamlens-opensearch-indexer-local-index': `${events}/consumer/streamlens-opensearch-indexer-local-index:1`,
      'streamlens-stream-aggregator-local-aggregate': `${events}/consumer/streamlens-stream-aggregator-local-aggregate:1`,
    });
    expect(flipped['streamlens-dynamodb-indexer-local-index']).toBe('shared');
    expect(flipped['streamlens-anomaly-alerts-local-detect']).toMatch(
      new RegExp(`^${aggregates}/consumer/.+:1$`),
    );
  });

  it('rejects a consumer whose Fn::If names a condition the service does not declare, or a cycle', () => {
    // Prepare
    const withConsumer = (condition: string) =>
      loadService(
        serviceDir(`service: streamlens-demo
provider:
  name: aws
functions:
  f:
    handler: src/handler.handler
    events:
      - stream:
          type: kinesis
          arn: arn:aws:kinesis:us-east-1:000000000000:stream/s
          consumer: { "Fn::If": [${condition}, "x", "arn:aws:kinesis:us-east-1:000000000000:stream/s"] }
resources:
  Conditions:
    Loop: { Condition: Loop }
`),
        { stage: 'local', region: 'us-east-1' },
      );

    // Act / Assess
    expect(() => functionsOf(withConsumer('Missing'))).toThrow(
      /streamlens-demo: unknown condition Missing/,
    );
    expect(() => functionsOf(withConsumer('Loop'))).toThrow(
      /streamlens-demo: condition Loop nests too deep/,
    );
  });
});
