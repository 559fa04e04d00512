#!/usr/bin/env node
// The `hma-lab` command as installed. Runs the one-file bundle
// (dist/hma-lab.bundle.cjs, from scripts/bundle-cli.mjs) compiled with V8's
// code cache (dist/hma-lab.bundle.cjs.cache), which skips parsing and
// compiling at start; Node 20 has no compile cache of its own. Without a
// bundle (only `tsc -b` ran) it runs the ES module build instead.
// Why and what it saves: docs/decisions/0002-bundled-cli.md.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

// Signing runs on libuv's thread pool (RS256 off the event loop). More
// signing threads than cores take CPU from the event loop answering requests:
// on 2 cores, 2 threads instead of the default 4 answered ~8 % more token
// requests with a lower p99 (docs/benchmarks.md). Set before the pool starts;
// a value the user set wins.
if (!process.env.UV_THREADPOOL_SIZE) {
  const cores = require('node:os').availableParallelism();
  if (cores < 4) process.env.UV_THREADPOOL_SIZE = String(Math.max(2, cores));
}

const bundle =
  process.env.HMA_LAB_BUNDLE || path.join(__dirname, '..', 'dist', 'hma-lab.bundle.cjs');

function run() {
  let source;
  try {
    source = fs.readFileSync(bundle, 'utf8');
  } catch {
    return false;
  }
  const cacheFile = `${bundle}.cache`;
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    // First run: compiled from source, cache written at exit.
  }
  // The wrapper CommonJS gives a module; a shebang line becomes a comment.
  const body = source.startsWith('#!') ? `//${source}` : source;
  const script = new vm.Script(
    `(function (exports, require, module, __filename, __dirname) {${body}\n})`,
    {
      filename: bundle,
      cachedData,
      importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    },
  );
  if (!cachedData || script.cachedDataRejected) {
    // Saved once the command ends, so it holds every function start-up compiled.
    process.once('exit', () => {
      try {
        fs.writeFileSync(cacheFile, script.createCachedData());
      } catch {
        // A read-only install runs without a cache.
      }
    });
  }
  const mod = { exports: {} };
  // Modules left outside the bundle resolve from this package, wherever the bundle is.
  const bundleRequire = require('node:module').createRequire(__filename);
  script.runInThisContext()(mod.exports, bundleRequire, mod, bundle, path.dirname(bundle));
  return true;
}

if (!run()) import('../dist/bin.js');
