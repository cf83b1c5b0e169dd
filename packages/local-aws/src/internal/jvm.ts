import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { StandInStartError } from '../errors.js';

/**
 * The home folder of a JVM stand-in assembled from Maven Central by its `assemble.sh` (in
 * `sources`), built if missing or out of date with its inputs (the script does nothing when it
 * is current). `envVar`, when set, names an assembled home to use as it is.
 */
export async function assembledHome(options: {
  readonly service: string;
  readonly label: string;
  readonly sources: string;
  readonly envVar: string;
  readonly env: NodeJS.ProcessEnv;
}): Promise<string> {
  const { service, label, sources, envVar, env } = options;
  const given = env[envVar];
  if (given) {
    if (!existsSync(join(given, '.assembled'))) {
      throw new StandInStartError(
        service,
        `${envVar}=${given} is not an assembled ${label} home (no .assembled)`,
      );
    }
    return given;
  }
  const script = join(sources, 'assemble.sh');
  try {
    const { stdout } = await promisify(execFile)('bash', [script], { maxBuffer: 1 << 20 });
    return stdout.trim().split('\n').at(-1) as string;
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? '').trim();
    throw new StandInStartError(
      service,
      `cannot assemble the ${label} (${script}): ${stderr || String(error)}`,
      { cause: error },
    );
  }
}

/** Resident set size of a process, in bytes (Linux; undefined elsewhere or once it is gone). */
export function rssOf(pid: number): number | undefined {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}
