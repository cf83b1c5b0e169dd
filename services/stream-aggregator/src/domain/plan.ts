import type { ShardView } from './records.js';
import { rejected } from './records.js';
import { compareSeq, type Position } from './sequence.js';
import type { Checkpoint, Observation, RejectedRecord, WindowEvents, WindowRef } from './types.js';
import { classifyLateness, isoMs, Lateness, windowStartOf } from './window.js';

/** What planning needs of the engine's configuration. */
export type PlanConfig = {
  windowMs: number;
  allowedLatenessMs: number;
  maxLatenessMs: number;
  invalidRecords: 'route' | 'report';
  /** Events one lane's delta holds at most (its stored size stays well under 400 KB). */
  maxEventsPerDelta: number;
  /** Keep each lane's valid new observations in `LanePlan.observations` (for the queries). */
  collectObservations?: boolean;
};

/** One lane's part of a plan: the delta it appends. */
export type LanePlan = {
  lane: string;
  before: Checkpoint;
  /** The checkpoint after the plan (version + 1); its position is set at the end of planning. */
  after: Checkpoint;
  /** Entries by series (a series has one per window it touches). */
  entries: Map<string, WindowEvents[]>;
  windows: Map<number, WindowRef>;
  events: number;
  /** Valid records not applied before, in lane order (only with `collectObservations`). */
  observations: Observation[];
  lastSeq: string;
  lastSub: number;
};

/** A sub-batch of one shard: the next records, folded per lane into deltas. */
export type Plan = {
  /** Index of the first record not in the plan. */
  end: number;
  first: Position | undefined;
  last: Position | undefined;
  lanes: Map<string, LanePlan>;
  rejected: RejectedRecord[];
  applied: number;
  duplicates: number;
  corrections: number;
  tooLate: number;
  invalid: number;
  /** The record at `end` is invalid and must be reported (invalidRecords = report). */
  stop: boolean;
};

/** Lanes of one plan at most (each appends its own delta, concurrently). */
export const MAX_LANES_PER_PLAN = 100;

export function emptyCheckpoint(lane: string): Checkpoint {
  return { lane, pos: undefined, maxEventMs: Number.NEGATIVE_INFINITY, version: 0 };
}

/**
 * Plans the sub-batch starting at `start`: records at or below their lane's checkpoint are
 * duplicates (already applied), the others are classified against their lane's watermark (its
 * largest event time so far − allowed lateness) and folded into their lane's delta; invalid and
 * too-late ones are rejected. Stops where a lane's delta is full or the plan has its lanes.
 */
export function planRecords(
  records: ShardView,
  start: number,
  heads: ReadonlyMap<string, Checkpoint>,
  cfg: PlanConfig,
): Plan {
  const windowMs = cfg.windowMs;
  const p: Plan = {
    end: records.length,
    first: undefined,
    last: undefined,
    lanes: new Map(),
    rejected: [],
    applied: 0,
    duplicates: 0,
    corrections: 0,
    tooLate: 0,
    invalid: 0,
    stop: false,
  };
  let lp: LanePlan | undefined;
  let laneOf = '';
  for (let j = start; j < records.length; j++) {
    const r = records.at(j);
    const lane = records.laneAt(j);
    if (lp === undefined || lane !== laneOf) {
      lp = p.lanes.get(lane);
      laneOf = lane;
    }
    const base = lp?.after ?? heads.get(lane) ?? emptyCheckpoint(lane);
    // At or below the lane's last position (taken in this plan, or its checkpoint): duplicate.
    const seq = r.seq;
    const sub = r.sub;
    let atSeq: string | undefined;
    let atSub = 0;
    if (lp !== undefined) {
      atSeq = lp.lastSeq;
      atSub = lp.lastSub;
    } else if (base.pos !== undefined) {
      atSeq = base.pos.seq;
      atSub = base.pos.sub;
    }
    if (atSeq !== undefined) {
      const c = compareSeq(seq, atSeq);
      if (c < 0 || (c === 0 && sub <= atSub)) {
        p.duplicates++;
        continue;
      }
    }
    const obs = r.obs;
    if (obs === undefined && cfg.invalidRecords === 'report') {
      p.end = j;
      p.stop = true;
      break;
    }
    if (lp === undefined) {
      if (p.lanes.size >= MAX_LANES_PER_PLAN) {
        p.end = j;
        break;
      }
      lp = {
        lane,
        before: base,
        after: { lane, pos: base.pos, maxEventMs: base.maxEventMs, version: base.version + 1 },
        entries: new Map(),
        windows: new Map(),
        events: 0,
        observations: [],
        lastSeq: '',
        lastSub: 0,
      };
      p.lanes.set(lane, lp);
    } else if (obs !== undefined && lp.events >= cfg.maxEventsPerDelta) {
      p.end = j;
      break;
    }
    lp.lastSeq = seq;
    lp.lastSub = sub;
    if (p.first === undefined) p.first = { seq, sub };
    if (obs === undefined) {
      p.invalid++;
      p.rejected.push(rejected(r, 'invalid', r.error));
      continue;
    }
    const after = lp.after;
    if (obs.timeMs > after.maxEventMs) after.maxEventMs = obs.timeMs;
    if (cfg.collectObservations) lp.observations.push(obs);
    const ws = windowStartOf(obs.timeMs, windowMs);
    const cls = classifyLateness(
      ws + windowMs,
      after.maxEventMs - cfg.allowedLatenessMs,
      cfg.maxLatenessMs,
    );
    if (cls === Lateness.TooLate) {
      p.tooLate++;
      const rej = rejected(r, 'too-late');
      rej.windowStart = isoMs(ws);
      p.rejected.push(rej);
      continue;
    }
    // Entries are found by series first (one string hash per record), then by window.
    let list = lp.entries.get(obs.series);
    let e: WindowEvents | undefined;
    if (list === undefined) {
      list = [];
      lp.entries.set(obs.series, list);
    } else {
      for (let x = 0; x < list.length; x++) {
        if (list[x]!.windowStartMs === ws) {
          e = list[x];
          break;
        }
      }
    }
    if (e === undefined) {
      e = {
        meta: {
          series: obs.series,
          kind: obs.kind,
          metric: obs.metric,
          dimensions: obs.dimensions,
        },
        windowStartMs: ws,
        ids: [],
        values: [],
        late: [],
      };
      list.push(e);
      if (!lp.windows.has(ws))
        lp.windows.set(ws, { windowStartMs: ws, windowEndMs: ws + windowMs });
    }
    e.ids.push(obs.idHash);
    e.values.push(obs.value);
    const late = cls === Lateness.Correction ? 1 : 0;
    e.late.push(late);
    lp.events++;
    p.corrections += late;
    p.applied++;
  }
  for (const l of p.lanes.values()) {
    if (l.lastSeq === '') continue;
    const pos = { seq: l.lastSeq, sub: l.lastSub };
    l.after.pos = pos;
    if (p.last === undefined || compareSeq(pos.seq, p.last.seq) > 0) p.last = pos;
    else if (pos.seq === p.last.seq && pos.sub > p.last.sub) p.last = pos;
  }
  return p;
}
