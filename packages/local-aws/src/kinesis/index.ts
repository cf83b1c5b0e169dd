/// <reference path="../internal/modules.d.ts" />

import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  ListStreamsCommand,
} from '@aws-sdk/client-kinesis';
import { clientOptions } from '../clients.js';
import { ResourceError } from '../errors.js';
import { forkStandIn } from '../internal/child.js';
import { closeHttpServer, listenEphemeral } from '../internal/net.js';
import { isNotListeningYet, waitFor } from '../internal/wait.js';
import type { StandInPlugin } from '../types.js';

// createStreamMs 0: streams are ACTIVE immediately; a high shardLimit so tests never hit it.
const KINESALITE_OPTIONS = {
  createStreamMs: 0,
  deleteStreamMs: 0,
  updateStreamMs: 0,
  shardLimit: 10_000,
};

/**
 * Native BigInt for kinesalite's per-record hash-key and sequence-number arithmetic (see
 * fast-sequences.cjs); the child process installs the same.
 */
export function installFastSequences(): void {
  const require = createRequire(import.meta.url);
  const fast = require('./fast-sequences.cjs') as { install(db: unknown): unknown };
  fast.install(require('kinesalite/db'));
}

const CHILD_SCRIPT = fileURLToPath(new URL('./kinesalite-child.cjs', import.meta.url));

/** Start kinesalite in a child Node process; its endpoint and how to stop it. */
async function startChild(): Promise<{ endpoint: string; pid: number; stop(): Promise<void> }> {
  const forked = await forkStandIn({
    service: 'kinesis',
    engine: 'kinesalite',
    script: CHILD_SCRIPT,
    args: [JSON.stringify(KINESALITE_OPTIONS)],
  });
  return { endpoint: forked.endpoint, pid: forked.child.pid ?? 0, stop: () => forked.stop() };
}

/**
 * Kinesis: kinesalite 3.3.3, in memory, streams ACTIVE at once. In this process by default;
 * in a child process of its own with `STREAMLENS_KINESIS_PROCESS=child` (what `pnpm start`
 * uses: under sustained load kinesalite fills a core).
 */
export const kinesisPlugin: StandInPlugin = {
  name: 'kinesis',
  resourceKeys: ['streams'],
  async start(ctx) {
    const inChild = process.env.STREAMLENS_KINESIS_PROCESS === 'child';
    let stopServer: () => Promise<void>;
    let endpoint: string;
    let pid = process.pid;
    if (inChild) {
      const child = await startChild();
      endpoint = child.endpoint;
      pid = child.pid;
      stopServer = child.stop;
    } else {
      const { default: kinesalite } = await import('kinesalite');
      installFastSequences();
      const server = kinesalite(KINESALITE_OPTIONS);
      endpoint = await listenEphemeral(server);
      stopServer = () => closeHttpServer(server);
    }
    const env = { AWS_ENDPOINT_URL_KINESIS: endpoint };
    const client = new KinesisClient({
      ...clientOptions({ ...ctx.env, ...env }, 'kinesis'),
      maxAttempts: 1,
    });
    try {
      await waitFor(() => client.send(new ListStreamsCommand({})), {
        timeoutMs: 10_000,
        retryIf: isNotListeningYet,
        what: 'kinesalite ListStreams',
      });
    } catch (error) {
      await stopServer();
      throw error;
    } finally {
      client.destroy();
    }
    let stopped = false;
    return {
      endpoint,
      env,
      details: { engine: 'kinesalite 3.3.3', process: inChild ? 'child' : 'in-process', pid },
      async stop() {
        if (stopped) return;
        stopped = true;
        await stopServer();
      },
    };
  },
  async createResources(spec, { clients }) {
    const created: Record<string, string> = {};
    await Promise.all(
      (spec.streams ?? []).map(async ({ name, shardCount = 1 }) => {
        try {
          await clients.kinesis.send(
            new CreateStreamCommand({ StreamName: name, ShardCount: shardCount }),
          );
        } catch (error) {
          if ((error as { name?: string }).name !== 'ResourceInUseException') {
            throw new ResourceError(`cannot create stream ${name}`, { cause: error });
          }
        }
        const summary = await waitFor(
          async () => {
            const out = await clients.kinesis.send(
              new DescribeStreamSummaryCommand({ StreamName: name }),
            );
            return out.StreamDescriptionSummary?.StreamStatus === 'ACTIVE'
              ? out.StreamDescriptionSummary
              : undefined;
          },
          { timeoutMs: 30_000, what: `stream ${name} ACTIVE` },
        );
        created[name] = summary.StreamARN ?? '';
      }),
    );
    return { streams: created };
  },
};
