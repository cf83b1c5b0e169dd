import { randomBytes, randomUUID } from 'node:crypto';
import { constants, realpathSync } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { seededRandom } from '../fault-proxy/rules.js';
import { closeHttpServer, isLoopbackHost, listenEphemeral } from '../internal/net.js';
import {
  type FilterPolicy,
  FilterPolicyError,
  matchesFilterPolicy,
  parseFilterPolicy,
  type SnsMessageAttribute,
} from './filter-policy.js';

const XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';
const ACCOUNT = '000000000000';
/** SNS's default message size limit: body plus attribute names, types and values. */
export const MAX_MESSAGE_BYTES = 256 * 1024;
export const MAX_BATCH_ENTRIES = 10;

/** Faults the stand-in injects, drawn from a seeded RNG (same faults on every run). */
export interface SnsFaults {
  /** Whole calls answered with `Throttled` (HTTP 429). */
  throttle?: {
    /** Actions affected (default Publish and PublishBatch). */
    operations?: readonly string[];
    probability?: number;
    /** Let the first N matching calls through. */
    skip?: number;
    /** Inject at most N times. */
    times?: number;
  };
  /** PublishBatch entries reported in `Failed` (not delivered), inside an HTTP 200. */
  batchEntryFailure?: {
    /** 0-based entry positions that fail in each affected call (else `probability` per entry). */
    entries?: readonly number[];
    probability?: number;
    /** Only entries whose Id is listed (e.g. to fail one message on every attempt). */
    ids?: readonly string[];
    code?: string;
    /** true: a permanent, sender-side failure; false (default): retryable. */
    senderFault?: boolean;
    /** Affect at most N calls. */
    times?: number;
  };
}

/** A message handed to a local subscriber. */
export interface SnsDelivery {
  readonly subscriptionArn: string;
  readonly topicArn: string;
  readonly messageId: string;
  readonly message: string;
  readonly subject?: string;
  readonly attributes: Readonly<Record<string, SnsMessageAttribute>>;
  /** What the subscriber receives: the SNS notification JSON, or the raw message. */
  readonly body: string;
}

/** Options of `startSnsServer`. */
export interface SnsServerOptions {
  readonly region?: string;
  readonly seed?: number;
  readonly faults?: SnsFaults;
  readonly log?: (line: string) => void;
  /**
   * The folder `file` subscriptions may write in (the run's folder): an endpoint outside it, or
   * reached through a symbolic link, is refused. Without it `file` subscriptions are refused.
   */
  readonly fileDeliveryDir?: string;
}

/** What `stats()` counts. */
export interface SnsStats {
  requests: number;
  byAction: Record<string, number>;
  published: number;
  delivered: number;
  throttled: number;
  failedEntries: number;
  httpDeliveryErrors: number;
}

/** A running SNS stand-in. */
export interface SnsServer {
  readonly endpoint: string;
  /** Messages delivered to a local queue (`sqs` subscription endpoint's last `:` segment). */
  receive(queue: string, opts?: { drain?: boolean }): SnsDelivery[];
  /** Replace the fault configuration (counters and RNG restart). */
  setFaults(faults: SnsFaults | undefined, seed?: number): void;
  stats(): SnsStats;
  stop(): Promise<void>;
}

interface Subscription {
  arn: string;
  topicArn: string;
  protocol: string;
  endpoint: string;
  attributes: Record<string, string>;
  policy?: FilterPolicy;
  /** http(s): the token of the SubscriptionConfirmation sent; unset once confirmed. */
  pendingToken?: string;
}

interface Topic {
  arn: string;
  name: string;
  attributes: Record<string, string>;
  subscriptions: Subscription[];
}

/** An error answered in the query protocol's XML (`<ErrorResponse>`). */
class SnsApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = 'SnsApiError';
  }
}

