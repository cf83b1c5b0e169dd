import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

/** One file's committed position. */
export interface FileCheckpoint {
  flow: string;
  path: string;
  dev: number;
  ino: number;
  /** SHA-256 (hex) of the first `fingerprintBytes` bytes. */
  fingerprint: string;
  fingerprintBytes: number;
  /** Bytes acknowledged by the sink: everything before this offset is delivered. */
  offset: number;
  updatedAt: string;
}

export interface CheckpointFileContent {
  version: 1;
  files: FileCheckpoint[];
}

/**
 * Durable checkpoints: the whole state is rewritten to a temporary file, fsynced, then renamed
 * over the old one (rename is atomic on POSIX), so a crash leaves either the old or the new state,
 * never a torn file.
 */
export class CheckpointStore {
  private state = new Map<string, FileCheckpoint>();
  private writing: Promise<void> = Promise.resolve();

  constructor(readonly file: string) {}

  static keyOf(c: { flow: string; dev: number; ino: number }): string {
    return `${c.flow}|${c.dev}:${c.ino}`;
  }

  async load(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch {
      return;
    }
    const parsed = JSON.parse(text) as CheckpointFileContent;
    for (const f of parsed.files ?? []) this.state.set(CheckpointStore.keyOf(f), f);
  }

  all(): FileCheckpoint[] {
    return [...this.state.values()];
  }

  get(flow: string, dev: number, ino: number): FileCheckpoint | undefined {
    return this.state.get(CheckpointStore.keyOf({ flow, dev, ino }));
  }

  set(c: FileCheckpoint): void {
    this.state.set(CheckpointStore.keyOf(c), c);
  }

  delete(flow: string, dev: number, ino: number): void {
    this.state.delete(CheckpointStore.keyOf({ flow, dev, ino }));
  }

  /** Writes the current state durably (serialised: concurrent saves run one after the other). */
  save(): Promise<void> {
    const content: CheckpointFileContent = { version: 1, files: this.all() };
    this.writing = this.writing.then(async () => {
      await mkdir(dirname(this.file), { recursive: true });
      const tmp = `${this.file}.tmp`;
      const fh = await open(tmp, 'w');
      try {
        await fh.writeFile(`${JSON.stringify(content)}\n`);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, this.file);
    });
    return this.writing;
  }
}
