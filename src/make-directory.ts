/**
 * `mkdir -p` that always ends. Node's `mkdir(dir, { recursive: true })` never returns for a path
 * under /proc (or another filesystem where mkdir says ENOENT although the parent exists): it
 * retries the parent forever, and `sqlite2pg sync --reports /proc/x` spun at full CPU. Here each
 * missing level is created once, parents first, and the first error is the caller's to explain.
 */
import { mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

export async function makeDirectory(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let p = resolve(dir); ; ) {
    try {
      const s = await stat(p);
      if (!s.isDirectory()) throw Object.assign(new Error(`ENOTDIR: ${p} is not a directory`), { code: 'ENOTDIR', path: p });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      missing.push(p);
      const up = dirname(p);
      if (up === p) break;
      p = up;
    }
  }
  for (const d of missing.reverse()) {
    try {
      await mkdir(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}