function xmlEscape(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function el(name: string, value: string | undefined): string {
  return value === undefined ? '' : `<${name}>${xmlEscape(value)}</${name}>`;
}

/** `Prefix.entry.N.Name` / `.Value.*` maps (message attributes). */
function messageAttributesOf(
  params: URLSearchParams,
  prefix: string,
): Record<string, SnsMessageAttribute> {
  const out: Record<string, SnsMessageAttribute> = {};
  for (let i = 1; ; i++) {
    const name = params.get(`${prefix}.entry.${i}.Name`);
    if (name === null) return out;
    const dataType = params.get(`${prefix}.entry.${i}.Value.DataType`);
    if (!dataType)
      throw new SnsApiError(
        'InvalidParameter',
        `The message attribute '${name}' must contain non-empty message attribute type.`,
      );
    const stringValue = params.get(`${prefix}.entry.${i}.Value.StringValue`) ?? undefined;
    const binaryValue = params.get(`${prefix}.entry.${i}.Value.BinaryValue`) ?? undefined;
    if (stringValue === undefined && binaryValue === undefined) {
      throw new SnsApiError(
        'ParameterValueInvalid',
        `The message attribute '${name}' must contain non-empty message attribute value.`,
      );
    }
    if (dataType.startsWith('Number') && !Number.isFinite(Number(stringValue))) {
      throw new SnsApiError(
        'ParameterValueInvalid',
        `Could not cast message attribute '${name}' value to number.`,
      );
    }
    out[name] = {
      DataType: dataType,
      ...(stringValue !== undefined ? { StringValue: stringValue } : {}),
      ...(binaryValue !== undefined ? { BinaryValue: binaryValue } : {}),
    };
  }
}

/** `Prefix.entry.N.key` / `.value` maps (topic and subscription attributes). */
function stringMapOf(params: URLSearchParams, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 1; ; i++) {
    const key = params.get(`${prefix}.entry.${i}.key`);
    if (key === null) return out;
    out[key] = params.get(`${prefix}.entry.${i}.value`) ?? '';
  }
}

function messageBytes(
  message: string,
  subject: string | undefined,
  attributes: Record<string, SnsMessageAttribute>,
): number {
  let bytes = Buffer.byteLength(message) + (subject ? Buffer.byteLength(subject) : 0);
  for (const [name, a] of Object.entries(attributes)) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength(a.DataType);
    bytes += Buffer.byteLength(a.StringValue ?? '') + Buffer.byteLength(a.BinaryValue ?? '');
  }
  return bytes;
}

