import type { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { StatementFailedError, StatementTimeoutError } from './errors.js';
import { decideLoad, type LedgerRow } from './ledger.js';
import {
  type LakeObject,
  type LakePrefixes,
  type LoadTarget,
  parseNotification,
  targetOf,
} from './notification.js';
import {
  query,
  submitBatch,
  submitStatement,
  type WarehouseTarget,
  waitForStatement,
} from './redshift.js';
import { failureStatements, loadStatements, tableName, type WarehouseTables } from './sql.js';

/** What the loader needs besides the client. */
export interface LoaderConfig {
  readonly warehouse: WarehouseTarget;
  readonly copyRoleArn: string;
  readonly tables: WarehouseTables;
  readonly prefixes: LakePrefixes;
  readonly gzip: { readonly events: boolean; readonly windows: boolean };
  readonly pollInitialDelayMs?: number;
  readonly pollMaxDelayMs?: number;
}

/** Outcome of one object. */
export type ObjectOutcome =
  | {
      readonly key: string;
      readonly status: 'loaded';
      readonly statementId: string;
      readonly attempt: number;
      readonly rows?: number;
    }
  | {
      readonly key: string;
      readonly status: 'skipped';
      readonly reason: 'already-loaded' | 'not-a-lake-table';
    }
  | {
      readonly key: string;
      readonly status: 'failed';
      readonly error: string;
      readonly statementId?: string;
      readonly attempt?: number;
    };

/** Outcome of one SQS message. */
export interface MessageOutcome {
  readonly messageId: string;
  readonly ok: boolean;
  readonly error?: string;
  readonly objects: readonly ObjectOutcome[];
}

/** Minimal logger (Powertools Logger fits). */
export interface LoaderLogger {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

const silent: LoaderLogger = { info() {}, warn() {}, error() {} };

async function readLedger(
  client: RedshiftDataClient,
  config: LoaderConfig,
  object: LakeObject,
  deadline: number,
): Promise<LedgerRow | undefined> {
  const rows = await query(
    client,
    config.warehouse,
    `SELECT status, attempts, statement_id FROM ${tableName(config.tables.ledger)} WHERE object_key = :key AND etag = :etag`,
    { key: object.key, etag: object.etag },
    pollOptions(config, deadline),
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    status: row.status === 'loaded' ? 'loaded' : 'failed',
    attempts: Number(row.attempts ?? 0),
    ...(typeof row.statement_id === 'string' ? { statementId: row.statement_id } : {}),
  };
}

function pollOptions(config: LoaderConfig, deadline: number) {
  return {
    deadline,
    ...(config.pollInitialDelayMs !== undefined
      ? { initialDelayMs: config.pollInitialDelayMs }
      : {}),
    ...(config.pollMaxDelayMs !== undefined ? { maxDelayMs: config.pollMaxDelayMs } : {}),
  };
}

/**
 * Load one lake object idempotently: consult the ledger, then run the load transaction and wait
 * for it. A failed load is recorded in the ledger (error text, attempt) and returned as `failed`.
 */
export async function loadObject(
  client: RedshiftDataClient,
  config: LoaderConfig,
  object: LakeObject,
  deadline: number,
  logger: LoaderLogger = silent,
): Promise<ObjectOutcome> {
  const target: LoadTarget | undefined = targetOf(object.key, config.prefixes);
  if (!target) return { key: object.key, status: 'skipped', reason: 'not-a-lake-table' };
  const decision = decideLoad(await readLedger(client, config, object, deadline));
  if (decision.action === 'skip') {
    logger.info('object already loaded', { key: object.key, etag: object.etag });
    return { key: object.key, status: 'skipped', reason: decision.reason };
  }
  let statementId: string | undefined;
  try {
    const sqls = loadStatements({
      object,
      target,
      attempt: decision.attempt,
      copyRoleArn: config.copyRoleArn,
      tables: config.tables,
      gzip: config.gzip[target],
    });
    statementId = await submitBatch(client, config.warehouse, sqls);
    const d = await waitForStatement(client, statementId, pollOptions(config, deadline));
    const rows = d.SubStatements?.[3]?.ResultRows;
    // Best effort: the ledger row was written inside the transaction, before its id was known.
    await submitStatement(
      client,
      config.warehouse,
      `UPDATE ${tableName(config.tables.ledger)} SET statement_id = :sid WHERE object_key = :key AND etag = :etag`,
      { sid: statementId, key: object.key, etag: object.etag },
    ).catch(() => undefined);
    logger.info('object loaded', {
      key: object.key,
      target,
      statementId,
      attempt: decision.attempt,
      rows,
    });
    return {
      key: object.key,
      status: 'loaded',
      statementId,
      attempt: decision.attempt,
      ...(typeof rows === 'number' ? { rows } : {}),
    };
  } catch (error) {
    if (error instanceof StatementTimeoutError) {
      // Not recorded as failed: it may still commit; the retry finds it in the ledger, or its own
      // load waits on the ledger lock and inserts nothing twice.
      logger.warn('load still running at the deadline', { key: object.key, statementId });
      return {
        key: object.key,
        status: 'failed',
        error: error.message,
        statementId,
        attempt: decision.attempt,
      };
    }
    const text =
      error instanceof StatementFailedError ? error.redshiftError : (error as Error).message;
    logger.error('load failed', {
      key: object.key,
      target,
      statementId,
      attempt: decision.attempt,
      error: text,
    });
    try {
      const id = await submitBatch(
        client,
        config.warehouse,
        failureStatements(object, target, decision.attempt, statementId, text, config.tables),
      );
      await waitForStatement(client, id, pollOptions(config, deadline));
    } catch (ledgerError) {
      logger.warn('could not record the failure in the ledger', {
        key: object.key,
        error: (ledgerError as Error).message,
      });
    }
    return {
      key: object.key,
      status: 'failed',
      error: text,
      ...(statementId ? { statementId } : {}),
      attempt: decision.attempt,
    };
  }
}

/**
 * SQS batch of S3 notifications → loads. Messages are independent: one failing object fails its
 * own message (reported in `batchItemFailures` for SQS to redeliver) and not the others.
 */
export async function loadBatch(
  event: SQSEvent,
  client: RedshiftDataClient,
  config: LoaderConfig,
  deadline: number,
  logger: LoaderLogger = silent,
): Promise<{ response: SQSBatchResponse; outcomes: MessageOutcome[] }> {
  const outcomes: MessageOutcome[] = [];
  for (const record of event.Records) {
    if (Date.now() >= deadline) {
      outcomes.push({
        messageId: record.messageId,
        ok: false,
        error: 'deadline reached before this message',
        objects: [],
      });
      continue;
    }
    let objects: LakeObject[];
    try {
      objects = parseNotification(record.body);
    } catch (error) {
      // Redelivery cannot fix a malformed notification: it goes to the DLQ after maxReceiveCount.
      logger.error('unreadable notification', {
        messageId: record.messageId,
        error: (error as Error).message,
      });
      outcomes.push({
        messageId: record.messageId,
        ok: false,
        error: (error as Error).message,
        objects: [],
      });
      continue;
    }
    const results: ObjectOutcome[] = [];
    for (const object of objects) {
      try {
        results.push(await loadObject(client, config, object, deadline, logger));
      } catch (error) {
        results.push({ key: object.key, status: 'failed', error: (error as Error).message });
      }
    }
    const failed = results.filter((r) => r.status === 'failed');
    outcomes.push({
      messageId: record.messageId,
      ok: failed.length === 0,
      ...(failed.length > 0
        ? {
            error: failed
              .map((f) => `${f.key}: ${f.status === 'failed' ? f.error : ''}`)
              .join('; '),
          }
        : {}),
      objects: results,
    });
  }
  return {
    response: {
      batchItemFailures: outcomes
        .filter((o) => !o.ok)
        .map((o) => ({ itemIdentifier: o.messageId })),
    },
    outcomes,
  };
}
