/** Config trees written under os.tmpdir() for the loader tests. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A temporary directory holding `files` (path -> JSON value, or raw text when a string); `remove()` deletes it. */
export class TempTree {
  readonly dir = mkdtempSync(join(tmpdir(), 'segvit-config-'));

  constructor(files: Record<string, unknown>) {
    for (const [path, content] of Object.entries(files)) this.write(path, content);
  }

  write(path: string, content: unknown): void {
    const file = this.path(path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }

  path(relative: string): string {
    return join(this.dir, relative);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
