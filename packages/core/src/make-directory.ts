import { mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/**
 * `mkdir -p`: makes a folder and every missing folder above it, one at a
 * time; a folder that exists already is fine. Node 20's own
 * `mkdir(path, { recursive: true })` never settles where the system answers a
 * mkdir with ENOENT though the parent exists (under /proc: `--tls-dir
 * /proc/x/tls` hung `hma-lab up` for good); here that ENOENT is the error.
 *
 * @throws the system's error (its `code`: ENOENT, EACCES, ENOTDIR, ...) for a
 *   folder that cannot be made, or a path that passes through a file.
 */
export async function makeDirectory(path: string, mode = 0o777): Promise<void> {
  const missing: string[] = [];
  for (let at = resolve(path); ; at = dirname(at)) {
    const found = await stat(at).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (found) {
      if (!found.isDirectory()) {
        throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${path}'`), {
          code: 'ENOTDIR',
          path: at,
        });
      }
      break;
    }
    missing.push(at);
    if (dirname(at) === at) break;
  }
  for (const folder of missing.reverse()) {
    await mkdir(folder, { mode }).catch((error: NodeJS.ErrnoException) => {
      // Made meanwhile by someone else: as good.
      if (error.code !== 'EEXIST') throw error;
    });
  }
}