function required(params: URLSearchParams, name: string): string {
  const value = params.get(name);
  if (value === null || value === '') {
    throw new SnsApiError('InvalidParameter', `Invalid parameter: ${name}`);
  }
  return value;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Protocols whose endpoint must confirm before anything is delivered, as on SNS. */
const CONFIRMED_BY_ENDPOINT = new Set(['http', 'https']);

/** Whether `inside` is `root` or below it (both already resolved, symbolic links included). */
function isWithin(root: string, inside: string): boolean {
  const rel = relative(root, inside);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/**
 * The absolute path a `file` endpoint names, if it lies in `root` (its folder must exist; the
 * folder's real path, symbolic links resolved, must be inside the root's real path).
 */
function fileEndpointIn(root: string | undefined, endpoint: string): string | undefined {
  if (root === undefined || !isAbsolute(endpoint)) return undefined;
  const target = resolve(endpoint);
  try {
    const realRoot = realpathSync(root);
    const realFolder = realpathSync(dirname(target));
    return isWithin(realRoot, realFolder) && target !== realRoot ? target : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts an SNS stand-in on an ephemeral port of 127.0.0.1 speaking the query protocol that
 * `@aws-sdk/client-sns` 3.1169 sends (form-encoded `Action=...`, XML answers): CreateTopic,
 * Subscribe, Unsubscribe, ListTopics, ListSubscriptionsByTopic, Get/SetSubscriptionAttributes,
 * GetTopicAttributes, Publish, PublishBatch, ConfirmSubscription. Subscribers: `sqs` (a local
 * in-memory queue named by the endpoint's last `:` segment; read with `receive()` or
 * `GET /_local/queues/<name>`), `file` (NDJSON appended to a file under `fileDeliveryDir`) and
 * `http`/`https` on a loopback host (POST of the notification JSON, once the endpoint has confirmed
 * the SubscriptionConfirmation it was sent, as SNS requires). Browser-originated requests are
 * refused (see internal/loopback-guard.cjs).
 */
export async function startSnsServer(options: SnsServerOptions = {}): Promise<SnsServer> {
  const region = options.region ?? 'us-east-1';
  const log = options.log ?? (() => {});
  const topics = new Map<string, Topic>();
  const subscriptions = new Map<string, Subscription>();
  const queues = new Map<string, SnsDelivery[]>();
  const counters: SnsStats = {
    requests: 0,
    byAction: {},
    published: 0,
    delivered: 0,
    throttled: 0,
    failedEntries: 0,
    httpDeliveryErrors: 0,
  };
  let faults: SnsFaults = options.faults ?? {};
  let random = seededRandom(options.seed ?? 1);
  let throttleSeen = 0;
  let throttleInjected = 0;
  let batchFaultCalls = 0;
  const pendingHttp = new Set<Promise<void>>();
  // Appends to one file run one after another, in publish order.
  const fileQueues = new Map<string, Promise<void>>();
  let endpoint = '';

  const topicOf = (arn: string): Topic => {
    const topic = topics.get(arn);
    if (!topic) throw new SnsApiError('NotFound', 'Topic does not exist', 404);
    return topic;
  };

  const maybeThrottle = (action: string): void => {
    const rule = faults.throttle;
    if (!rule) return;
    const ops = rule.operations ?? ['Publish', 'PublishBatch'];
    if (!ops.includes(action)) return;
    throttleSeen += 1;
    if (throttleSeen <= (rule.skip ?? 0)) return;
    if (rule.times !== undefined && throttleInjected >= rule.times) return;
    if (random() >= (rule.probability ?? 1)) return;
    throttleInjected += 1;
    counters.throttled += 1;
    throw new SnsApiError('Throttled', 'Rate exceeded', 429);
  };

  const track = (p: Promise<void>): void => {
    pendingHttp.add(p);
    void p.finally(() => pendingHttp.delete(p));
  };

  /** Append under the delivery folder only, never through a symbolic link (checked again here:
   * the folder may have changed since Subscribe). */
  const appendToFile = (path: string, line: string): void => {
    const write = async () => {
      const root = options.fileDeliveryDir;
      if (root === undefined || !isWithin(await realpath(root), await realpath(dirname(path)))) {
        throw new Error('not inside the delivery folder');
      }
      const handle = await open(
        path,
        constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW,
        0o600,
      );
      try {
        await handle.write(line);
      } finally {
        await handle.close();
      }
    };
    const p = (fileQueues.get(path) ?? Promise.resolve()).then(write).catch((error) => {
      counters.httpDeliveryErrors += 1;
      log(`file delivery to ${path} failed: ${(error as Error).message}`);
    });
    fileQueues.set(path, p);
    track(p);
  };

  /** POST an SNS message to an http(s) subscriber; redirects are not followed. */
  const post = (sub: Subscription, type: string, messageId: string, body: string): void => {
    track(
      fetch(sub.endpoint, {
        method: 'POST',
        redirect: 'manual',
        headers: {
          'content-type': 'text/plain; charset=UTF-8',
          'x-amz-sns-message-type': type,
          'x-amz-sns-message-id': messageId,
          'x-amz-sns-topic-arn': sub.topicArn,
          ...(type === 'Notification' ? { 'x-amz-sns-subscription-arn': sub.arn } : {}),
        },
        body,
      })
        .then((res) => {
          if (!res.ok) counters.httpDeliveryErrors += 1;
        })
        .catch((error) => {
          counters.httpDeliveryErrors += 1;
          log(`http delivery to ${sub.endpoint} failed: ${(error as Error).message}`);
        }),
    );
  };

  /** Send the SubscriptionConfirmation SNS sends a new http(s) subscriber. */
  const requestConfirmation = (sub: Subscription, token: string): void => {
    const messageId = randomUUID();
    const query = new URLSearchParams({
      Action: 'ConfirmSubscription',
      TopicArn: sub.topicArn,
      Token: token,
    });
    post(
      sub,
      'SubscriptionConfirmation',
      messageId,
      JSON.stringify({
        Type: 'SubscriptionConfirmation',
        MessageId: messageId,
        Token: token,
        TopicArn: sub.topicArn,
        Message: `You have chosen to subscribe to the topic ${sub.topicArn}.\nTo confirm the subscription, visit the SubscribeURL included in this message.`,
        SubscribeURL: `${endpoint}/?${query}`,
        Timestamp: new Date().toISOString(),
        SignatureVersion: '1',
      }),
    );
  };

  const deliver = (
    topic: Topic,
    messageId: string,
    message: string,
    subject: string | undefined,
    attributes: Record<string, SnsMessageAttribute>,
  ): void => {
    counters.published += 1;
    for (const sub of topic.subscriptions) {
      if (sub.pendingToken !== undefined) continue;
      if (sub.policy && !matchesFilterPolicy(sub.policy, attributes)) continue;
      const raw = sub.attributes.RawMessageDelivery === 'true';
      const body = raw
        ? message
        : JSON.stringify({
            Type: 'Notification',
            MessageId: messageId,
            TopicArn: topic.arn,
            ...(subject ? { Subject: subject } : {}),
            Message: message,
            Timestamp: new Date().toISOString(),
            SignatureVersion: '1',
            UnsubscribeURL: `http://127.0.0.1/?Action=Unsubscribe&SubscriptionArn=${sub.arn}`,
            MessageAttributes: Object.fromEntries(
              Object.entries(attributes).map(([k, a]) => [
                k,
                { Type: a.DataType, Value: a.StringValue ?? a.BinaryValue },
              ]),
            ),
          });
      const delivery: SnsDelivery = {
        subscriptionArn: sub.arn,
        topicArn: topic.arn,
        messageId,
        message,
        ...(subject ? { subject } : {}),
        attributes,
        body,
      };
      counters.delivered += 1;
      if (sub.protocol === 'sqs') {
        const name = sub.endpoint.slice(sub.endpoint.lastIndexOf(':') + 1);
        const queue = queues.get(name) ?? [];
        queue.push(delivery);
        queues.set(name, queue);
      } else if (sub.protocol === 'file') {
        appendToFile(sub.endpoint, `${JSON.stringify(delivery)}\n`);
      } else if (sub.protocol === 'http' || sub.protocol === 'https') {
        post(sub, 'Notification', messageId, body);
      }
    }
  };

  const publishOne = (
    topic: Topic,
    message: string,
    subject: string | undefined,
    attributes: Record<string, SnsMessageAttribute>,
  ): string => {
    if (message.length === 0)
      throw new SnsApiError('InvalidParameter', 'Invalid parameter: Empty message');
    if (messageBytes(message, subject, attributes) > MAX_MESSAGE_BYTES) {
      throw new SnsApiError('InvalidParameter', 'Invalid parameter: Message too long');
    }
    const messageId = randomUUID();
    deliver(topic, messageId, message, subject, attributes);
    return messageId;
  };

  const setSubscriptionAttribute = (sub: Subscription, name: string, value: string): void => {
    if (name === 'FilterPolicy') {
      try {
        sub.policy = value === '' ? undefined : parseFilterPolicy(value);
      } catch (error) {
        if (error instanceof FilterPolicyError)
          throw new SnsApiError('InvalidParameter', `Invalid parameter: ${error.message}`);
        throw error;
      }
    } else if (name === 'FilterPolicyScope') {
      if (value !== 'MessageAttributes') {
        // Only attribute-based filtering is implemented; say so instead of filtering wrongly.
        throw new SnsApiError(
          'InvalidParameter',
          `Invalid parameter: FilterPolicyScope ${value} is not supported by the local stand-in`,
        );
      }
    } else if (
      !['RawMessageDelivery', 'RedrivePolicy', 'DeliveryPolicy', 'SubscriptionRoleArn'].includes(
        name,
      )
    ) {
      throw new SnsApiError('InvalidParameter', `Invalid parameter: AttributeName ${name}`);
    }
    sub.attributes[name] = value;
  };

  /**
   * The endpoint a subscription may have. `file`: a path under `fileDeliveryDir` (made absolute).
   * `http(s)`: a URL of this machine (a loopback host): the stand-in never sends traffic
   * elsewhere. Other protocols as given.
   */
  const subscriberEndpoint = (protocol: string, given: string): string => {
    if (protocol === 'file') {
      const path = fileEndpointIn(options.fileDeliveryDir, given);
      if (path === undefined) {
        throw new SnsApiError(
          'InvalidParameter',
          `Invalid parameter: Endpoint: file subscriptions must name a file in an existing folder under ${options.fileDeliveryDir ?? '(no delivery folder configured)'}`,
        );
      }
      return path;
    }
    if (protocol === 'http' || protocol === 'https') {
      let url: URL | undefined;
      try {
        url = new URL(given);
      } catch {
        url = undefined;
      }
      if (url?.protocol !== `${protocol}:`) {
        throw new SnsApiError(
          'InvalidParameter',
          'Invalid parameter: Endpoint must match Protocol',
        );
      }
      if (!isLoopbackHost(url.host)) {
        throw new SnsApiError(
          'InvalidParameter',
          'Invalid parameter: Endpoint: the local stand-in delivers only to loopback hosts',
        );
      }
    }
    return given;
  };

  const actions: Record<string, (p: URLSearchParams) => string> = {
    CreateTopic(p) {
      const name = required(p, 'Name');
      if (!/^[A-Za-z0-9_-]{1,256}(\.fifo)?$/.test(name)) {
        throw new SnsApiError('InvalidParameter', 'Invalid parameter: Topic Name');
      }
      const arn = `arn:aws:sns:${region}:${ACCOUNT}:${name}`;
      if (!topics.has(arn)) {
        topics.set(arn, { arn, name, attributes: stringMapOf(p, 'Attributes'), subscriptions: [] });
      }
      return el('TopicArn', arn);
    },
    ListTopics() {
      const members = [...topics.keys()].map((arn) => `<member>${el('TopicArn', arn)}</member>`);
      return `<Topics>${members.join('')}</Topics>`;
    },
    GetTopicAttributes(p) {
      const topic = topicOf(required(p, 'TopicArn'));
      const attrs = {
        ...topic.attributes,
        TopicArn: topic.arn,
        SubscriptionsConfirmed: String(
          topic.subscriptions.filter((s) => s.pendingToken === undefined).length,
        ),
        SubscriptionsPending: String(
          topic.subscriptions.filter((s) => s.pendingToken !== undefined).length,
        ),
      };
      return `<Attributes>${Object.entries(attrs)
        .map(([k, v]) => `<entry>${el('key', k)}${el('value', v)}</entry>`)
        .join('')}</Attributes>`;
    },
    Subscribe(p) {
      const topic = topicOf(required(p, 'TopicArn'));
      const protocol = required(p, 'Protocol');
      if (!['sqs', 'file', 'http', 'https', 'email', 'email-json', 'lambda'].includes(protocol)) {
        throw new SnsApiError('InvalidParameter', `Invalid parameter: Protocol ${protocol}`);
      }
      const endpoint = subscriberEndpoint(protocol, required(p, 'Endpoint'));
      const existing = topic.subscriptions.find(
        (s) => s.protocol === protocol && s.endpoint === endpoint,
      );
      const sub: Subscription = existing ?? {
        arn: `${topic.arn}:${randomUUID()}`,
        topicArn: topic.arn,
        protocol,
        endpoint,
        attributes: {},
        ...(CONFIRMED_BY_ENDPOINT.has(protocol)
          ? { pendingToken: randomBytes(64).toString('hex') }
          : {}),
      };
      for (const [k, v] of Object.entries(stringMapOf(p, 'Attributes')))
        setSubscriptionAttribute(sub, k, v);
      if (!existing) {
        topic.subscriptions.push(sub);
        subscriptions.set(sub.arn, sub);
      }
      // A pending subscriber is asked again on every Subscribe, as SNS does.
      if (sub.pendingToken !== undefined) requestConfirmation(sub, sub.pendingToken);
      const pending = sub.pendingToken !== undefined && p.get('ReturnSubscriptionArn') !== 'true';
      return el('SubscriptionArn', pending ? 'pending confirmation' : sub.arn);
    },
    ConfirmSubscription(p) {
      const topic = topicOf(required(p, 'TopicArn'));
      const token = required(p, 'Token');
      const sub = topic.subscriptions.find((s) => s.pendingToken === token);
      if (!sub) throw new SnsApiError('InvalidParameter', 'Invalid token');
      delete sub.pendingToken;
      return el('SubscriptionArn', sub.arn);
    },
    Unsubscribe(p) {
      const sub = subscriptions.get(required(p, 'SubscriptionArn'));
      if (sub) {
        subscriptions.delete(sub.arn);
        const topic = topics.get(sub.topicArn);
        if (topic) topic.subscriptions = topic.subscriptions.filter((s) => s !== sub);
      }
      return '';
    },
    ListSubscriptionsByTopic(p) {
      const topic = topicOf(required(p, 'TopicArn'));
      const members = topic.subscriptions.map(
        (s) =>
          `<member>${el('TopicArn', s.topicArn)}${el('Protocol', s.protocol)}${el('SubscriptionArn', s.pendingToken === undefined ? s.arn : 'PendingConfirmation')}${el('Owner', ACCOUNT)}${el('Endpoint', s.endpoint)}</member>`,
      );
      return `<Subscriptions>${members.join('')}</Subscriptions>`;
    },
    GetSubscriptionAttributes(p) {
      const sub = subscriptions.get(required(p, 'SubscriptionArn'));
      if (!sub) throw new SnsApiError('NotFound', 'Subscription does not exist', 404);
      const attrs = {
        ...sub.attributes,
        SubscriptionArn: sub.arn,
        TopicArn: sub.topicArn,
        Protocol: sub.protocol,
        Endpoint: sub.endpoint,
        PendingConfirmation: String(sub.pendingToken !== undefined),
        ConfirmationWasAuthenticated: 'false',
      };
      return `<Attributes>${Object.entries(attrs)
        .map(([k, v]) => `<entry>${el('key', k)}${el('value', v)}</entry>`)
        .join('')}</Attributes>`;
    },
    SetSubscriptionAttributes(p) {
      const sub = subscriptions.get(required(p, 'SubscriptionArn'));
      if (!sub) throw new SnsApiError('NotFound', 'Subscription does not exist', 404);
      setSubscriptionAttribute(sub, required(p, 'AttributeName'), p.get('AttributeValue') ?? '');
      return '';
    },
    Publish(p) {
      maybeThrottle('Publish');
      const topic = topicOf(p.get('TopicArn') ?? p.get('TargetArn') ?? '');
      const messageId = publishOne(
        topic,
        p.get('Message') ?? '',
        p.get('Subject') ?? undefined,
        messageAttributesOf(p, 'MessageAttributes'),
      );
      return el('MessageId', messageId);
    },
    PublishBatch(p) {
      maybeThrottle('PublishBatch');
      const topic = topicOf(required(p, 'TopicArn'));
      const entries: { id: string; prefix: string }[] = [];
      for (let i = 1; p.has(`PublishBatchRequestEntries.member.${i}.Id`); i++) {
        const prefix = `PublishBatchRequestEntries.member.${i}`;
        entries.push({ id: p.get(`${prefix}.Id`) ?? '', prefix });
      }
      if (entries.length === 0)
        throw new SnsApiError(
          'EmptyBatchRequest',
          'The batch request does not contain any entries.',
        );
      if (entries.length > MAX_BATCH_ENTRIES) {
        throw new SnsApiError(
          'TooManyEntriesInBatchRequest',
          'The batch request contains more entries than permissible.',
        );
      }
      if (new Set(entries.map((e) => e.id)).size !== entries.length) {
        throw new SnsApiError(
          'BatchEntryIdsNotDistinct',
          'Two or more batch entries in the request have the same Id.',
        );
      }
      for (const e of entries) {
        if (!/^[A-Za-z0-9_-]{1,80}$/.test(e.id))
          throw new SnsApiError(
            'InvalidBatchEntryId',
            `The Id of a batch entry in a batch request doesn't abide by the specification.`,
          );
      }
      const total = entries.reduce(
        (sum, e) => sum + Buffer.byteLength(p.get(`${e.prefix}.Message`) ?? ''),
        0,
      );
      if (total > MAX_MESSAGE_BYTES)
        throw new SnsApiError(
          'BatchRequestTooLong',
          'The length of all the batch messages put together is more than the limit.',
        );
      const rule = faults.batchEntryFailure;
      const ruleActive =
        rule !== undefined && (rule.times === undefined || batchFaultCalls < rule.times);
      let injectedThisCall = false;
      const ok: string[] = [];
      const failed: string[] = [];
      entries.forEach((e, index) => {
        if (ruleActive && rule) {
          const chosen =
            (rule.ids === undefined || rule.ids.includes(e.id)) &&
            (rule.entries ? rule.entries.includes(index) : random() < (rule.probability ?? 1));
          if (chosen) {
            injectedThisCall = true;
            counters.failedEntries += 1;
            failed.push(
              `<member>${el('Id', e.id)}${el('Code', rule.code ?? 'InternalError')}${el('Message', 'Injected failure')}${el('SenderFault', String(rule.senderFault ?? false))}</member>`,
            );
            return;
          }
        }
        try {
          const messageId = publishOne(
            topic,
            p.get(`${e.prefix}.Message`) ?? '',
            p.get(`${e.prefix}.Subject`) ?? undefined,
            messageAttributesOf(p, `${e.prefix}.MessageAttributes`),
          );
          ok.push(`<member>${el('Id', e.id)}${el('MessageId', messageId)}</member>`);
        } catch (error) {
          if (!(error instanceof SnsApiError)) throw error;
          failed.push(
            `<member>${el('Id', e.id)}${el('Code', error.code)}${el('Message', error.message)}${el('SenderFault', 'true')}</member>`,
          );
        }
      });
      if (injectedThisCall) batchFaultCalls += 1;
      return `<Successful>${ok.join('')}</Successful><Failed>${failed.join('')}</Failed>`;
    },
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = randomUUID();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'GET' && url.pathname.startsWith('/_local/queues/')) {
      const name = decodeURIComponent(url.pathname.slice('/_local/queues/'.length));
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(receive(name, { drain: url.searchParams.get('drain') === 'true' })));
      return;
    }
    // Query parameters count as on SNS (the SubscribeURL a subscriber GETs carries them).
    const params = new URLSearchParams(await readBody(req));
    for (const [key, value] of url.searchParams) if (!params.has(key)) params.set(key, value);
    const action = params.get('Action') ?? '';
    counters.requests += 1;
    counters.byAction[action] = (counters.byAction[action] ?? 0) + 1;
    res.setHeader('content-type', 'text/xml');
    res.setHeader('x-amzn-requestid', requestId);
    try {
      const fn = actions[action];
      if (!fn)
        throw new SnsApiError(
          'InvalidAction',
          `The action ${action} is not valid for this endpoint.`,
        );
      const result = fn(params);
      res.end(
        `<${action}Response xmlns="${XMLNS}"><${action}Result>${result}</${action}Result><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
      );
    } catch (error) {
      const e =
        error instanceof SnsApiError
          ? error
          : new SnsApiError('InternalError', (error as Error).message, 500);
      res.statusCode = e.status;
      res.end(
        `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${e.status >= 500 ? 'Receiver' : 'Sender'}</Type>${el('Code', e.code)}${el('Message', e.message)}</Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      );
    }
  };

  const receive = (queue: string, opts: { drain?: boolean } = {}): SnsDelivery[] => {
    const messages = queues.get(queue) ?? [];
    if (opts.drain) queues.delete(queue);
    return [...messages];
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      res.statusCode = 500;
      res.end(String((error as Error).message));
    });
  });
  endpoint = await listenEphemeral(server);
  let stopped = false;
  return {
    endpoint,
    receive,
    setFaults(next, seed) {
      faults = next ?? {};
      random = seededRandom(seed ?? options.seed ?? 1);
      throttleSeen = 0;
      throttleInjected = 0;
      batchFaultCalls = 0;
    },
    stats: () => ({ ...counters, byAction: { ...counters.byAction } }),
    async stop() {
      if (stopped) return;
      stopped = true;
      await Promise.allSettled([...pendingHttp]);
      await closeHttpServer(server);
    },
  };
}

/**
 * Reads the messages delivered to a local `sqs` subscriber queue of an SNS stand-in from any
 * process (a test worker): `GET <endpoint>/_local/queues/<name>`.
 */
export async function receiveLocalQueue(
  endpoint: string,
  queue: string,
  opts: { drain?: boolean } = {},
): Promise<SnsDelivery[]> {
  const res = await fetch(
    `${endpoint}/_local/queues/${encodeURIComponent(queue)}?drain=${opts.drain === true}`,
  );
  return (await res.json()) as SnsDelivery[];
}

/** A stable id for tests that want deterministic names from a seed. */
export function localQueueArn(name: string, region = 'us-east-1'): string {
  return `arn:aws:sqs:${region}:${ACCOUNT}:${name}`;
}
