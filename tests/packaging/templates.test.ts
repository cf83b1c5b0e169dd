import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { formatMissingAlarms, missingAlarms } from './alarms.js';
import { exportedNames, importedNames, placeholders } from './references.js';
import { type CfnTemplate, formatFindings, scanTemplate } from './scan.js';

// Scans what `pnpm run package:check` just packaged. Run alone after `serverless package` in
// every service; with no packaged template it fails instead of passing on nothing.

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TEMPLATE = '.serverless/cloudformation-template-update-stack.json';
/** The resources service packaged a second time with PROVISIONED streams (package-check.mjs). */
const PROVISIONED_DIR = join(root, '.tmp/package-check/resources-provisioned');
/** opensearch-indexer packaged with createDomain=true (package-check.mjs). */
const DOMAIN_DIR = join(root, '.tmp/package-check/opensearch-indexer-domain');
/** warehouse-loader packaged with createWarehouse=true (package-check.mjs). */
const WAREHOUSE_DIR = join(root, '.tmp/package-check/warehouse-loader-created');

/** The outputs of the resources stack other services import (config/resources-exports.yml). */
const RESOURCES_EXPORTS_FILE = join(root, 'config/resources-exports.yml');
const sharedOutputs = (): string[] =>
  [
    ...readFileSync(RESOURCES_EXPORTS_FILE, 'utf8').matchAll(
      /"Fn::ImportValue": "streamlens-resources-\$\{sls:stage\}-(\w+)"/g,
    ),
  ].map((m) => m[1] as string);

const services = readdirSync(join(root, 'services'))
  .filter((name) => existsSync(join(root, 'services', name, 'serverless.yml')))
  .sort();

const readTemplate = (file: string): CfnTemplate =>
  JSON.parse(readFileSync(file, 'utf8')) as CfnTemplate;

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;
const resourcesTemplate = (): CfnTemplate & {
  Outputs?: Record<string, unknown>;
  Conditions?: Record<string, unknown>;
} => readTemplate(join(root, 'services/resources', TEMPLATE));

describe('packaged templates', () => {
  it('finds a service with a serverless.yml, the resources service among them', () => {
    // Assess
    expect(services).toContain('resources');
  });

  it.each(services)('%s was packaged', (service) => {
    // Prepare
    const file = join(root, 'services', service, TEMPLATE);

    // Assess
    // A missing template means the services were not packaged: run `pnpm run package:check`.
    expect({ file, exists: existsSync(file) }).toEqual({ file, exists: true });
  });

  it.each(services)('%s has no wildcard IAM and no unencrypted data store', (service) => {
    // Prepare
    const template = readTemplate(join(root, 'services', service, TEMPLATE));

    // Act
    const findings = scanTemplate(template);

    // Assess
    expect(Object.keys(template.Resources ?? {}).length).toBeGreaterThan(0);
    expect({
      report: findings.length > 0 ? formatFindings(service, findings) : '',
      findings,
    }).toEqual({
      report: '',
      findings: [],
    });
  });

  it.each(services)(
    '%s has the alarms of every function, Kinesis consumer, queue, table, topic and delivery stream',
    (service) => {
      // Prepare
      const template = readTemplate(join(root, 'services', service, TEMPLATE));

      // Act
      const missing = missingAlarms(template);

      // Assess
      expect(formatMissingAlarms(service, missing)).toBe('');
    },
  );

  it('resources passes the scan in PROVISIONED mode too', () => {
    // Prepare
    const template = readTemplate(
      join(PROVISIONED_DIR, 'cloudformation-template-update-stack.json'),
    );

    // Act
    const findings = scanTemplate(template);

    // Assess
    expect({
      report: findings.length > 0 ? formatFindings('resources (PROVISIONED)', findings) : '',
      findings,
    }).toEqual({ report: '', findings: [] });
  });
});

