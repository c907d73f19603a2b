#!/usr/bin/env -S npx tsx
/** Grape: the command-line client of Vintner's JSON API (src/cli/). */
import { main } from '../src/cli/main.js';

// No top-level await: this file is also bundled as CommonJS (dist/grape.cjs, scripts/build-grape.ts).
void main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env }).then((code) => {
  // Let stdout drain (it may be a pipe), then leave even if a keep-alive socket or stdin lingers.
  process.stdout.write('', () => process.exit(code));
});
