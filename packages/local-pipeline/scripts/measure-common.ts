// Shared pieces of the measure-*.ts scripts: argument parsing, CPU time of a process, and the
// record body every script sends (telemetry-like, 320–600 bytes, as the pipeline's events).
import { readFileSync } from 'node:fs';

/** A numeric `--name value` argument of the command line, or `fallback`. */
export const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};

/** utime + stime of a process, seconds (from /proc: CPU time moves far less with load than wall time). */
export function cpuOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** CPU time of this process so far, seconds. */
export const selfCpu = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/** The JSON text of record `i`: a telemetry-like CloudEvent of 320–600 bytes. */
export const recordBody = (i: number): string =>
  JSON.stringify({
    specversion: '1.0',
    id: `evt-${i}`,
    source: 'measure',
    type: 'telemetry.reading',
    time: new Date(1_764_000_000_000 + i).toISOString(),
    data: { metric: 'cpu.util', value: i % 100, dimensions: { host: `h${i % 50}` } },
    pad: 'x'.repeat(150 + (i % 280)),
  });
