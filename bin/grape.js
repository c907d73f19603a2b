#!/usr/bin/env node
// The package.json "bin" for Grape: loads tsx's ESM hooks in this process, then runs the
// TypeScript entry point, so `npx grape` needs no build step and Ctrl-C reaches Grape directly.
import { register } from 'tsx/esm/api';

register();
await import('./grape.ts');
