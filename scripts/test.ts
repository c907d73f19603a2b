/**
 * `npm test`: type-check, build Grape (the tests in test/cli run the real binary, which must not
 * run a bundle older than its sources), make sure Chromium is there, give the suite a PostgreSQL
 * (DATABASE_URL when set, otherwise an embedded one started here and removed afterwards), build
 * the migrated template database once, then run node-tap. Extra arguments go to tap (e.g. a test
 * file).
 */
import { spawnSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../src/db/embedded.js';
import { releaseEmbeddedPostgresSignalHooks } from '../src/db/shutdown-hooks.js';
import { ensureTemplate } from '../test/helpers.js';
import { buildGrape } from './build-grape.js';

const args = process.argv.slice(2);
const step = (msg: string) => process.stdout.write(`\n▸ ${msg}\n`);

function run(cmd: string, cmdArgs: string[]): void {
  const r = spawnSync(cmd, cmdArgs, { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

if (process.env.SKIP_TYPECHECK !== '1') {
  step('type-check (tsc --noEmit, strict)');
  run('npx', ['tsc', '--noEmit', '-p', '.']);
}
step('build Grape (dist/grape.cjs)');
await buildGrape();
step('chromium for the browser tests');
run('bash', ['scripts/ensure-chromium.sh']);

let embedded: EmbeddedDatabase | undefined;
let dir: string | undefined;
if (!process.env.DATABASE_URL) {
  step('embedded PostgreSQL for the tests');
  dir = mkdtempSync(join(tmpdir(), 'vintner-test-'));
  embedded = await startEmbeddedPostgres({
    dataDir: dir,
    persistent: false,
    settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' },
  });
  releaseEmbeddedPostgresSignalHooks();
  process.env.DATABASE_URL = embedded.url;
}
const cleanup = async () => {
  await embedded?.stop().catch(() => {});
  if (dir) rmSync(dir, { recursive: true, force: true });
};
process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));
process.on('SIGTERM', () => void cleanup().then(() => process.exit(143)));

let code = 1;
try {
  await ensureTemplate();
  step('node-tap');
  let tail = '';
  code = await new Promise<number>((resolve) => {
    const child = spawn('npx', ['tap', ...args], { stdio: ['inherit', 'pipe', 'inherit'], env: process.env });
    child.stdout.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      tail = (tail + chunk.toString()).slice(-4000);
    });
    child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0)));
  });
  // tap closes with "# { total: N, pass: N, fail: N, … }"; restate it as the plain closing line.
  const summary = /# \{ total: (\d+)(?:, pass: (\d+))?(?:, fail: (\d+))?(?:, skip: (\d+))?/.exec(tail);
  if (summary) {
    const [, , pass = '0', fail = '0', skip] = summary;
    const failed = code !== 0 && fail === '0' ? '1' : fail;
    process.stdout.write(`\n${pass} passed, ${failed} failed${skip ? `, ${skip} skipped` : ''}\n`);
  }
} finally {
  await cleanup();
}
process.exit(code);
