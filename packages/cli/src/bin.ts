#!/usr/bin/env node
import { main } from './main.js';

// No top-level await: this file is also the entry of the CommonJS bundle
// (scripts/bundle-cli.mjs).
void main(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
}).then((code) => {
  process.exitCode = code;
});
