import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { feed, newLedger, type ProducedLedger } from '../feed.js';
import { type Check, reconcileSinks } from '../reconcile.js';
import { deployedSinks, type SmokeClients } from './sinks.js';
import type { StageResources } from './stage.js';
import { warehouseCheck } from './warehouse.js';

/** Options of one smoke run against a deployed stage. */
export interface SmokeOptions {
  readonly resources: StageResources;
  readonly clients: SmokeClients & {
    readonly kinesis: KinesisClient;
    /** With `resources.warehouse`: the Data API client of the stage's account and region. */
    readonly redshiftData?: RedshiftDataClient;
  };
  /** Events to produce (about: the generator is paced at `rate` for events / rate seconds). */
  readonly events: number;
  readonly rate: number;
  readonly scenario: string;
  readonly seed: number;
  /** Give up waiting for the sinks after this long. */
  readonly timeoutSeconds: number;
  readonly pollSeconds: number;
  /** Where progress and the result are written (a line at a time). */
  readonly print: (line: string) => void;
}

/** The outcome of a smoke run; `code` is the process exit code (0 only when every check passed). */
export interface SmokeResult {
  readonly code: 0 | 1;
  readonly verdict: 'passed' | 'mismatch' | 'timeout';
  readonly checks: Check[];
  readonly ledger: ProducedLedger;
  readonly waitedSeconds: number;
}

/** The sink a check belongs to (its name starts with it). */
const sinkOf = (check: Check) =>
  ['lake', 'events table', 'windows', 'search index', 'warehouse', 'producer'].find((s) =>
    check.name.startsWith(s),
  );

/** A check still to come: failed, or skipped for a sink this stage has (no final window yet). */
function pending(check: Check, present: ReadonlySet<string>): boolean {
  if (check.status === 'ok') return false;
  if (check.status === 'failed') return true;
  return present.has(sinkOf(check) ?? '') && check.name !== sinkOf(check);
}

function line(check: Check): string {
  const mark =
    check.status === 'ok' ? 'ok     ' : check.status === 'failed' ? 'FAILED ' : 'skipped';
  return `  ${mark} ${check.name}: ${check.detail}`;
}

/**
 * Produce events into the stage's `events` stream, then read every sink until each check of
 * `reconcileSinks` passes (the checks of `pnpm start`) or the timeout. A check that fails may still
 * pass once the data arrives (Firehose buffers for minutes; a window is final once the watermark
 * passes it), so only the timeout turns a failing check into a mismatch.
 */
export async function runSmoke(options: SmokeOptions): Promise<SmokeResult> {
  const { resources, clients, print } = options;
  const startedMs = Date.now();
  const ledger = newLedger();
  const durationSeconds = Math.max(1, Math.ceil(options.events / options.rate));
  print(
    `smoke: producing ~${options.events} events (${options.rate}/s for ${durationSeconds} s, scenario ${options.scenario}) into ${resources.eventsStream}`,
  );
  await feed(
    {
      kinesis: clients.kinesis,
      streamName: resources.eventsStream,
      rate: options.rate,
      durationSeconds,
      seed: options.seed,
      scenario: options.scenario,
      signal: new AbortController().signal,
    },
    ledger,
  );
  print(
    `smoke: ${ledger.valid.size} valid and ${ledger.invalid} invalid records accepted, ${ledger.rejected} rejected`,
  );
  const sinks = deployedSinks(clients, resources, ledger, startedMs);
  const present = new Set(['lake', 'events table', 'windows', 'producer']);
  if (sinks.search) present.add('search index');
  const warehouse =
    resources.warehouse && clients.redshiftData
      ? { client: clients.redshiftData, target: resources.warehouse }
      : undefined;
  if (warehouse) present.add('warehouse');
  const waitStart = Date.now();
  const deadline = waitStart + options.timeoutSeconds * 1000;
  let checks: Check[] = [];
  for (;;) {
    try {
      checks = await reconcileSinks(sinks, ledger);
      if (warehouse) {
        // In place of the reconciliation's "not wired": the run's own events, not whole tables.
        checks = checks.filter((c) => c.name !== 'warehouse');
        checks.push(await warehouseCheck(warehouse.client, warehouse.target, ledger));
      }
    } catch (error) {
      checks = [{ name: 'sinks', status: 'failed', detail: `cannot read: ${String(error)}` }];
    }
    const waiting = checks.filter((c) => pending(c, present));
    const elapsed = Math.round((Date.now() - waitStart) / 1000);
    // A rejected record never arrives: waiting longer cannot make the run pass.
    const hopeless = checks.some((c) => c.status === 'failed' && sinkOf(c) === 'producer');
    if (waiting.length === 0 || hopeless || Date.now() >= deadline) {
      const verdict = waiting.length === 0 ? 'passed' : hopeless ? 'mismatch' : 'timeout';
      print(`smoke: after ${elapsed} s of waiting`);
      for (const c of checks) print(line(c));
      print(
        verdict === 'passed'
          ? `smoke: PASSED (stage ${resources.stage})`
          : `smoke: FAILED (${verdict === 'timeout' ? `still failing after ${options.timeoutSeconds} s` : 'records rejected'}: ${waiting.map((c) => c.name).join('; ')})`,
      );
      return {
        code: verdict === 'passed' ? 0 : 1,
        verdict,
        checks,
        ledger,
        waitedSeconds: elapsed,
      };
    }
    print(
      `smoke: ${elapsed} s, waiting for ${waiting.length}: ${waiting.map((c) => `${c.name.split(':')[0]} ${c.actual ?? '?'}/${c.expected ?? '?'}`).join(', ')}`,
    );
    await new Promise((r) =>
      setTimeout(r, Math.min(options.pollSeconds * 1000, deadline - Date.now())),
    );
  }
}
