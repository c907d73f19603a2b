/**
 * grape state: the history table, show (addresses and output names, no value), restore (asks; --yes
 * does not), --json, and every refusal as one line with its exit code — the real binary against a
 * listening Trellis.
 */
import t, { type Test } from 'tap';
import { randomUUID } from 'node:crypto';
import { fullSpec, signupWithToken } from '../api/helpers.js';
import { grape, startServer, type Run } from './helpers.js';
import { CANARY, docAddresses, stateDoc, writeVersions } from '../state/helpers.js';

const oneLine = (t: Test, r: Run, code: number, pattern: RegExp | string, what: string) => {
  t.equal(r.code, code, `${what}: exit ${code}`);
  t.equal(r.stderr.trim().split('\n').length, 1, `${what}: one line (${r.stderr.trim()})`);
  t.match(r.stderr, pattern, `${what}: says why`);
  t.equal(r.stdout, '', `${what}: nothing on stdout`);
};

t.test('grape state, state show, state restore', { timeout: 180_000 }, async (t) => {
  const server = await startServer(t);
  const ada = await signupWithToken(server.app);
  const env = { VINTNER_URL: server.url, VINTNER_TOKEN: ada.token, HOME: t.testdir({}), NO_COLOR: '1' };
  const vy = (await ada.req('POST', '/api/v1/vineyards', { name: 'acme' })).json();
  const vine = (await ada.req('POST', `/api/v1/vineyards/${vy.id}/vines`, fullSpec())).json().vine;
  const g = (args: string[], input = '') => grape(args, env, input);

  let r = await g(['state', 'acme/shop']);
  t.equal(r.code, 0, 'no state yet: exit 0');
  t.equal(r.stdout, 'No state yet: grape harvest acme/shop writes the first.\n', 'says how to get one');

  const lineage = randomUUID();
  const jobId = await writeVersions(server.app, vine.id, [
    stateDoc({ serial: 1, lineage, databases: ['main'] }),
    stateDoc({ serial: 2, lineage, databases: ['main', 'reports'] }),
    stateDoc({ serial: 3, lineage, databases: ['main', 'reports', 'audit'] }),
  ]);
  r = await g(['state', 'acme/shop']);
  t.equal(r.code, 0, 'the history: exit 0');
  const lines = r.stdout.trimEnd().split('\n');
  t.match(lines[0], /^VERSION\s+SERIAL\s+WRITTEN\s+RESOURCES\s+BY\s+NOTE$/, 'a table');
  t.same(lines.slice(1).map((l) => l.split(/\s+/)[0]), ['3', '2', '1'], 'newest first');
  t.match(lines[1], new RegExp(`^3\\s+3\\s+\\d+ s ago\\s+${docAddresses(['a', 'b', 'c']).length}\\s+DEPLOY ${jobId}\\s+current$`), 'serial, when, resources, the job, current');
  t.equal((await g(['state', 'acme/shop', '--limit', '2'])).stdout.trimEnd().split('\n').length, 3, '--limit 2: two versions');
  const json = JSON.parse((await g(['state', 'acme/shop', '--json'])).stdout);
  t.same(json.map((v: { version: number }) => v.version), [3, 2, 1], '--json: the versions');
  t.match(json[0], { version: 3, serial: 3, lineage, current: true, origin: 'job', job_id: jobId });

  r = await g(['state', 'show', 'acme/shop', '2']);
  t.equal(r.code, 0, 'show: exit 0');
  t.match(r.stdout, `State version 2 of acme/shop (development)\n  serial 2 · lineage ${lineage}`, 'what it is');
  t.match(r.stdout, `Resources (${docAddresses(['main', 'reports']).length}):\n${docAddresses(['main', 'reports']).map((a) => `  ${a}`).join('\n')}\nOutputs (1):\n  databases\n`, 'its addresses and output names');
  t.notOk(r.stdout.includes(CANARY), 'never a value');
  t.same(JSON.parse((await g(['state', 'show', 'acme/shop', '#2', '--json'])).stdout).resource_addresses, docAddresses(['main', 'reports']), '--json, and #2 as people write it');

  // Restore: asks first.
  r = await g(['state', 'restore', 'acme/shop', '1'], 'n\n');
  t.equal(r.code, 1, 'answered no: exit 1');
  t.same(r.stderr.trimEnd().split('\n').slice(1), ['grape state: nothing restored'], 'the question, then one line');
  r = await g(['state', 'restore', 'acme/shop', '1']);
  t.equal(r.code, 2, 'no answer on stdin: exit 2');
  t.match(r.stderr, 'Restore version 1 of acme/shop (development) (serial 1', 'it asked');
  t.match(r.stderr, 'nothing restored: no answer on stdin (pass --yes to restore without asking)', 'and says how not to be asked');
  t.equal((await server.db.knex('terraform_states').where({ vine_id: vine.id })).length, 3, 'nothing restored so far');
  r = await g(['state', 'restore', 'acme/shop', '1'], 'y\n');
  t.equal(r.code, 0, `answered yes: exit 0 ${r.stderr}`);
  t.equal(r.stdout, 'Restored version 1 of acme/shop (development) as version 4 (serial 4).\nOnly Terraform’s record changed, not the cloud: run grape plan acme/shop to see what a harvest would change.\n', 'what happened and what to do next');
  const made = JSON.parse((await g(['state', 'restore', 'acme/shop', '2', '--yes', '--json'])).stdout);
  t.match(made, { version: 5, restored_from: 2, serial: 5, current: true, origin: 'restore' }, '--yes --json: the new version, without asking');
  t.match((await g(['state', 'acme/shop'])).stdout, /\n5\s+5\s+.*restored from 2\s+current\n/, 'listed as restored');

  // Refusals: one line, an exit code.
  oneLine(t, await g(['state', 'restore', 'acme/shop', '5', '--yes']), 1, 'version 5 is the current state already', 'restoring the current version');
  oneLine(t, await g(['state', 'show', 'acme/shop', '9']), 4, 'not found: state version 9 not found', 'a version that is not there');
  oneLine(t, await g(['state', 'restore', 'acme/shop', '9', '--yes']), 4, 'not found: state version 9 not found', 'restoring one that is not there');
  oneLine(t, await g(['state', 'nope/shop']), 4, 'not found', 'a vineyard that is not there');
  const plan = (await ada.req('POST', `/api/v1/vines/${vine.id}/jobs`, { type: 'PLAN' })).json();
  oneLine(t, await g(['state', 'restore', 'acme/shop', '1', '--yes']), 1, `a PLAN job of this vine is QUEUED (job ${plan.id}): restore once it has ended, or cancel it`, 'a job queued');
  r = await g(['state', 'show', 'acme/shop', 'latest']);
  t.equal(r.code, 2, 'not a version number: exit 2');
  t.match(r.stderr, '"latest" is not a version number');
  r = await g(['state']);
  t.equal(r.code, 2, 'no vine: exit 2');
  t.match(r.stderr, /grape state: grape state VINEYARD\/VINE\nUsage: grape state/, 'with the usage');
  t.equal((await g(['state', 'show', 'acme/shop'])).code, 2, 'show without a version: exit 2');
  const bob = await signupWithToken(server.app);
  oneLine(t, await grape(['state', 'acme/shop'], { ...env, VINTNER_TOKEN: bob.token }), 4, 'not found', 'another user’s vine');
  t.equal((await server.db.knex('terraform_states').where({ vine_id: vine.id })).length, 5, 'the refusals restored nothing');
});
