import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  CreateBucketCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { clientOptions } from '../clients.js';
import { ResourceError, StandInStartError } from '../errors.js';
import { forkStandIn } from '../internal/child.js';
import { isNotListeningYet, waitFor } from '../internal/wait.js';
import type { StandInEvents, StandInPlugin } from '../types.js';

const CHILD_SCRIPT = fileURLToPath(new URL('./s3rver-child.cjs', import.meta.url));

/**
 * The S3 events the s3rver child forwards over IPC (one per object write or delete, whoever the
 * writer), and a flush that round-trips the same channel: IPC keeps the order, so every event
 * emitted before the flush has been delivered when it resolves.
 */
function childEvents(child: ChildProcess): StandInEvents {
  const listeners = new Set<(event: unknown) => void>();
  const flushes = new Map<number, () => void>();
  let nextFlush = 1;
  child.on('message', (message: { type?: string; event?: unknown; id?: number }) => {
    if (message.type === 's3-event') {
      for (const listener of listeners) listener(message.event);
    } else if (message.type === 'flushed' && message.id !== undefined) {
      flushes.get(message.id)?.();
      flushes.delete(message.id);
    }
  });
  child.once('exit', () => {
    for (const resolve of flushes.values()) resolve();
    flushes.clear();
  });
  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    flush() {
      if (!child.connected) return Promise.resolve();
      const id = nextFlush++;
      return new Promise<void>((resolve) => {
        flushes.set(id, resolve);
        try {
          child.send({ type: 'flush', id });
        } catch {
          // The child is going away: nothing more will come.
          flushes.delete(id);
          resolve();
        }
      });
    },
  };
}

/**
 * S3: @20minutes/s3rver 4.0.4 (the maintained fork of s3rver 3.7) in a child Node process (for the
 * OpenSSL legacy provider), data in a temp dir.
 */
export const s3Plugin: StandInPlugin = {
  name: 's3',
  resourceKeys: ['buckets'],
  async start(ctx) {
    const forked = await forkStandIn({
      service: 's3',
      engine: 's3rver',
      script: CHILD_SCRIPT,
      args: [ctx.dataDir],
      execArgv: ['--openssl-legacy-provider'],
    });
    const { child, endpoint } = forked;
    const env = { AWS_ENDPOINT_URL_S3: endpoint };
    const client = new S3Client({
      ...clientOptions({ ...ctx.env, ...env }, 's3'),
      forcePathStyle: true,
      maxAttempts: 1,
    });
    try {
      await waitFor(() => client.send(new ListBucketsCommand({})), {
        timeoutMs: 10_000,
        retryIf: isNotListeningYet,
        what: 's3rver ListBuckets',
      });
    } catch (error) {
      await forked.stop();
      throw new StandInStartError('s3', 'not ready', { cause: error });
    } finally {
      client.destroy();
    }
    let stopped = false;
    return {
      endpoint,
      env,
      events: childEvents(child),
      details: { engine: '@20minutes/s3rver 4.0.4', pid: child.pid, dataDir: ctx.dataDir },
      async stop() {
        if (stopped) return;
        stopped = true;
        await forked.stop(2_000);
      },
    };
  },
  async createResources(spec, { clients }) {
    const created: Record<string, string> = {};
    await Promise.all(
      (spec.buckets ?? []).map(async (name) => {
        try {
          await clients.s3.send(new CreateBucketCommand({ Bucket: name }));
        } catch (error) {
          const code = (error as { name?: string }).name;
          if (code !== 'BucketAlreadyOwnedByYou' && code !== 'BucketAlreadyExists') {
            throw new ResourceError(`cannot create bucket ${name}`, { cause: error });
          }
        }
        await waitFor(() => clients.s3.send(new HeadBucketCommand({ Bucket: name })), {
          timeoutMs: 10_000,
          what: `bucket ${name}`,
        });
        created[name] = `arn:aws:s3:::${name}`;
      }),
    );
    return { buckets: created };
  },
};
