// Builds the shipped `hma-lab` command: every workspace package and the
// runtime dependencies the command loads at start, as one CommonJS file
// (packages/cli/dist/hma-lab.bundle.cjs), loaded by packages/cli/bin/hma-lab.cjs
// through a V8 code cache. Why: docs/decisions/0002-bundled-cli.md.
//
//   node scripts/bundle-cli.mjs [--out <dir>] [--no-warm]
//
// Dependencies only some commands need stay outside (EXTERNAL) and load from
// node_modules when used. `import.meta.url` in the sources is rewritten to the
// source file's own URL, computed at run time from the bundle's directory, so
// files found beside a module (keys, the trainer UI) are found as before.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_OUT_DIR = join(ROOT, 'packages/cli/dist');
export const BUNDLE_FILE = 'hma-lab.bundle.cjs';
export const LOADER = join(ROOT, 'packages/cli/bin/hma-lab.cjs');

/** Loaded on demand only: TLS (undici, node-forge), nock mode, YAML scenarios, test tooling. */
const EXTERNAL = ['undici', 'node-forge', 'nock', 'yaml', 'playwright-core', 'esbuild'];

/** Modules replaced inside the bundle by a file of scripts/bundle-shims/ (see each file for why). */
const SHIMS = ['depd'];

function shimPlugin() {
  return {
    name: 'shims',
    setup(build) {
      const filter = new RegExp(`^(${SHIMS.join('|')})$`);
      build.onResolve({ filter }, (args) => ({
        path: join(ROOT, 'scripts/bundle-shims', `${args.path}.cjs`),
      }));
    },
  };
}

/**
 * mime-types builds its extension maps from all of mime-db when it is loaded
 * (~15 ms at start). Express needs only `charset()` and `contentType()` of full
 * types to answer, so inside the bundle each copy of mime-types is wrapped: a
 * charset table taken from that copy's mime-db at build time answers those,
 * and the real module loads on the first lookup by file extension. The
 * answers are the real module's (the same regular expressions and table).
 */
function lazyMimeTypesPlugin() {
  return {
    name: 'lazy-mime-types',
    setup(build) {
      build.onResolve({ filter: /^mime-types$/ }, async (args) => {
        if (args.pluginData?.real) return undefined;
        const real = await build.resolve('mime-types', {
          kind: args.kind,
          resolveDir: args.resolveDir,
          pluginData: { real: true },
        });
        return { path: real.path, namespace: 'lazy-mime-types' };
      });
      build.onLoad({ filter: /.*/, namespace: 'lazy-mime-types' }, (args) => {
        const require = createRequire(args.path);
        const db = require(require.resolve('mime-db'));
        const charsets = Object.fromEntries(
          Object.entries(db)
            .filter(([, entry]) => entry.charset)
            .map(([type, entry]) => [type, entry.charset]),
        );
        return {
          resolveDir: dirname(args.path),
          loader: 'js',
          contents: `'use strict';
const CHARSETS = ${JSON.stringify(charsets)};
const EXTRACT_TYPE = /^\\s*([^;\\s]*)(?:;|\\s|$)/;
let real;
const full = () => (real ??= require(${JSON.stringify(args.path)}));
function charset(type) {
  if (!type || typeof type !== 'string') return false;
  const match = EXTRACT_TYPE.exec(type);
  if (!match) return false;
  const known = CHARSETS[match[1].toLowerCase()];
  if (known) return known;
  return /^text\\//i.test(match[1]) ? 'UTF-8' : false;
}
function contentType(str) {
  if (!str || typeof str !== 'string') return false;
  let mime = str.indexOf('/') === -1 ? full().lookup(str) : str;
  if (!mime) return false;
  if (mime.indexOf('charset') === -1) {
    const found = charset(mime);
    if (found) mime += '; charset=' + found.toLowerCase();
  }
  return mime;
}
module.exports = {
  charset,
  charsets: { lookup: charset },
  contentType,
  extension: (type) => full().extension(type),
  lookup: (path) => full().lookup(path),
  get extensions() { return full().extensions; },
  get types() { return full().types; },
};
`,
        };
      });
    },
  };
}

/** Rewrites `import.meta.url` in workspace sources to the file's URL relative to the bundle. */
function importMetaUrlPlugin(outDir) {
  return {
    name: 'import-meta-url',
    setup(build) {
      build.onLoad({ filter: /[/\\]packages[/\\][^/\\]+[/\\]src[/\\].*\.ts$/ }, (args) => {
        const source = readFileSync(args.path, 'utf8');
        if (!source.includes('import.meta.url')) return undefined;
        const rel = relative(outDir, args.path).split('\\').join('/');
        return {
          contents: source.replaceAll(
            'import.meta.url',
            `__hmaLabSourceUrl(${JSON.stringify(rel)})`,
          ),
          loader: 'ts',
        };
      });
    },
  };
}

export async function bundleCli({ outDir = DEFAULT_OUT_DIR } = {}) {
  const esbuild = await import('esbuild');
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, BUNDLE_FILE);
  await esbuild.build({
    entryPoints: [join(ROOT, 'packages/cli/src/bin.ts')],
    bundle: true,
    minify: !process.env.HMA_LAB_BUNDLE_NO_MINIFY,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    conditions: ['source'],
    // import() of an external becomes a require(): the loader's vm.Script has no ES module loader.
    supported: { 'dynamic-import': false },
    external: EXTERNAL,
    outfile,
    logLevel: 'error',
    legalComments: 'none',
    banner: {
      js: "const __hmaLabSourceUrl = (rel) => require('node:url').pathToFileURL(require('node:path').join(__dirname, rel)).href;",
    },
    plugins: [importMetaUrlPlugin(outDir), shimPlugin(), lazyMimeTypesPlugin()],
  });
  rmSync(`${outfile}.cache`, { force: true });
  return outfile;
}

/**
 * Writes the code cache once at build time: starts `hma-lab up` through the
 * loader (which saves the cache when the process ends), waits for its ready
 * line and stops it. Ports are free ones; the state file goes to a temp dir.
 */
export async function warmCodeCache({ outDir = DEFAULT_OUT_DIR } = {}) {
  const home = mkdtempSync(join(tmpdir(), 'hma-lab-warm-'));
  const child = spawn(
    process.execPath,
    [LOADER, 'up', '--http', '--front-door-port', '0', '--admin-port', '0'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, HMA_LAB_HOME: home, HMA_LAB_BUNDLE: join(outDir, BUNDLE_FILE) },
    },
  );
  let errors = '';
  child.stderr.on('data', (chunk) => (errors += chunk));
  const exited = new Promise((resolve) => child.on('exit', resolve));
  await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('\n')) resolve();
    });
    void exited.then((code) => reject(new Error(`hma-lab up exited (${code}): ${errors}`)));
  });
  child.kill('SIGTERM');
  await exited;
  rmSync(home, { recursive: true, force: true });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const outArg = args.indexOf('--out');
  const outDir = outArg >= 0 ? resolve(args[outArg + 1]) : DEFAULT_OUT_DIR;
  await bundleCli({ outDir });
  if (!args.includes('--no-warm')) await warmCodeCache({ outDir });
}
