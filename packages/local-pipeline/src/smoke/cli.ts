// `pnpm smoke --stage X`: produce into a deployed stage and reconcile its sinks (see runSmoke).
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { S3Client } from '@aws-sdk/client-s3';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import {
  createOpenSearchClient,
  SIGNING_MODES,
  type SigningMode,
} from '@streamlens/opensearch-indexer/client';
import { runSmoke } from './smoke.js';
import { stageResources } from './stage.js';

const USAGE = `usage: pnpm smoke --stage STAGE [options]

Produces events into the stage's events stream, waits for every sink and reconciles it as
pnpm start does. Credentials: the AWS SDK's default chain (AWS_PROFILE, SSO, roles, ...),
also for the OpenSearch requests it signs; AWS_ENDPOINT_URL_KINESIS / _S3 / _DYNAMODB /
_REDSHIFT_DATA point it elsewhere (the local stand-ins).

  --stage NAME               the deployed stage (required)
  --region NAME              default: AWS_REGION, AWS_DEFAULT_REGION, else us-east-1
  --events N                 events to produce (default 1000)
  --rate N                   events per second (default 100)
  --scenario NAME            steady | anomalies | noisy | invalid-heavy | logs (default anomalies)
  --seed N                   generator seed (default: the time)
  --timeout S                give up after S seconds of waiting (default 900)
  --poll S                   seconds between reads of the sinks (default 15)
  --lake-bucket NAME         default: the resources stack's bucket streamlens-resources-STAGE-lakebucket-*
  --events-table NAME        default streamlens-STAGE-events
  --windows-table NAME       default streamlens-STAGE-windows
  --window-seconds N         the aggregator's windowSeconds param (default 60)
  --index-prefix P           the indexer's opensearchIndexPrefix param (default events)
  --opensearch-endpoint URL  check the search index too (the opensearch-indexer stack's
                             output OpenSearchEndpoint)
  --opensearch-signing M     auto (SigV4 except for a localhost endpoint) | sigv4 | none
                             (default auto)
  --warehouse-workgroup NAME check the warehouse too: its Redshift Serverless workgroup
                             (streamlens-STAGE with createWarehouse=true)
  --warehouse-cluster ID     ... or its provisioned cluster
  --warehouse-database NAME  default dev (the loader's warehouseDatabase param)
  --warehouse-table NAME     the loader's events table (default events)

Exit code: 0 when every check passed, 1 on a mismatch or a timeout, 2 on a usage error.
`;

/** Runs the command; returns the exit code. */
export async function main(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
  print: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        stage: { type: 'string' },
        region: { type: 'string' },
        events: { type: 'string', default: '1000' },
        rate: { type: 'string', default: '100' },
        scenario: { type: 'string', default: 'anomalies' },
        seed: { type: 'string' },
        timeout: { type: 'string', default: '900' },
        poll: { type: 'string', default: '15' },
        'lake-bucket': { type: 'string' },
        'events-table': { type: 'string' },
        'windows-table': { type: 'string' },
        'window-seconds': { type: 'string' },
        'index-prefix': { type: 'string' },
        'opensearch-endpoint': { type: 'string' },
        'opensearch-signing': { type: 'string', default: 'auto' },
        'warehouse-workgroup': { type: 'string' },
        'warehouse-cluster': { type: 'string' },
        'warehouse-database': { type: 'string', default: 'dev' },
        'warehouse-table': { type: 'string', default: 'events' },
        help: { type: 'boolean' },
      },
    }));
  } catch (error) {
    print(`${String((error as Error).message)}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    print(USAGE);
    return 0;
  }
  const positive = (name: string) => {
    const n = Number(values[name]);
    return Number.isFinite(n) && n > 0 ? n : undefined;
  };
  const stage = values.stage;
  const [events, rate, timeoutSeconds, pollSeconds] = ['events', 'rate', 'timeout', 'poll'].map(
    positive,
  );
  if (
    typeof stage !== 'string' ||
    !stage ||
    events === undefined ||
    rate === undefined ||
    timeoutSeconds === undefined ||
    pollSeconds === undefined
  ) {
    print(
      `--stage is required; --events, --rate, --timeout and --poll are positive numbers\n${USAGE}`,
    );
    return 2;
  }
  const str = (name: string) =>
    typeof values[name] === 'string' ? (values[name] as string) : undefined;
  const signing = str('opensearch-signing') as SigningMode;
  if (!SIGNING_MODES.includes(signing)) {
    print(`--opensearch-signing is one of ${SIGNING_MODES.join(', ')}\n${USAGE}`);
    return 2;
  }
  const workgroupName = str('warehouse-workgroup');
  const clusterIdentifier = str('warehouse-cluster');
  const warehouse =
    workgroupName || clusterIdentifier
      ? {
          database: str('warehouse-database') ?? 'dev',
          eventsTable: str('warehouse-table') ?? 'events',
          ...(workgroupName ? { workgroupName } : {}),
          ...(clusterIdentifier ? { clusterIdentifier } : {}),
        }
      : undefined;
  const opensearchEndpoint = str('opensearch-endpoint');
  const region = str('region') ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  // HTTP/1.1 for Kinesis too: smoke only puts records, and kinesalite has no HTTP/2.
  const common = { region, requestHandler: new NodeHttpHandler({ connectionTimeout: 5_000 }) };
  const clients = {
    kinesis: new KinesisClient(common),
    dynamodb: new DynamoDBClient(common),
    // Path-style addressing for an S3 endpoint given by URL (the emulator has no bucket hosts).
    s3: new S3Client({ ...common, forcePathStyle: Boolean(env.AWS_ENDPOINT_URL_S3) }),
    ...(warehouse ? { redshiftData: new RedshiftDataClient(common) } : {}),
    // The indexer's client, signed with the default chain's credentials (a deployed domain
    // admits only signed requests of the roles its access policy names).
    ...(opensearchEndpoint
      ? {
          search: createOpenSearchClient({
            endpoint: opensearchEndpoint,
            region,
            service: 'es',
            signing,
            requestTimeoutMs: 30_000,
            credentials: defaultProvider(),
          }),
        }
      : {}),
  };
  try {
    const windowSeconds = positive('window-seconds');
    const resources = await stageResources(stage, clients.s3, {
      ...(str('lake-bucket') ? { lakeBucket: str('lake-bucket') } : {}),
      ...(str('events-table') ? { eventsTable: str('events-table') } : {}),
      ...(str('windows-table') ? { windowsTable: str('windows-table') } : {}),
      ...(windowSeconds ? { windowSeconds } : {}),
      ...(str('index-prefix') ? { indexPrefix: str('index-prefix') } : {}),
      ...(opensearchEndpoint ? { opensearchEndpoint } : {}),
      ...(warehouse ? { warehouse } : {}),
    });
    const result = await runSmoke({
      resources,
      clients,
      events,
      rate,
      scenario: String(values.scenario),
      seed: positive('seed') ?? Date.now() % 2 ** 31,
      timeoutSeconds,
      pollSeconds,
      print,
    });
    return result.code;
  } catch (error) {
    print(`smoke: FAILED: ${String((error as Error).message ?? error)}`);
    return 1;
  } finally {
    clients.kinesis.destroy();
    clients.dynamodb.destroy();
    clients.s3.destroy();
    clients.redshiftData?.destroy();
    await clients.search?.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main(process.argv.slice(2));
}
