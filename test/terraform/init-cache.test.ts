/** `terraform init` once per module for a Tendril's jobs: real binary, pg backend, terraform/local. */
import t from 'tap';
import { componentOutputs } from '../../src/runner/handlers.js';
import { appendFileSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInitCache, createTerraformRun, MODULES_DIR } from '../../src/terraform/index.js';
import { initKey, needsInit } from '../../src/terraform/init-cache.js';
import { freshDatabase } from '../helpers.js';
import { localVars, recorder, runOptions, testState } from './helpers.js';

const cacheRoot = (t: Parameters<typeof runOptions>[0]) => {
  const dir = mkdtempSync(join(tmpdir(), 'vintner-init-cache-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
};

t.test('the second run of a module reuses the first one\'s init, and applies for real', async (t) => {
  const db = await freshDatabase(t);
  const cacheDir = cacheRoot(t);
  const cache = createInitCache(cacheDir);
  const first = recorder();
  const stA = await testState(t, db);
  const stB = await testState(t, db);
  const a = createTerraformRun({ ...runOptions(t, { state: stA, vars: localVars(), rec: first }), initCache: cache });
  await a.prepare();
  await a.init();
  t.match(first.text(), /\$ terraform init /, 'the first run inits');
  await a.apply();
  const kept = (dir: string): string => readdirSync(dir, { withFileTypes: true, recursive: true }).filter((e) => e.isFile()).map((e) => readFileSync(join(e.parentPath, e.name), 'latin1')).join('\n');
  t.notMatch(kept(cacheDir), stA.backend.password, 'what is kept holds no credential (the backend is configured by the environment)');
  t.notMatch(kept(cacheDir), stA.backend.address, 'nor the state’s address');

  const second = recorder();
  const b = createTerraformRun({ ...runOptions(t, { state: stB, vars: localVars(), rec: second }), initCache: cache });
  await b.prepare();
  const started = Date.now();
  await b.init();
  t.ok(Date.now() - started < 1000, 'reusing takes no Terraform run');
  t.notMatch(second.text(), /\$ terraform init /, 'the second does not');
  t.match(second.text(), /terraform init: reusing this Tendril's init of local/, 'and says so in the log');
  const { outputs } = await b.apply();
  t.ok(Object.keys(componentOutputs(outputs)).length > 10, 'its apply worked, outputs and all');
  t.ok((await stA.read()).resources.length > 0 && (await stB.read()).resources.length > 0, 'each run in its own vine’s state');
  await b.destroy();
  cache.clear();
});

t.test('a cached init Terraform refuses is redone, and the command runs again', async (t) => {
  const db = await freshDatabase(t);
  const root = cacheRoot(t);
  const cache = createInitCache(root);
  const a = createTerraformRun({ ...runOptions(t, { state: await testState(t, db), vars: localVars(), rec: recorder() }), initCache: cache });
  await a.prepare();
  await a.init();
  // Spoil the kept init: Terraform now sees a backend configuration that is not the module's.
  const [entry] = readdirSync(root).filter((n) => !n.startsWith('staging'));
  writeFileSync(join(root, entry!, '.terraform', 'terraform.tfstate'), JSON.stringify({ version: 3, serial: 1, lineage: 'x', backend: { type: 'local', config: { path: null, workspace_dir: null }, hash: 1 } }));
  const rec = recorder();
  const b = createTerraformRun({ ...runOptions(t, { state: await testState(t, db), vars: localVars(), rec }), initCache: cache });
  await b.prepare();
  await b.init();
  const { summary } = await b.plan();
  t.ok(summary.add > 0, 'the plan worked');
  t.match(rec.text(), /Terraform asked for init after all/, 'after an init for real');
  t.match(rec.text(), /\$ terraform init /);
  t.equal(readdirSync(root).filter((n) => !n.startsWith('staging')).length, 0, 'the spoilt entry was forgotten');
});

t.test('the key follows the module, the backend and the binary', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vintner-module-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(join(MODULES_DIR, 'local'), dir, { recursive: true });
  const k = initKey(dir, 'http', 'terraform');
  t.equal(initKey(dir, 'http', 'terraform'), k, 'stable');
  t.not(initKey(dir, 'other', 'terraform'), k, 'another backend');
  t.not(initKey(dir, 'http', '/nonexistent/terraform'), k, 'another binary');
  appendFileSync(join(dir, 'main.tf'), '\n# changed\n');
  t.not(initKey(dir, 'http', 'terraform'), k, 'a changed module file');
  t.ok(needsInit('Error: Backend initialization required, please run "terraform init"'));
  t.notOk(needsInit('Error: creating database: quota exceeded'));
});
