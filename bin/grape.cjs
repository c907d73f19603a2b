#!/usr/bin/env node
// Grape's launcher (the package.json "bin"; bin/grape.js loads it too). It runs dist/grape.cjs,
// the one-file build of Grape that `npm ci` makes (the `prepare` script, scripts/build-grape.ts),
// so a command starts without compiling TypeScript. Both are CommonJS: an ES module would start
// Node's ES module loader first, ~6 ms of every command. dist/grape.inputs.json lists what the
// bundle was built from; when the bundle is missing (`npm ci --ignore-scripts`) or any of those
// files changed since (an edit, a checkout), this says so in one line on stderr and runs the
// sources through tsx instead. GRAPE_DEBUG=1 turns source maps on: stack traces name the
// TypeScript files.
'use strict';
const { readFileSync, statSync } = require('node:fs');
const { join } = require('node:path');
const module_ = require('node:module');

const root = join(__dirname, '..');

/** 'fresh', or why the bundle cannot be trusted: the stat check first, content hashes only for files whose stat moved. */
function bundleState() {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(root, 'dist', 'grape.inputs.json'), 'utf8'));
    statSync(join(root, 'dist', 'grape.cjs'));
  } catch {
    return 'Grape is not built';
  }
  if (manifest.format !== 2 || !Array.isArray(manifest.inputs)) return 'Grape was built by another version of the build script';
  for (const input of manifest.inputs) {
    const file = join(root, input.path);
    let st;
    try {
      st = statSync(file);
    } catch {
      return `${input.path} is gone since Grape was built`;
    }
    if (st.size === input.size && st.mtimeMs === input.mtimeMs) continue;
    const sha256 = require('node:crypto').createHash('sha256').update(readFileSync(file)).digest('hex');
    if (sha256 !== input.sha256) return `${input.path} changed since Grape was built`;
  }
  return 'fresh';
}

if (process.env.GRAPE_DEBUG) process.setSourceMapsEnabled(true);
// Node ≥ 22.1 keeps V8's compiled code between runs (in the OS temp directory); older ones skip it.
module_.enableCompileCache?.();
// Node 20's V8 (11.x) optimises undici's HTTP parser, a WebAssembly module, with TurboFan as soon as
// it is used, and the process waits for that before it exits: ~100 ms of every command that talks
// to the server, for a few small answers the baseline compiler (Liftoff) parses just as well. The
// flag is set when that module is first compiled, not before: changing V8's flags earlier would
// also turn away Node's code cache for every built-in module loaded after it (~7 ms of CPU).
// Node 22 and 24 (V8 12, 13) do not stall, and keep their defaults.
if (Number(process.versions.v8.split('.')[0]) < 12) {
  const { Module } = WebAssembly;
  const firstCompile = function (...args) {
    require('node:v8').setFlagsFromString('--liftoff-only');
    WebAssembly.Module = Module;
    return new Module(...args);
  };
  Object.setPrototypeOf(firstCompile, Module); // its static methods
  firstCompile.prototype = Module.prototype; // and instanceof
  WebAssembly.Module = firstCompile;
}

const state = bundleState();
if (state === 'fresh') {
  require('../dist/grape.cjs');
} else {
  process.stderr.write(`grape: ${state}; running it from source (slower) — npm run build rebuilds it\n`);
  import('tsx/esm/api').then(({ register }) => {
    register();
    return import('./grape.ts');
  });
}