describe('Kinesis consumers: enhanced fan-out or shared polling, by param', () => {
  it.each([
    ['stream-aggregator', 'Aggregate', 'efo'],
    ['dynamodb-indexer', 'Index', 'efo'],
    ['opensearch-indexer', 'Index', 'efo'],
    ['anomaly-alerts', 'Detect', 'shared'],
  ])(
    '%s reads through its own StreamConsumer when its mode is efo (default %s: %s)',
    (service, fn, mode) => {
      // Prepare
      const template = readTemplate(join(root, 'services', service, TEMPLATE)) as CfnTemplate & {
        Conditions?: Record<string, unknown>;
      };
      const resources = template.Resources ?? {};
      const mapping = Object.values(resources).find(
        (r) => r.Type === 'AWS::Lambda::EventSourceMapping',
      );
      const source = mapping?.Properties?.EventSourceArn as { 'Fn::If'?: unknown[] } | undefined;
      const [condition, onEfo, onShared] = source?.['Fn::If'] ?? [];

      // Assess
      expect(template.Conditions?.[`${fn}OnEnhancedFanOut`]).toEqual(
        fn === 'Detect'
          ? { 'Fn::Equals': [mode, 'efo'] }
          : // The Kafka consumers' condition also asks that `ingest` reads the stream (it does by default).
            { 'Fn::And': [{ 'Fn::Equals': [mode, 'efo'] }, { 'Fn::Equals': ['true', 'true'] }] },
      );
      expect(resources[`${fn}StreamConsumer`]).toMatchObject({
        Type: 'AWS::Kinesis::StreamConsumer',
        Condition: `${fn}OnEnhancedFanOut`,
        Properties: { ConsumerName: `streamlens-${service}-dev-${fn.toLowerCase()}` },
      });
      expect([condition, onEfo]).toEqual([`${fn}OnEnhancedFanOut`, { Ref: `${fn}StreamConsumer` }]);
      expect(onShared).toEqual({
        'Fn::ImportValue': `streamlens-resources-dev-${service === 'anomaly-alerts' ? 'Aggregates' : 'Events'}StreamArn`,
      });
    },
  );
});

describe('optional parts: their consumers run only when the part is there', () => {
  const mappings = (t: CfnTemplate) =>
    Object.values(t.Resources ?? {})
      .filter((r) => r.Type === 'AWS::Lambda::EventSourceMapping')
      .map((r) => r.Properties?.Enabled);
  const plain = (service: string) => readTemplate(join(root, 'services', service, TEMPLATE));
  const variant = (dir: string) =>
    readTemplate(join(dir, 'cloudformation-template-update-stack.json'));

  it('disables the OpenSearch indexer without a domain, and enables it with the created one', () => {
    // Assess
    expect(mappings(plain('opensearch-indexer'))).toEqual([false]);
    expect(mappings(variant(DOMAIN_DIR))).toEqual([true]);
  });

  it('disables the warehouse loader and its lake rule without a warehouse, and enables both with it', () => {
    // Prepare
    const rule = (t: CfnTemplate) => t.Resources?.LakeObjectCreatedRule?.Properties?.State;

    // Assess
    expect([mappings(plain('warehouse-loader')), rule(plain('warehouse-loader'))]).toEqual([
      [false],
      'DISABLED',
    ]);
    expect([mappings(variant(WAREHOUSE_DIR)), rule(variant(WAREHOUSE_DIR))]).toEqual([
      [true],
      'ENABLED',
    ]);
  });

  it('gives the OpenSearch indexer no guessed endpoint without a domain: an empty one, and no endpoint output', () => {
    // Prepare
    const template = plain('opensearch-indexer') as CfnTemplate & {
      Outputs?: Record<string, { Condition?: string }>;
      Conditions?: Record<string, unknown>;
    };
    const env = (
      template.Resources?.IndexLambdaFunction?.Properties?.Environment as
        | { Variables?: Record<string, unknown> }
        | undefined
    )?.Variables;

    // Assess
    expect(env?.OPENSEARCH_ENDPOINT).toBe('');
    expect(JSON.stringify(template)).not.toContain('search-streamlens-');
    expect(template.Outputs?.OpenSearchEndpoint?.Condition).toBe('EndpointKnown');
    expect(template.Conditions?.EndpointKnown).toEqual({
      'Fn::Or': [{ Condition: 'CreateDomain' }, { 'Fn::Not': [{ 'Fn::Equals': ['', ''] }] }],
    });
  });

  it('grants the loader no placeholder workgroup: by default an ARN of its own account that matches none', () => {
    // Prepare
    const text = JSON.stringify(plain('warehouse-loader').Resources?.IamRoleLambdaExecution);

    // Assess
    expect(text).not.toContain('000000000000:workgroup');
    expect(text).toContain(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax, not JS.
      '"Fn::Sub":"arn:${AWS::Partition}:redshift-serverless:${AWS::Region}:${AWS::AccountId}:workgroup/streamlens-dev"',
    );
  });
});

