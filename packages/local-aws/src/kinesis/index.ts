/// <reference path="../internal/modules.d.ts" />
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  ListStreamsCommand,
} from '@aws-sdk/client-kinesis';
import { clientOptions } from '../clients.js';
import { ResourceError } from '../errors.js';
import { closeHttpServer, listenEphemeral } from '../internal/net.js';
import { isNotListeningYet, waitFor } from '../internal/wait.js';
import type { StandInPlugin } from '../types.js';

/** Kinesis: kinesalite 3.3.3 in this process, in memory, streams ACTIVE at once. */
export const kinesisPlugin: StandInPlugin = {
  name: 'kinesis',
  resourceKeys: ['streams'],
  async start(ctx) {
    // createStreamMs 0: streams are ACTIVE immediately; a high shardLimit so tests never hit it.
    const { default: kinesalite } = await import('kinesalite');
    const server = kinesalite({
      createStreamMs: 0,
      deleteStreamMs: 0,
      updateStreamMs: 0,
      shardLimit: 10_000,
    });
    const endpoint = await listenEphemeral(server);
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
    } finally {
      client.destroy();
    }
    let stopped = false;
    return {
      endpoint,
      env,
      details: { engine: 'kinesalite 3.3.3' },
      async stop() {
        if (stopped) return;
        stopped = true;
        await closeHttpServer(server);
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
