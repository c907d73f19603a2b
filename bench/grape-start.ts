/**
 * How long a Grape command takes, start to exit, against a running Trellis: `node -e 0` (the floor
 * on this machine), `grape --version`, `grape whoami` and `grape vines`, each run BENCH_RUNS times
 * (interleaved, after a warm-up) through the package's bin (bin/grape.cjs, what `npx grape` and an
 * installed `grape` run). Target: whoami and vines
 * ≤ 150 ms wall median and ≤ 2× `node -e 0` measured in the same run. For comparison, `whoami`
 * is also run from source through tsx (what every command cost before Grape was built).
 *
 * Trellis runs as its own process (bin/trellis.ts, no Tendril) on a fresh database, with a user
 * logged in through `grape login`, a vineyard and a few vines.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchDatabase, median, percentile, writeResult } from './lib.js';
import { buildGrape } from '../scripts/build-grape.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 40);
const SOURCE_RUNS = Number(process.env.BENCH_SOURCE_RUNS ?? 10);
const TARGET = { max_median_ms: 150, max_ratio_to_node: 2 };
const root = fileURLToPath(new URL('../', import.meta.url));
const GRAPE = join(root, (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: { grape: string } }).bin.grape);

await buildGrape();
const db = await benchDatabase('grape_start');
const home = mkdtempSync(join(tmpdir(), 'vintner-bench-grape-'));
const clean = { ...process.env };
for (const k of ['VINTNER_URL', 'VINTNER_TOKEN', 'GRAPE_DEBUG', 'NODE_OPTIONS', 'FORCE_COLOR']) delete clean[k];
const grapeEnv = { ...clean, HOME: home, XDG_CONFIG_HOME: join(home, 'config'), NO_COLOR: '1' };

const trellis = spawn(process.execPath, ['--import', 'tsx', join(root, 'bin', 'trellis.ts')], {
  cwd: root,
  env: { ...clean, DATABASE_URL: db.url, PORT: '0', HOST: '127.0.0.1', TENDRIL_IN_PROCESS: 'false', LOG_LEVEL: 'warn', LOG_FORMAT: 'json', VINTNER_DATA_DIR: join(home, 'data') },
  stdio: ['ignore', 'pipe', 'pipe'],
});
let output = '';
trellis.stdout.on('data', (d: Buffer) => (output += d.toString()));
trellis.stderr.on('data', (d: Buffer) => (output += d.toString()));
const exited = new Promise<void>((resolve) => trellis.on('exit', () => resolve()));

try {
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const m = /Vintner is running at (http:\/\/\S+?)\/?\s/.exec(output);
      if (m) {
        clearInterval(timer);
        resolve(m[1]!);
      } else if (trellis.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`Trellis exited: ${output}`));
      }
    }, 50);
  });

  const email = 'bench@example.com';
  const password = 'benchmark password';
  const api = async (method: string, path: string, body?: unknown, token?: string) => {
    const res = await fetch(`${url}/api/v1${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<Record<string, unknown>>;
  };
  await api('POST', '/signup', { email, password });
  const login = spawnSync(process.execPath, [GRAPE, 'login', '--url', url, '--email', email, '--name', 'bench'], { env: { ...grapeEnv, VINTNER_PASSWORD: password }, encoding: 'utf8' });
  if (login.status !== 0) throw new Error(`grape login failed: ${login.stderr}`);
  const { token } = await api('POST', '/tokens', { email, password, name: 'bench-setup' });
  const vineyard = await api('POST', '/vineyards', { name: 'acme' }, token as string);
  for (const name of ['shop', 'blog', 'api', 'search']) {
    await api('POST', `/vineyards/${vineyard.id as string}/vines`, { name, stage: 'development', identity: 'sandbox', network: {}, databases: [{ name: 'main' }], queues: [{ name: 'orders' }] }, token as string);
  }

  const commands: Array<{ name: string; args: string[] }> = [
    { name: 'node -e 0', args: ['-e', '0'] },
    { name: 'grape --version', args: [GRAPE, '--version'] },
    { name: 'grape whoami', args: [GRAPE, 'whoami'] },
    { name: 'grape vines', args: [GRAPE, 'vines'] },
  ];
  const timeOnce = (args: string[]) => {
    const started = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { env: grapeEnv, encoding: 'utf8' });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (r.status !== 0 || r.stderr !== '') throw new Error(`${args.join(' ')}: exit ${r.status} ${r.stderr}`);
    return { ms, stdout: r.stdout };
  };
  const whoami = timeOnce([GRAPE, 'whoami']).stdout;
  const vines = timeOnce([GRAPE, 'vines']).stdout;
  if (!whoami.includes(email) || vines.trim().split('\n').length < 5) throw new Error(`unexpected answers:\n${whoami}\n${vines}`);

  for (const c of commands) for (let i = 0; i < 3; i++) timeOnce(c.args); // warm-up: the OS file cache
  const loadBefore = loadavg()[0]!;
  const times = new Map(commands.map((c) => [c.name, [] as number[]]));
  // Interleaved, so a noisy moment on the machine lands on every command alike.
  for (let i = 0; i < RUNS; i++) for (const c of commands) times.get(c.name)!.push(timeOnce(c.args).ms);
  const fromSource: number[] = [];
  for (let i = 0; i < SOURCE_RUNS; i++) fromSource.push(timeOnce(['--import', 'tsx', join(root, 'bin', 'grape.ts'), 'whoami']).ms);

  const round = (n: number) => Math.round(n * 10) / 10;
  const nodeMedian = median(times.get('node -e 0')!);
  const figures: Record<string, { median_ms: number; p90_ms: number; ratio_to_node: number }> = {};
  for (const [name, values] of times) {
    figures[name] = { median_ms: round(median(values)), p90_ms: round(percentile(values, 90)), ratio_to_node: Math.round((median(values) / nodeMedian) * 100) / 100 };
  }
  const meets = ['grape whoami', 'grape vines'].every((n) => figures[n]!.median_ms <= TARGET.max_median_ms && figures[n]!.ratio_to_node <= TARGET.max_ratio_to_node);
  writeResult('grape-start', {
    runs: RUNS,
    commands: figures,
    whoami_from_source_tsx: { runs: SOURCE_RUNS, median_ms: round(median(fromSource)), p90_ms: round(percentile(fromSource, 90)) },
    load_average_before: round(loadBefore),
    target: TARGET,
    meets_target: meets,
  });
} finally {
  trellis.kill('SIGTERM');
  await exited;
  await db.close();
  rmSync(home, { recursive: true, force: true });
}
