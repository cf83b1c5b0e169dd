import {
  connectLocalAws,
  type LocalAws,
  type LocalAwsConnection,
  type ServiceName,
  startLocalAws,
} from '@streamlens/local-aws';

/** Stand-ins started for a run: one connection over all of them. */
export interface StandIns extends LocalAwsConnection {
  readonly timings: Record<string, number>;
  /** A started stand-in's notifications (S3: object events), when it emits any. */
  events(service: ServiceName): ReturnType<LocalAws['events']>;
  stop(): Promise<void>;
}

const CORE_SERVICES: readonly ServiceName[] = ['kinesis', 'dynamodb', 's3'];

/**
 * Start the core stand-ins (Kinesis, DynamoDB, S3: a failure is fatal) and every other wanted
 * one on its own, so that one optional stand-in that fails to start (SNS, OpenSearch, Redshift)
 * is reported and skipped instead of stopping the run.
 */
export async function startStandIns(
  wanted: readonly ServiceName[],
  region: string,
  onSkip: (message: string) => void,
  runDir?: string,
): Promise<StandIns> {
  const started: LocalAws[] = [];
  const stopAll = async () => {
    await Promise.allSettled(started.map((s) => s.stop()));
  };
  try {
    const coreNames = CORE_SERVICES.filter((s) => wanted.includes(s));
    const core = await startLocalAws({ services: coreNames, region, quiet: true });
    started.push(core);
    // Optional stand-ins get the core ones' env (the Redshift stand-in's COPY reads the lake's
    // S3 stand-in, not a second one of its own).
    const running = Object.fromEntries(coreNames.map((name) => [name, core.env]));
    const optional = wanted.filter((s) => !CORE_SERVICES.includes(s));
    const results = await Promise.allSettled(
      // runDir: the SNS stand-in's `file` subscriptions (alerts.ndjson) may write only there.
      optional.map((name) =>
        startLocalAws({
          services: [name],
          region,
          quiet: true,
          running,
          ...(runDir ? { runDir } : {}),
        }),
      ),
    );
    results.forEach((result, i) => {
      if (result.status === 'fulfilled') started.push(result.value);
      else {
        const cause = (result.reason as { cause?: unknown })?.cause ?? result.reason;
        onSkip(
          `${optional[i]} stand-in failed to start (${String((cause as Error)?.message ?? cause)})`,
        );
      }
    });
  } catch (error) {
    await stopAll();
    throw error;
  }
  // Core env last: an optional stand-in's env must not replace a core endpoint.
  const env: Record<string, string> = Object.assign(
    {},
    ...started.slice(1).map((s) => s.env),
    started[0]?.env,
  );
  const timings: Record<string, number> = Object.assign({}, ...started.map((s) => s.timings));
  const connection = connectLocalAws(env);
  return {
    ...connection,
    timings,
    events: (service) => {
      for (const s of started) {
        const events = s.events(service);
        if (events) return events;
      }
      return undefined;
    },
    async stop() {
      connection.close();
      await stopAll();
    },
  };
}
