import { createHash, randomUUID } from 'node:crypto';

/** A message as a receiver sees it. */
export interface ReceivedMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  readonly md5OfBody: string;
  /** ApproximateReceiveCount, SentTimestamp, SenderId, ApproximateFirstReceiveTimestamp. */
  readonly attributes: Readonly<Record<string, string>>;
}

interface StoredMessage {
  readonly messageId: string;
  readonly body: string;
  readonly md5OfBody: string;
  readonly sentAt: number;
  receiveCount: number;
  firstReceivedAt?: number;
  visibleAt: number;
  receiptHandle?: string;
}

/** What a queue needs (from its `AWS::SQS::Queue` resource). */
export interface LocalQueueOptions {
  readonly name: string;
  readonly arn: string;
  /** VisibilityTimeout (SQS default 30 s). */
  readonly visibilityTimeoutSeconds?: number;
  /** RedrivePolicy: after `maxReceiveCount` receives a message moves to `deadLetter`. */
  readonly redrive?: { readonly deadLetter: LocalQueue; readonly maxReceiveCount: number };
  /** Clock (ms), for tests. */
  readonly now?: () => number;
}

/** Counters of a queue. */
export interface QueueStats {
  sent: number;
  received: number;
  deleted: number;
  /** Moved to the dead-letter queue (redrive). */
  movedToDeadLetter: number;
}

/**
 * An in-process SQS standard queue with the semantics a Lambda consumer depends on: a received
 * message is invisible for the visibility timeout and comes back unless deleted with its latest
 * receipt handle; `ApproximateReceiveCount` grows per receive; with a redrive policy a message
 * whose receive count has reached `maxReceiveCount` moves to the dead-letter queue on its next
 * receive attempt instead of being delivered (as SQS does).
 */
export class LocalQueue {
  readonly stats: QueueStats = { sent: 0, received: 0, deleted: 0, movedToDeadLetter: 0 };
  private readonly messages = new Map<string, StoredMessage>();
  private readonly now: () => number;

  constructor(readonly options: LocalQueueOptions) {
    this.now = options.now ?? Date.now;
  }

  get name(): string {
    return this.options.name;
  }

  get arn(): string {
    return this.options.arn;
  }

  get visibilityTimeoutMs(): number {
    return (this.options.visibilityTimeoutSeconds ?? 30) * 1000;
  }

  /** SendMessage: returns the message id. */
  send(body: string): string {
    const messageId = randomUUID();
    this.messages.set(messageId, {
      messageId,
      body,
      md5OfBody: createHash('md5').update(body).digest('hex'),
      sentAt: this.now(),
      receiveCount: 0,
      visibleAt: this.now(),
    });
    this.stats.sent++;
    return messageId;
  }

  /** ReceiveMessage: up to `max` visible messages, oldest first, now invisible. */
  receive(max: number): ReceivedMessage[] {
    const now = this.now();
    const out: ReceivedMessage[] = [];
    for (const m of this.messages.values()) {
      if (out.length >= max) break;
      if (m.visibleAt > now) continue;
      const redrive = this.options.redrive;
      if (redrive && m.receiveCount >= redrive.maxReceiveCount) {
        this.messages.delete(m.messageId);
        redrive.deadLetter.send(m.body);
        this.stats.movedToDeadLetter++;
        continue;
      }
      m.receiveCount++;
      m.firstReceivedAt ??= now;
      m.visibleAt = now + this.visibilityTimeoutMs;
      m.receiptHandle = `${m.messageId}#${randomUUID()}`;
      this.stats.received++;
      out.push({
        messageId: m.messageId,
        receiptHandle: m.receiptHandle,
        body: m.body,
        md5OfBody: m.md5OfBody,
        attributes: {
          ApproximateReceiveCount: String(m.receiveCount),
          SentTimestamp: String(m.sentAt),
          SenderId: 'AIDAIENQZJOLO23YVJ4VO',
          ApproximateFirstReceiveTimestamp: String(m.firstReceivedAt),
        },
      });
    }
    // Re-insert delivered messages at the end: the next receive starts with those not tried yet.
    for (const r of out) {
      const m = this.messages.get(r.messageId);
      if (m) {
        this.messages.delete(r.messageId);
        this.messages.set(r.messageId, m);
      }
    }
    return out;
  }

  /** DeleteMessage: only the latest receipt handle of a message deletes it. */
  delete(receiptHandle: string): boolean {
    const id = receiptHandle.slice(0, receiptHandle.indexOf('#'));
    const m = this.messages.get(id);
    if (!m || m.receiptHandle !== receiptHandle) return false;
    this.messages.delete(id);
    this.stats.deleted++;
    return true;
  }

  /** Messages stored (visible or in flight). */
  size(): number {
    return this.messages.size;
  }

  /** Milliseconds until the next stored message becomes visible (0: one is visible now). */
  nextVisibleInMs(): number | undefined {
    let next: number | undefined;
    const now = this.now();
    for (const m of this.messages.values()) {
      const wait = Math.max(0, m.visibleAt - now);
      if (next === undefined || wait < next) next = wait;
    }
    return next;
  }

  /** Bodies of the stored messages (for the dead-letter report). */
  bodies(): string[] {
    return [...this.messages.values()].map((m) => m.body);
  }
}
