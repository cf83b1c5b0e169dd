import type { WindowSpec } from '@streamlens/query';

/** A window of one group: [startMs, endMs) over the group's time-sorted events [from, to). */
export type WindowSlice = { startMs: number; endMs: number; from: number; to: number };

/**
 * The windows of one group given its events' times in ascending order. Every kind yields
 * contiguous slices of the sorted events, and depends only on the set of times, never on the
 * order they arrived in:
 * - tumbling / sliding: epoch-aligned [k·slide, k·slide + size) (slide = size for tumbling);
 * - stagger: the first event opens [t, t + size); the next event at or after its end opens the next;
 * - session: events less than `gap` apart chain; a session is [first, last + gap).
 */
export function windowsOf(spec: WindowSpec, times: readonly number[]): WindowSlice[] {
  const out: WindowSlice[] = [];
  const n = times.length;
  if (n === 0) return out;
  if (spec.kind === 'tumbling' || spec.kind === 'sliding') {
    const size = spec.sizeMs;
    const slide = spec.kind === 'sliding' ? spec.slideMs : size;
    // Window starts that hold at least one event, ascending; each window's slice by two cursors
    // that only move forward: linear in events + windows.
    let from = 0;
    let to = 0;
    let start = Math.floor((times[0]! - size) / slide + 1) * slide;
    while (from < n) {
      const end = start + size;
      while (from < n && times[from]! < start) from++;
      if (from === n) break;
      if (to < from) to = from;
      while (to < n && times[to]! < end) to++;
      if (to > from && times[from]! < end) out.push({ startMs: start, endMs: end, from, to });
      // Skip empty stretches: the next window that can hold times[from].
      const next = start + slide;
      const firstHolding = Math.floor((times[from]! - size) / slide + 1) * slide;
      start = Math.max(next, firstHolding);
    }
    return out;
  }
  if (spec.kind === 'stagger') {
    let from = 0;
    while (from < n) {
      const start = times[from]!;
      const end = start + spec.sizeMs;
      let to = from;
      while (to < n && times[to]! < end) to++;
      out.push({ startMs: start, endMs: end, from, to });
      from = to;
    }
    return out;
  }
  let from = 0;
  while (from < n) {
    let to = from + 1;
    while (to < n && times[to]! - times[to - 1]! < spec.gapMs) to++;
    out.push({ startMs: times[from]!, endMs: times[to - 1]! + spec.gapMs, from, to });
    from = to;
  }
  return out;
}

/**
 * The window end the event-time rules judge an event by (in place of a tumbling window's end).
 * Tumbling, sliding, stagger: the latest end of any window the event can fall in (exact for the
 * epoch-aligned kinds, t + size for stagger). Session: t + gap, the end of the session the event
 * would form alone; a session it joins ends later, so the event is judged as that lone session.
 */
export function latenessEndOf(spec: WindowSpec, timeMs: number): number {
  switch (spec.kind) {
    case 'tumbling':
      return Math.floor(timeMs / spec.sizeMs) * spec.sizeMs + spec.sizeMs;
    case 'sliding':
      return Math.floor(timeMs / spec.slideMs) * spec.slideMs + spec.sizeMs;
    case 'stagger':
      return timeMs + spec.sizeMs;
    default:
      return timeMs + spec.gapMs;
  }
}

/**
 * How far a kept event can reach back: a window that ended at or before
 * watermark − maxLateness − reach can never receive another event, so it and its events can be
 * dropped. Zero for epoch-aligned kinds (their windows are fixed); size or gap for the others,
 * whose windows are placed by their own events.
 */
export function reachOf(spec: WindowSpec): number {
  if (spec.kind === 'stagger') return spec.sizeMs;
  if (spec.kind === 'session') return spec.gapMs;
  return 0;
}
