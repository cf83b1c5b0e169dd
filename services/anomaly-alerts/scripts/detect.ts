/**
 * `pnpm detect --data DIR --out DIR`: run the production anomaly detector (default configuration,
 * the same code as the Lambda) over every `timestamp,value` CSV under DIR and write
 * `timestamp,value,anomaly_score` CSVs at the same relative paths under OUT (NAB's results layout).
 * The score of a row is the detector's, reported at onsets only (`src/detector/onset.ts`).
 * `DETECTOR_WARMUP_POINTS` applies as in the Lambda (unset: the default 30, NAB's numbers).
 *
 * `--config JSON` overrides configuration keys, for experiments only; production never does.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { detectorConfigFromEnv } from '../src/config.js';
import type { DetectorConfig } from '../src/detector/config.js';
import { update } from '../src/detector/detector.js';
import { newOnsetFilter, onsetScore } from '../src/detector/onset.js';
import { initialState } from '../src/detector/state.js';

function csvFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...csvFiles(p));
    else if (name.endsWith('.csv')) out.push(p);
  }
  return out;
}

/** Timestamps without a zone (NAB's `YYYY-MM-DD HH:MM:SS`) are read as UTC. */
export function parseTimestamp(text: string): number {
  let t = text.trim().replace(' ', 'T');
  if (!/(Z|[+-]\d\d:?\d\d)$/.test(t)) t += 'Z';
  const ms = Date.parse(t);
  if (Number.isNaN(ms)) throw new Error(`unparseable timestamp: ${text}`);
  return ms;
}

function detectFile(path: string, config: DetectorConfig): { csv: string; rows: number } {
  const lines = readFileSync(path, 'utf8').split(/\r?\n/);
  const out: string[] = ['timestamp,value,anomaly_score'];
  let state = initialState(config);
  const onsets = newOnsetFilter();
  let rows = 0;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const comma = line.indexOf(',');
    const tsText = line.slice(0, comma);
    const valueText = line.slice(comma + 1);
    const value = Number(valueText);
    let score = 0;
    if (Number.isFinite(value)) {
      const r = update(state, { timestampMs: parseTimestamp(tsText), value }, config);
      state = r.state;
      // An anomaly counts once, as the Lambda's alert episode does: repeats within the short
      // memory that are no stronger than the onset report 0 (src/detector/onset.ts).
      score = onsetScore(onsets, r.scored.score, config.shortPoints);
    }
    out.push(`${tsText},${valueText},${score}`);
    rows++;
  }
  return { csv: `${out.join('\n')}\n`, rows };
}

function main(): void {
  const { values } = parseArgs({
    options: {
      data: { type: 'string' },
      out: { type: 'string' },
      config: { type: 'string' },
    },
  });
  if (!values.data || !values.out) {
    console.error('usage: pnpm detect --data DIR --out DIR');
    process.exit(2);
  }
  // The Lambda's configuration (DETECTOR_WARMUP_POINTS honoured the same way).
  const base = detectorConfigFromEnv();
  const config: DetectorConfig = values.config
    ? { ...base, ...(JSON.parse(values.config) as Partial<DetectorConfig>) }
    : base;
  const started = process.hrtime.bigint();
  let total = 0;
  const files = csvFiles(values.data);
  for (const f of files) {
    const { csv, rows } = detectFile(f, config);
    const target = join(values.out, relative(values.data, f));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, csv);
    total += rows;
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  console.log(`${files.length} files, ${total} points in ${ms.toFixed(0)} ms`);
}

main();
