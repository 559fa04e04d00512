import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeDirectory } from '../src/make-directory.js';

describe('makeDirectory', () => {
  const root = mkdtempSync(join(tmpdir(), 'hma-lab-mkdir-'));

  it('makes every missing folder, with the mode asked, and takes folders that exist', async () => {
    const deep = join(root, 'a', 'b', 'c');
    await makeDirectory(deep, 0o700);
    expect(statSync(deep).isDirectory()).toBe(true);
    expect(statSync(join(root, 'a')).mode & 0o777).toBe(0o700);
    await expect(makeDirectory(deep)).resolves.toBeUndefined();
    // Several at once over the same new folders: each settles.
    const many = [1, 2, 3].map((n) => makeDirectory(join(root, 'x', 'y', String(n))));
    await expect(Promise.all(many)).resolves.toHaveLength(3);
  });

  it('refuses a path through a file (ENOTDIR) or a file in its place', async () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'x');
    await expect(makeDirectory(join(file, 'below'))).rejects.toMatchObject({ code: 'ENOTDIR' });
    await expect(makeDirectory(file)).rejects.toMatchObject({ code: 'ENOTDIR' });
  });

  (process.platform === 'linux' ? it : it.skip)(
    'fails where the system makes no folder (under /proc), where a recursive mkdir never settles',
    async () => {
      await expect(makeDirectory('/proc/hma-lab-nope/tls')).rejects.toMatchObject({
        code: 'ENOENT',
      });
    },
  );
});
