import t from 'tap';
import { vineActions, currentPlan, type JobSummary } from '../../src/domain/vines/actions.js';
import type { VineStatus } from '../../src/domain/vines/status.js';

const job = (type: JobSummary['type'], status: JobSummary['status'], config_version = 1, cancel = false): JobSummary => ({ id: `${type}-${status}`, type, status, config_version, cancel_requested_at: cancel ? new Date() : null });
const allowed = (status: VineStatus, jobs: JobSummary[] = [], config_version = 1) =>
  vineActions({ status, config_version, jobs }).filter((a) => a.allowed).map((a) => a.name).sort();

t.test('which actions each vine status allows', async (t) => {
  t.same(allowed('DRAFT'), ['delete', 'edit', 'harvest', 'plan']);
  t.same(allowed('ACTIVE'), ['destroy', 'edit', 'harvest', 'plan']);
  t.same(allowed('FAILED'), ['destroy', 'edit', 'plan', 'retry'], 'a FAILED vine is retried, not harvested');
  t.same(allowed('DESTROYED'), ['delete', 'edit', 'harvest', 'plan']);
  t.same(allowed('QUEUED', [job('DEPLOY', 'QUEUED')]), ['cancel']);
  t.same(allowed('PROVISIONING', [job('DEPLOY', 'PROCESSING')]), ['cancel']);
  t.same(allowed('DESTROYING', [job('DESTROY', 'CLAIMED', 1, true)]), [], 'nothing while a cancel is on its way');
  t.same(allowed('ACTIVE', [job('PLAN', 'PROCESSING')]), ['cancel', 'edit'], 'a running plan holds off other jobs');
});

t.test('reasons for what is not allowed', async (t) => {
  const byName = (status: VineStatus, jobs: JobSummary[] = []) => Object.fromEntries(vineActions({ status, config_version: 1, jobs }).map((a) => [a.name, a.reason]));
  t.equal(byName('DRAFT').destroy, 'nothing to destroy: the vine was never harvested');
  t.equal(byName('DESTROYED').destroy, 'already destroyed');
  t.equal(byName('QUEUED', [job('DEPLOY', 'QUEUED')]).harvest, 'a DEPLOY job is QUEUED: wait for it or cancel it');
  t.match(byName('ACTIVE').delete, /destroy it first/);
  t.equal(byName('ACTIVE').harvest_plan, 'no successful plan of the current configuration: run Plan first');
  t.equal(byName('ACTIVE').cancel, 'no job is queued or running');
});

t.test('Harvest this plan: only a successful plan of the current configuration', async (t) => {
  t.equal(currentPlan({ status: 'ACTIVE', config_version: 2, jobs: [job('PLAN', 'SUCCESS', 2)] })?.id, 'PLAN-SUCCESS');
  t.equal(currentPlan({ status: 'ACTIVE', config_version: 3, jobs: [job('PLAN', 'SUCCESS', 2)] }), undefined, 'stale');
  t.equal(currentPlan({ status: 'ACTIVE', config_version: 2, jobs: [job('PLAN', 'FAILED', 2)] }), undefined, 'failed');
  t.ok(allowed('DRAFT', [job('PLAN', 'SUCCESS')]).includes('harvest_plan'));
});
