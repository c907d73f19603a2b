#!/usr/bin/env node
// Grape's launcher (the package.json "bin"). It runs dist/grape.js, the one-file build of Grape
// that `npm ci` makes (the `prepare` script, scripts/build-grape.ts), so a command starts without
// compiling TypeScript. dist/grape.inputs.json lists what the bundle was built from; when the
// bundle is missing (`npm ci --ignore-scripts`) or any of those files changed since (an edit, a
// checkout), this says so in one line on stderr and runs the sources through tsx instead.
// GRAPE_DEBUG=1 turns source maps on, so stack traces name the TypeScript files.
import { readFileSync, statSync } from 'node:fs';
import module from 'node:module';

const root = new URL('../', import.meta.url);

/** 'fresh', or why the bundle cannot be trusted: the stat check first, content hashes only for files whose stat moved. */
async function bundleState() {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(new URL('dist/grape.inputs.json', root), 'utf8'));
    statSync(new URL('dist/grape.js', root));
  } catch {
    return 'Grape is not built';
  }
  if (manifest.format !== 1 || !Array.isArray(manifest.inputs)) return 'Grape was built by another version of the build script';
  let createHash;
  for (const input of manifest.inputs) {
    const file = new URL(input.path, root);
    let st;
    try {
      st = statSync(file);
    } catch {
      return `${input.path} is gone since Grape was built`;
    }
    if (st.size === input.size && st.mtimeMs === input.mtimeMs) continue;
    createHash ??= (await import('node:crypto')).createHash;
    if (createHash('sha256').update(readFileSync(file)).digest('hex') !== input.sha256) return `${input.path} changed since Grape was built`;
  }
  return 'fresh';
}

if (process.env.GRAPE_DEBUG) process.setSourceMapsEnabled(true);
// Node 20's V8 (11.x) optimises undici's HTTP parser, a WebAssembly module, with TurboFan as soon as
// it is used, and the process waits for that before it exits: ~100 ms of every command that talks
// to the server, for a few small answers the baseline compiler (Liftoff) parses just as well. The
// flag is set when that module is first compiled, not before: changing V8's flags earlier would
// also turn away Node's code cache for every built-in module loaded after it (~7 ms of CPU).
// Node 22 and 24 (V8 12, 13) do not stall, and keep their defaults.
if (Number(process.versions.v8.split('.')[0]) < 12) {
  const { Module } = WebAssembly;
  const firstCompile = function (...args) {
    module.createRequire(import.meta.url)('node:v8').setFlagsFromString('--liftoff-only');
    WebAssembly.Module = Module;
    return new Module(...args);
  };
  Object.setPrototypeOf(firstCompile, Module); // its static methods
  firstCompile.prototype = Module.prototype; // and instanceof
  WebAssembly.Module = firstCompile;
}
// Node ≥ 22.1 keeps V8's compiled code between runs (in the OS temp directory); older ones skip it.
module.enableCompileCache?.();

const state = await bundleState();
if (state === 'fresh') {
  await import('../dist/grape.js');
} else {
  process.stderr.write(`grape: ${state}; running it from source (slower) — npm run build rebuilds it\n`);
  const { register } = await import('tsx/esm/api');
  register();
  await import('./grape.ts');
}
