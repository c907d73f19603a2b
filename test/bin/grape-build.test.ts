/**
 * Grape ships as one built file (dist/grape.cjs, made by `npm ci` through `prepare`): the launcher
 * bin/grape.cjs (the package's bin; bin/grape.js loads it) runs it only while it matches its
 * sources, says so and runs the sources through tsx otherwise, and GRAPE_DEBUG maps stack traces
 * back to the TypeScript. Everything here happens in a copy of the repository's Grape files, so
 * the real dist/ that other tests use is never touched.
 */
import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

function copyOfGrape(t: Test): string {
  const dir = t.testdir({});
  for (const p of ['bin', 'src', 'scripts', 'package.json', 'tsconfig.json']) cpSync(join(root, p), join(dir, p), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

const build = (dir: string) => spawnSync(process.execPath, ['--import', 'tsx', 'scripts/build-grape.ts'], { cwd: dir, encoding: 'utf8' });

function grape(dir: string, args: string[], env: Record<string, string> = {}, launcher = 'grape.cjs') {
  const clean = { ...process.env };
  for (const k of ['GRAPE_DEBUG', 'VINTNER_URL', 'VINTNER_TOKEN']) delete clean[k];
  // tap's process tracking puts itself (and source maps) into children's NODE_OPTIONS: `env -u` keeps it out.
  return spawnSync('env', ['-u', 'NODE_OPTIONS', process.execPath, join(dir, 'bin', launcher), ...args], { cwd: dir, encoding: 'utf8', env: { ...clean, ...env } });
}

/** Marks the built file (after its #! line) so a run shows whether the bundle, not tsx, answered. */
function markBundle(dir: string): void {
  const file = join(dir, 'dist', 'grape.cjs');
  const [first, ...rest] = readFileSync(file, 'utf8').split('\n');
  writeFileSync(file, [first, "process.stderr.write('[bundle]\\n');", ...rest].join('\n'));
}

t.test('the launcher runs the bundle while it matches its sources, the sources otherwise', { timeout: 120_000 }, async (t) => {
  const dir = copyOfGrape(t);
  rmSync(join(dir, 'dist'), { recursive: true, force: true });

  let r = grape(dir, ['--version']);
  t.equal(r.status, 0, 'not built: still works');
  t.equal(r.stdout, 'grape 0.1.0\n', 'and answers');
  t.equal(r.stderr, 'grape: Grape is not built; running it from source (slower) — npm run build rebuilds it\n', 'with a one-line notice');

  const b = build(dir);
  t.equal(b.status, 0, `the build succeeds ${b.stderr}`);
  t.match(b.stdout, /^grape: built dist\/grape\.cjs from \d+ files in \d+ ms\n$/, 'and says what it built');
  markBundle(dir);
  r = grape(dir, ['--version']);
  t.equal(r.stdout, 'grape 0.1.0\n', 'built: answers');
  t.equal(r.stderr, '[bundle]\n', 'from the bundle, with no notice');
  r = grape(dir, ['--version'], {}, 'grape.js');
  t.same([r.stdout, r.stderr], ['grape 0.1.0\n', '[bundle]\n'], 'and so does node bin/grape.js');

  const main = join(dir, 'src', 'cli', 'main.ts');
  utimesSync(main, new Date(), new Date(Date.now() + 5_000));
  r = grape(dir, ['--version']);
  t.equal(r.stderr, '[bundle]\n', 'a source touched but unchanged (a checkout) keeps the bundle');

  appendFileSync(main, '\n// an edit\n');
  r = grape(dir, ['--version']);
  t.equal(r.stdout, 'grape 0.1.0\n', 'a source edited since the build: still answers');
  t.equal(r.stderr, 'grape: src/cli/main.ts changed since Grape was built; running it from source (slower) — npm run build rebuilds it\n', 'from source, saying why');

  rmSync(join(dir, 'scripts', 'grape', 'undici-slim.cjs'));
  r = grape(dir, ['--version']);
  t.match(r.stderr, /^grape: scripts\/grape\/undici-slim\.cjs is gone since Grape was built;/, 'an input removed is noticed too');
});

t.test('GRAPE_DEBUG maps a stack trace back to the TypeScript source', { timeout: 120_000 }, async (t) => {
  const dir = copyOfGrape(t);
  const entry = join(dir, 'bin', 'grape.ts');
  writeFileSync(entry, readFileSync(entry, 'utf8').replace("import { main } from '../src/cli/main.js';", "import { main } from '../src/cli/main.js';\nif (process.env.GRAPE_TEST_THROW) throw new Error('boom');"));
  t.equal(build(dir).status, 0, 'built');

  const plain = grape(dir, ['--version'], { GRAPE_TEST_THROW: '1' });
  t.not(plain.status, 0, 'the error ends the process');
  t.match(plain.stderr, /dist\/grape\.cjs:\d+/, 'without GRAPE_DEBUG the trace names the bundle');

  const debug = grape(dir, ['--version'], { GRAPE_TEST_THROW: '1', GRAPE_DEBUG: '1' });
  t.match(debug.stderr, /Error: boom/, 'with GRAPE_DEBUG the error');
  t.match(debug.stderr, /bin\/grape\.ts:4:\d+/, 'is traced to its line in bin/grape.ts');
});

t.test('the bundle leaves out what Grape does not use of undici', async (t) => {
  const manifest = JSON.parse(readFileSync(join(root, 'dist', 'grape.inputs.json'), 'utf8')) as { inputs: Array<{ path: string }> };
  const paths = manifest.inputs.map((i) => i.path);
  t.ok(paths.includes('bin/grape.ts') && paths.includes('src/cli/main.ts'), 'the repository bundle lists its sources');
  t.notOk(paths.some((p) => p.startsWith('node_modules/') && !p.endsWith('/package.json')), 'dependencies are listed by their package.json');
  const bundle = readFileSync(join(root, 'dist', 'grape.cjs'), 'utf8');
  t.notMatch(bundle, /node_modules\/undici\/lib\/web\/fetch\/index\.js/, 'no fetch implementation in the bundle');
  t.notMatch(bundle, /node_modules\/undici\/lib\/mock\//, 'no mocks in the bundle');
});
