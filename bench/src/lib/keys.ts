import { createPrivateKey } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The peers and the floor server load a key generated earlier, as hma-lab
 * does (generating RSA keys at start costs 100-400 ms, performance-notes.md):
 * the same RSA 2048 key material as hma-lab's first Entra signing key, written
 * once as a private JWK.
 */
export function writeBenchJwk(repoRoot: string, tmpDir: string): string {
  const pem = readFileSync(join(repoRoot, 'packages/core/keys/entra-1.key.pem'), 'utf8');
  const jwk = createPrivateKey(pem).export({ format: 'jwk' }) as Record<string, unknown>;
  const dir = join(tmpDir, 'keys');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'rs256.private.jwk.json');
  writeFileSync(path, JSON.stringify({ ...jwk, kid: 'bench-rs256-1', alg: 'RS256', use: 'sig' }));
  return path;
}
