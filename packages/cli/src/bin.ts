#!/usr/bin/env node
import { main } from './main.js';

/** How long the process may linger once the command is done. */
const LINGER_MS = 1_000;

// No top-level await: this file is also the entry of the CommonJS bundle
// (scripts/bundle-cli.mjs).
void main(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
}).then((code) => {
  process.exitCode = code;
  // The command is done: whatever it abandoned (a startup cut short by a
  // signal, a lab that would not close) must not keep the process alive.
  setTimeout(() => process.exit(code), LINGER_MS).unref();
});
