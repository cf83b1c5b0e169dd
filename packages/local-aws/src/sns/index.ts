import {
  CreateTopicCommand,
  ListTopicsCommand,
  SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import { clientOptions } from '../clients.js';
import { isNotListeningYet, waitFor } from '../internal/wait.js';
import type { StandInPlugin } from '../types.js';
import { startSnsServer } from './server.js';

export {
  type FilterPolicy,
  FilterPolicyError,
  MAX_FILTER_POLICY_KEYS,
  matchesFilterPolicy,
  parseFilterPolicy,
  type SnsMessageAttribute,
} from './filter-policy.js';
export {
  localQueueArn,
  MAX_BATCH_ENTRIES,
  MAX_MESSAGE_BYTES,
  receiveLocalQueue,
  type SnsDelivery,
  type SnsFaults,
  type SnsServer,
  type SnsServerOptions,
  type SnsStats,
  startSnsServer,
} from './server.js';

/** A subscription created with a topic by `createResources`. */
export interface TopicSubscriptionSpec {
  readonly protocol: 'sqs' | 'file' | 'http' | 'https';
  /**
   * sqs: a queue ARN or name (the local queue is its last `:` segment); file: an absolute path in
   * the run's folder (`runDir` of `startLocalAws`); http(s): a URL on a loopback host, which must
   * confirm the subscription (GET the SubscribeURL of the SubscriptionConfirmation it is sent, or
   * ConfirmSubscription) before anything is delivered.
   */
  readonly endpoint: string;
  readonly filterPolicy?: Record<string, unknown>;
  readonly rawMessageDelivery?: boolean;
}

/** An SNS topic to create. */
export interface TopicSpec {
  readonly name: string;
  readonly subscriptions?: readonly TopicSubscriptionSpec[];
}

declare module '../types.js' {
  interface ResourceSpec {
    topics?: readonly TopicSpec[];
  }
}

/** SNS: a query-protocol stand-in in this process (see server.ts), delivering to local queues. */
export const snsPlugin: StandInPlugin = {
  name: 'sns',
  resourceKeys: ['topics'],
  async start(ctx) {
    const server = await startSnsServer({
      region: ctx.region,
      log: ctx.log,
      fileDeliveryDir: ctx.runDir ?? ctx.dataDir,
    });
    const env = { AWS_ENDPOINT_URL_SNS: server.endpoint };
    const client = new SNSClient({
      ...clientOptions({ ...ctx.env, ...env }, 'sns'),
      maxAttempts: 1,
    });
    try {
      await waitFor(() => client.send(new ListTopicsCommand({})), {
        timeoutMs: 10_000,
        retryIf: isNotListeningYet,
        what: 'sns ListTopics',
      });
    } finally {
      client.destroy();
    }
    return {
      endpoint: server.endpoint,
      env,
      // `receive(queue)` reads what the `sqs` subscribers got (in the starting process); workers
      // use `receiveLocalQueue(endpoint, queue)`.
      details: {
        engine: 'streamlens SNS stand-in (query protocol)',
        fileDeliveryDir: ctx.runDir ?? ctx.dataDir,
        receive: server.receive,
        setFaults: server.setFaults,
        stats: server.stats,
      },
      stop: () => server.stop(),
    };
  },
  async createResources(spec, { clients }) {
    const created: Record<string, string> = {};
    for (const topic of spec.topics ?? []) {
      const { TopicArn } = await clients.sns.send(new CreateTopicCommand({ Name: topic.name }));
      if (!TopicArn) continue;
      created[topic.name] = TopicArn;
      for (const sub of topic.subscriptions ?? []) {
        const attributes: Record<string, string> = {};
        if (sub.filterPolicy) {
          attributes.FilterPolicy = JSON.stringify(sub.filterPolicy);
          attributes.FilterPolicyScope = 'MessageAttributes';
        }
        if (sub.rawMessageDelivery) attributes.RawMessageDelivery = 'true';
        await clients.sns.send(
          new SubscribeCommand({
            TopicArn,
            Protocol: sub.protocol,
            Endpoint: sub.endpoint,
            Attributes: attributes,
            ReturnSubscriptionArn: true,
          }),
        );
      }
    }
    return { topics: created };
  },
};
