#!/usr/bin/env node
// `node bin/grape.js` as the README and the tests call it: the launcher is bin/grape.cjs (the
// package.json "bin", CommonJS so that a command does not start Node's ES module loader first).
import './grape.cjs';
