// Child process of the peak-memory measurement: loads one bench file, reads the workload data
// the parent serialised (as the Lambda runtime parses the invocation payload), runs one suite a
// few times as a warm container would, and prints its peak RSS as JSON on stdout.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { suitesOf } from './runner.js';

const [file, workload, name, dataFile, runsArg] = process.argv.slice(2);

/**
 * Peak RSS in KiB. On Linux, VmHWM of /proc/self/status: the high-water mark of this process
 * image. `process.resourceUsage().maxRSS` would be wrong here: Linux keeps ru_maxrss across
 * exec, so a child forked from the (large) bench process starts with the parent's peak.
 */
const kib = (): number => {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match) return Number(match[1]);
  } catch {
    // Not Linux: fall back to the portable figure.
  }
  return process.resourceUsage().maxRSS;
};

const module = (await import(pathToFileURL(file as string).href)) as Record<string, unknown>;
const suite = suitesOf(module).find((s) => s.workload.name === workload && s.name === name);
if (!suite) {
  process.stdout.write(JSON.stringify({ error: `suite ${name} not found in ${file}` }));
  process.exit(1);
}
const afterLoadKiB = kib();
const data: unknown = JSON.parse(readFileSync(dataFile as string, 'utf8'));
const withEventKiB = kib();
const state = suite.setup ? await suite.setup(data) : undefined;
for (let i = 0; i < Number(runsArg ?? 3); i++) await suite.run(data, state);
process.stdout.write(JSON.stringify({ afterLoadKiB, withEventKiB, peakKiB: kib() }));
