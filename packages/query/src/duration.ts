const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Pattern of a duration in a query file: an integer and a unit (`250ms`, `60s`, `5m`, `1h`, `1d`). */
export const DURATION_PATTERN = '^[1-9][0-9]{0,8}(ms|s|m|h|d)$';
const DURATION = new RegExp(DURATION_PATTERN);

/** Milliseconds of a duration string that matches {@link DURATION_PATTERN}; undefined otherwise. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text);
  if (m === null) return undefined;
  return Number(text.slice(0, text.length - m[1]!.length)) * UNIT_MS[m[1]!]!;
}

/** The shortest exact spelling of a duration (`60000` → `1m`, `90000` → `90s`). */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    const u = UNIT_MS[unit]!;
    if (ms % u === 0) return `${ms / u}${unit}`;
  }
  return `${ms}ms`;
}
