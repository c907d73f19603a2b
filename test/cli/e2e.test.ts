/**
 * The real grape binary against a real Trellis with an in-process Tendril and real Terraform on
 * the sandbox target: login → vineyard → plant every kind → plan → harvest that plan → show →
 * a failing harvest → destroy; --json parses; logs --follow reproduces the stored log exactly.
 */
import t from 'tap';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestTendril } from '../tendril/harness.js';
import { fullSpec, PASSWORD } from '../api/helpers.js';
import { grape, startServer } from './helpers.js';

t.test('grape end to end', { timeout: 290_000 }, async (t) => {
  // Trellis seals secrets and the Tendril opens them: one key for both.
  const key = { VINTNER_SECRET_KEY: Buffer.alloc(32, 7).toString('base64') };
  const server = await startServer(t, key);
  await startTestTendril(t, server.db, key);
  const home = t.testdir({});
  const env = { XDG_CONFIG_HOME: join(home, 'config'), HOME: home };
  const email = 'ada@example.com';
  const signup = await server.app.inject({ method: 'POST', url: '/api/v1/signup', payload: { email, password: PASSWORD } });
  t.equal(signup.statusCode, 201, 'an account to log in to');

  const bad = await grape(['login', '--url', server.url, '--email', email], env, 'wrong password here\n');
  t.equal(bad.code, 3, 'a wrong password: exit 3');
  t.match(bad.stderr, /wrong email or password/);
  t.notMatch(bad.stderr, /\n\s+at /, 'no stack trace');

  const login = await grape(['login', '--url', server.url, '--email', email], env, `${PASSWORD}\n`);
  t.equal(login.code, 0, `login: exit 0 ${login.stderr}`);
  const configFile = join(home, 'config', 'vintner', 'grape.json');
  t.equal(statSync(configFile).mode & 0o777, 0o600, 'the config file is mode 0600');
  t.match(login.stdout, /Logged in to .* as ada@example.com/);

  const who = await grape(['whoami', '--json'], env);
  t.equal(JSON.parse(who.stdout).user.email, email, 'whoami --json parses');

  t.equal((await grape(['vineyards', 'create', 'acme'], env)).code, 0, 'vineyard created');
  const specFile = join(home, 'vine.json');
  writeFileSync(specFile, JSON.stringify(fullSpec('shop')));
  const planted = await grape(['plant', '-f', specFile, '--vineyard', 'acme'], env);
  t.equal(planted.code, 0, `plant: exit 0 ${planted.stderr}`);
  t.match(planted.stdout, /Planted acme\/shop \(development\): DRAFT, 11 components/);
  t.match(planted.stdout, /\+ databases\/main/, 'prints what it creates');
  const again = await grape(['plant', '-f', specFile, '--vineyard', 'acme'], env);
  t.match(again.stdout, /no changes/, 'planting the same spec again changes nothing');

  const plan = await grape(['plan', 'acme/shop', '--wait'], env);
  t.equal(plan.code, 0, `plan --wait: exit 0 ${plan.stderr.slice(-500)}`);
  t.match(plan.stdout, /Plan: \d+ to add/, 'the plan’s log streamed to stdout');
  const planId = /PLAN job ([0-9a-f-]{36}) queued/.exec(plan.stderr)?.[1];
  t.ok(planId, 'the plan job is named');

  const harvest = await grape(['harvest', 'acme/shop', '--plan', planId!, '--wait'], env);
  t.equal(harvest.code, 0, `harvest --plan --wait: exit 0 ${harvest.stderr.slice(-500)}`);
  t.match(harvest.stderr, /DEPLOY job [0-9a-f-]{36} SUCCESS/, 'says it succeeded');
  const deployId = /DEPLOY job ([0-9a-f-]{36}) queued/.exec(harvest.stderr)![1]!;

  const shown = JSON.parse((await grape(['show', 'acme/shop', '--json'], env)).stdout);
  t.equal(shown.vine.status, 'ACTIVE', 'show --json: the vine ACTIVE');
  t.equal(shown.components.length, 11, 'every component');
  t.ok(shown.components.every((c: { status: string }) => c.status === 'ACTIVE'), 'all ACTIVE');
  t.ok(shown.components.every((c: { outputs: object }) => Object.keys(c.outputs).length > 0), 'all with outputs');
  const human = await grape(['show', 'acme/shop'], env);
  t.match(human.stdout, /acme\/shop \(development\)\s+ACTIVE/, 'show for people');
  t.match(human.stdout, /^KIND\s+NAME\s+STATUS\s+OUTPUTS$/m, 'a table header');
  t.notMatch(human.stdout, /\u001b\[/, 'no colour codes when piped');

  const stored: string[] = await server.db.knex('provision_job_logs').where({ job_id: deployId }).orderBy('seq').pluck('line');
  const followed = await grape(['logs', deployId, '--follow'], env);
  t.equal(followed.code, 0, 'logs --follow of a successful job: exit 0');
  t.equal(followed.stdout, stored.map((l) => `${l}\n`).join(''), 'logs --follow reproduces the stored log exactly');
  t.equal((await grape(['logs', deployId], env)).stdout, followed.stdout, 'and so does logs without --follow');
  const ndjson = (await grape(['logs', deployId, '--json'], env)).stdout.trim().split('\n').map((l) => JSON.parse(l));
  t.equal(ndjson.length, stored.length, 'logs --json: one object per line');

  writeFileSync(specFile, JSON.stringify(fullSpec('shop', { options: { fail_components: ['databases/main'] } })));
  const changed = await grape(['plant', '-f', specFile, '--vineyard', 'acme'], env);
  t.match(changed.stdout, /~ vine options/, 'plant prints what changes');
  const failing = await grape(['harvest', 'acme/shop', '--wait'], env);
  t.equal(failing.code, 1, 'a failing harvest exits 1');
  t.match(failing.stderr, /DEPLOY job [0-9a-f-]{36} FAILED.*databases\/main/, 'and says which component failed');
  const afterFail = JSON.parse((await grape(['show', 'acme/shop', '--json'], env)).stdout);
  t.equal(afterFail.vine.status, 'FAILED', 'the vine FAILED');

  const jobs = JSON.parse((await grape(['jobs', 'acme/shop', '--json'], env)).stdout);
  t.same(jobs.map((j: { type: string; status: string }) => `${j.type}:${j.status}`), ['DEPLOY:FAILED', 'DEPLOY:SUCCESS', 'PLAN:SUCCESS'], 'jobs --json, newest first');

  const destroy = await grape(['destroy', 'acme/shop', '--wait'], env);
  t.equal(destroy.code, 0, `destroy --wait: exit 0 ${destroy.stderr.slice(-500)}`);
  const gone = JSON.parse((await grape(['show', 'acme/shop', '--json'], env)).stdout);
  t.equal(gone.vine.status, 'DESTROYED', 'the vine DESTROYED');
  t.ok(gone.components.every((c: { status: string }) => c.status === 'DESTROYED'), 'every component DESTROYED');

  for (const args of [['vineyards'], ['vines'], ['vines', '--vineyard', 'acme'], ['identities'], ['tendrils']]) {
    const r = await grape([...args, '--json'], env);
    t.equal(r.code, 0, `${args.join(' ')} --json: exit 0`);
    t.ok(Array.isArray(JSON.parse(r.stdout)), `${args.join(' ')} --json parses`);
  }
  const tendrils = JSON.parse((await grape(['tendrils', '--json'], env)).stdout);
  t.equal(tendrils[0].status, 'RUNNING', 'the in-process Tendril is listed');

  const missing = await grape(['show', 'acme/nope'], env);
  t.equal(missing.code, 4, 'a missing vine: exit 4');
  t.match(missing.stderr, /not found: vine "nope" not found in vineyard "acme"/, 'says what was not found');
  const invalid = await grape(['vineyards', 'create', 'a/b'], env);
  t.equal(invalid.code, 2, 'a refused name: exit 2');
  t.match(invalid.stderr, /name: must not contain "\/"/, 'names the field');

  const logout = await grape(['logout'], env);
  t.equal(logout.code, 0);
  t.match(logout.stdout, /the token is revoked/);
  const after = await grape(['vines'], env);
  t.equal(after.code, 3, 'logged out: exit 3');
  t.match(after.stderr, /not logged in: run grape login/);
  const revoked = await grape(['vines'], { ...env, VINTNER_URL: server.url, VINTNER_TOKEN: JSON.parse(who.stdout).token.prefix + 'x'.repeat(35) });
  t.equal(revoked.code, 3, 'a refused token: exit 3');
  t.match(revoked.stderr, /refused \(expired or revoked\): run grape login/);
});
