import { readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ProducerConfigError } from '../errors.js';

/**
 * Compiles a file pattern: wildcards (`*`, `?`, `[abc]`) in the file name only, as Kinesis Agent
 * documents for `filePattern`; the directory part is literal.
 */
export function compileFilePattern(pattern: string): { dir: string; re: RegExp } {
  const dir = dirname(pattern);
  if (/[*?[]/.test(dir)) {
    throw new ProducerConfigError(`wildcards are supported in the file name only: ${pattern}`);
  }
  const name = basename(pattern);
  let src = '^';
  for (const ch of name) {
    if (ch === '*') src += '[^/]*';
    else if (ch === '?') src += '[^/]';
    else if (ch === '[' || ch === ']') src += ch;
    else src += ch.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return { dir, re: new RegExp(`${src}$`) };
}

/** Paths in the pattern's directory whose name matches (none if the directory does not exist). */
export async function matchFiles(compiled: { dir: string; re: RegExp }): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(compiled.dir);
  } catch {
    return [];
  }
  return names.filter((n) => compiled.re.test(n)).map((n) => join(compiled.dir, n));
}