describe('opensearch-indexer with the domain created', () => {
  const template = () =>
    readTemplate(join(DOMAIN_DIR, 'cloudformation-template-update-stack.json')) as CfnTemplate & {
      Resources: Resources;
    };

  it('passes the scan and has the alarms of the domain and of its set-up function', () => {
    // Act
    const findings = scanTemplate(template());
    const missing = missingAlarms(template());

    // Assess
    expect(formatFindings('opensearch-indexer (domain)', findings)).toBe('');
    expect(formatMissingAlarms('opensearch-indexer (domain)', missing)).toBe('');
    expect(template().Resources.OpenSearchDomain?.Type).toBe('AWS::OpenSearchService::Domain');
  });

  it('sets up the index template and ISM policy on the created domain', () => {
    // Prepare
    const setup = template().Resources.SearchSetup;

    // Assess
    expect(setup?.Type).toBe('Custom::SearchSetup');
    expect(setup?.Properties).toEqual({
      ServiceToken: { 'Fn::GetAtt': ['SetupLambdaFunction', 'Arn'] },
      Endpoint: {
        'Fn::Join': ['', ['https://', { 'Fn::GetAtt': ['OpenSearchDomain', 'DomainEndpoint'] }]],
      },
      IndexPrefix: 'events',
      RetentionDays: 30,
    });
  });
});

describe('warehouse-loader with the warehouse created', () => {
  const template = () =>
    readTemplate(
      join(WAREHOUSE_DIR, 'cloudformation-template-update-stack.json'),
    ) as CfnTemplate & {
      Resources: Resources;
    };

  it('passes the scan and has the alarms of its set-up function too', () => {
    // Act
    const findings = scanTemplate(template());
    const missing = missingAlarms(template());

    // Assess
    expect(formatFindings('warehouse-loader (created)', findings)).toBe('');
    expect(formatMissingAlarms('warehouse-loader (created)', missing)).toBe('');
    expect(template().Resources.SetupLambdaFunction?.Type).toBe('AWS::Lambda::Function');
  });

  it('runs the set-up after the workgroup, with the text of every sql/*.sql file in order', () => {
    // Prepare
    const sqlDir = join(root, 'services/warehouse-loader/sql');
    const files = readdirSync(sqlDir)
      .filter((f) => f.endsWith('.sql'))
      .sort()
      .map((f) => readFileSync(join(sqlDir, f), 'utf8'));
    const setup = template().Resources.WarehouseSetup as {
      Type: string;
      DependsOn?: string[];
      Properties?: Record<string, unknown>;
    };

    // Assess
    expect(setup.Type).toBe('Custom::WarehouseSetup');
    expect(setup.DependsOn).toEqual(['Workgroup']);
    expect(setup.Properties?.ServiceToken).toEqual({
      'Fn::GetAtt': ['SetupLambdaFunction', 'Arn'],
    });
    expect(setup.Properties?.Ddl).toEqual(files);
  });
});

describe('each service packaged alone, without compose', () => {
  const variants = [
    ...services.map((s) => [s, join(root, 'services', s, TEMPLATE)] as const),
    ['resources (PROVISIONED)', join(PROVISIONED_DIR, 'cloudformation-template-update-stack.json')],
    ['opensearch-indexer (domain)', join(DOMAIN_DIR, 'cloudformation-template-update-stack.json')],
    [
      'warehouse-loader (created)',
      join(WAREHOUSE_DIR, 'cloudformation-template-update-stack.json'),
    ],
  ] as const;

  it.each(variants)('%s names no placeholder account id and no ARN written out', (_, file) => {
    // Act
    const found = placeholders(readTemplate(file));

    // Assess
    // An ARN the template cannot know: import it from the stack that owns it
    // (config/resources-exports.yml) or build it with Fn::Sub from AWS::AccountId.
    expect(found).toEqual([]);
  });

  it.each(services.filter((s) => s !== 'resources'))(
    '%s imports only what the resources stack exports, by name',
    (service) => {
      // Prepare
      const exported = exportedNames(resourcesTemplate());

      // Act
      const { names, dynamic } = importedNames(
        readTemplate(join(root, 'services', service, TEMPLATE)),
      );

      // Assess
      // At least the operations topic its alarms notify.
      expect(names).toContain('streamlens-resources-dev-OperationsTopicArn');
      expect({ missing: names.filter((n) => !exported.includes(n)), dynamic }).toEqual({
        missing: [],
        dynamic: [],
      });
    },
  );

  it('every import of config/resources-exports.yml is an export of the resources stack', () => {
    // Prepare
    const outputs = resourcesTemplate().Outputs as Record<string, { Export?: { Name?: string } }>;
    const imports = sharedOutputs();

    // Assess
    expect(imports.length).toBeGreaterThan(0);
    expect(imports.map((o) => [o, outputs[o]?.Export?.Name])).toEqual(
      imports.map((o) => [o, `streamlens-resources-dev-${o}`]),
    );
  });
});

