/**
 * Infracost is an optional external binary: these tests stand a small script in for it (the
 * Terraform plan itself is real) to check how Vintner calls it and how it falls back.
 */
import t from 'tap';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { Test } from 'tap';
import { join } from 'node:path';
import { freshDatabase } from '../helpers.js';
import { seedVine } from '../fixtures.js';
import { createJobService } from '../../src/domain/jobs/service.js';
import { jobLog, startTestTendril, waitForJob } from './harness.js';

/** In a folder of its own: t.testdir() is recreated by every call (testConfig makes one too). */
function script(t: Test, body: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'vintner-infracost-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'infracost');
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

t.test('PLAN uses Infracost when its binary and key are configured', { timeout: 120_000 }, async (t) => {
  const bin = script(
    t,
    `[ "$1" = breakdown ] && [ "$INFRACOST_API_KEY" = ico-test-key ] && [ -s "$3" ] || { echo "bad call: $* key=$INFRACOST_API_KEY" >&2; exit 3; }
grep -q resource_changes "$3" || { echo "not a plan" >&2; exit 4; }
echo '{"currency":"USD","totalMonthlyCost":"12.34","projects":[{"breakdown":{"resources":[{"name":"terraform_data.databases","monthlyCost":"12.34"}]}}]}'`,
  );
  const db = await freshDatabase(t);
  await startTestTendril(t, db, { INFRACOST_BIN: bin, INFRACOST_API_KEY: 'ico-test-key' });
  const v = await seedVine(db.knex, { allKinds: true });
  const job = await createJobService(db.knex).create({ userId: v.userId, type: 'PLAN', vineId: v.vineId });
  const done = await waitForJob(db.knex, job.id);
  t.equal(done.status, 'SUCCESS');
  t.equal(done.result?.cost.source, 'infracost', 'the cost comes from Infracost');
  t.equal(done.result?.cost.total, 12.34);
  t.notMatch(await jobLog(db.knex, job.id), /ico-test-key/, 'the API key is not logged');
});

t.test('a failing Infracost falls back to the labelled estimate', { timeout: 120_000 }, async (t) => {
  const bin = script(t, 'echo "boom" >&2; exit 1');
  const db = await freshDatabase(t);
  await startTestTendril(t, db, { INFRACOST_BIN: bin, INFRACOST_API_KEY: 'k' });
  const v = await seedVine(db.knex, { allKinds: true });
  const job = await createJobService(db.knex).create({ userId: v.userId, type: 'PLAN', vineId: v.vineId });
  const done = await waitForJob(db.knex, job.id);
  t.equal(done.status, 'SUCCESS', 'the plan still succeeds');
  t.equal(done.result?.cost.source, 'estimate');
  t.match(await jobLog(db.knex, job.id), /Infracost failed .*showing the built-in estimate/, 'and says why');
});