describe('resources service', () => {
  it('rotates its customer-managed key and encrypts streams, bucket and topic with it', () => {
    // Prepare
    const resources = resourcesTemplate().Resources as Resources;
    const keyArn = { 'Fn::GetAtt': ['DataKey', 'Arn'] };

    // Assess
    expect(resources.DataKey?.Properties?.EnableKeyRotation).toBe(true);
    expect(resources.EventsStream?.Properties?.StreamEncryption).toEqual({
      EncryptionType: 'KMS',
      KeyId: keyArn,
    });
    expect(resources.AggregatesStream?.Properties?.StreamEncryption).toEqual({
      EncryptionType: 'KMS',
      KeyId: keyArn,
    });
    expect(resources.AlertsTopic?.Properties?.KmsMasterKeyId).toEqual(keyArn);
    expect(JSON.stringify(resources.LakeBucket?.Properties?.BucketEncryption)).toContain(
      '"KMSMasterKeyID":{"Fn::GetAtt":["DataKey","Arn"]}',
    );
    expect(resources.LakeBucket?.Properties?.BucketName).toBeUndefined();
  });

  it('creates on-demand streams by default and provisioned streams with shard counts by parameter', () => {
    // Prepare
    const onDemand = resourcesTemplate();
    const provisioned = readTemplate(
      join(PROVISIONED_DIR, 'cloudformation-template-update-stack.json'),
    ) as typeof onDemand;
    const stream = (t: typeof onDemand) =>
      (t.Resources as Resources).EventsStream?.Properties ?? {};

    // Assess
    expect(stream(onDemand).StreamModeDetails).toEqual({ StreamMode: 'ON_DEMAND' });
    expect(onDemand.Conditions?.StreamsProvisioned).toEqual({
      'Fn::Equals': ['ON_DEMAND', 'PROVISIONED'],
    });
    expect(stream(provisioned).StreamModeDetails).toEqual({ StreamMode: 'PROVISIONED' });
    expect(provisioned.Conditions?.StreamsProvisioned).toEqual({
      'Fn::Equals': ['PROVISIONED', 'PROVISIONED'],
    });
    // CLI params arrive as strings ("4"); CloudFormation reads numeric strings as numbers.
    const [condition, shards, otherwise] = (
      stream(provisioned).ShardCount as { 'Fn::If': unknown[] }
    )['Fn::If'];
    expect([condition, Number(shards), otherwise]).toEqual([
      'StreamsProvisioned',
      4,
      { Ref: 'AWS::NoValue' },
    ]);
    expect(Number(stream(provisioned).RetentionPeriodHours)).toBe(48);
    expect(stream(onDemand).RetentionPeriodHours).toBe(24);
  });
});

describe('the serverless command', () => {
  it.each(['.', ...services.map((s) => `services/${s}`)])(
    '%s depends on `serverless` by that name (the osls fork), so `npx serverless` runs it there',
    (dir) => {
      // Prepare
      const pkg = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as {
        devDependencies?: Record<string, string>;
      };

      // Assess
      expect(pkg.devDependencies?.serverless).toMatch(/^npm:osls@\d+\.\d+\.\d+$/);
    },
  );
});

describe('serverless-compose.yml', () => {
  // Read with compose's own reader, so the test sees exactly what `osls-compose` sees.
  const require = createRequire(import.meta.url);
  const readConfiguration = require('@osls/compose/src/configuration/read.js') as (
    path: string,
  ) => Promise<{
    services: Record<
      string,
      { path: string; params?: Record<string, string>; dependsOn?: string | string[] }
    >;
  }>;

  it('lists every service that has a serverless.yml, and only those', async () => {
    // Act
    const compose = await readConfiguration(join(root, 'serverless-compose.yml'));

    // Assess
    const paths = Object.values(compose.services)
      .map((s) => s.path.replace(/^\.\//, ''))
      .sort();
    const expected = services.map((s) => `services/${s}`);
    const missing = expected.filter((p) => !paths.includes(p));
    // A difference: add a block for each missing service to serverless-compose.yml (template in its
    // header), and list only folders that have a serverless.yml.
    expect({ paths, missing }).toEqual({ paths: expected, missing: [] });
  });

  it('deploys every other service after resources, whose exports they import', async () => {
    // Prepare
    const compose = await readConfiguration(join(root, 'serverless-compose.yml'));

    // Assess
    for (const [name, service] of Object.entries(compose.services)) {
      if (name === 'resources') continue;
      expect({ name, dependsOn: [service.dependsOn].flat() }).toEqual({
        name,
        dependsOn: expect.arrayContaining(['resources']),
      });
    }
  });
});
