import t from 'tap';
import { vineActions, currentPlan, planRefusal, type JobSummary } from '../../src/domain/vines/actions.js';
import type { VineStatus } from '../../src/domain/vines/status.js';

const job = (type: JobSummary['type'], status: JobSummary['status'], config_version = 1, cancel = false, started = status !== 'QUEUED' && status !== 'CANCELLED'): JobSummary => ({
  id: `${type}-${status}`, type, status, config_version, cancel_requested_at: cancel ? new Date() : null, processing_at: started ? new Date() : null,
});
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
  t.equal(byName('ACTIVE').harvest_plan, 'no plan of the current configuration and state: run Plan first');
  t.equal(byName('ACTIVE').cancel, 'no job is queued or running');
});

t.test('Harvest this plan: only a successful plan of the current configuration and state', async (t) => {
  t.equal(currentPlan({ config_version: 2, jobs: [job('PLAN', 'SUCCESS', 2)] })?.id, 'PLAN-SUCCESS');
  t.equal(currentPlan({ config_version: 3, jobs: [job('PLAN', 'SUCCESS', 2)] }), undefined, 'the configuration changed since');
  t.equal(currentPlan({ config_version: 2, jobs: [job('PLAN', 'FAILED', 2)] }), undefined, 'a failed plan');
  t.equal(currentPlan({ config_version: 2, jobs: [job('DESTROY', 'SUCCESS', 2), job('PLAN', 'SUCCESS', 2)] }), undefined, 'a destroy changed the state since');
  t.equal(currentPlan({ config_version: 2, jobs: [job('DEPLOY', 'FAILED', 2), job('PLAN', 'SUCCESS', 2)] }), undefined, 'so did a failed harvest');
  t.equal(currentPlan({ config_version: 2, jobs: [job('DEPLOY', 'CANCELLED', 2), job('PLAN', 'SUCCESS', 2)] })?.id, 'PLAN-SUCCESS', 'a harvest cancelled before it started did not');
  t.ok(allowed('DRAFT', [job('PLAN', 'SUCCESS')]).includes('harvest_plan'));
  const stale = job('PLAN', 'SUCCESS', 1);
  t.equal(planRefusal(stale, { status: 'ACTIVE', config_version: 2, jobs: [stale] }), 'the configuration changed since this plan: run a new plan');
  t.equal(planRefusal(stale, { status: 'DESTROYED', config_version: 1, jobs: [job('DESTROY', 'SUCCESS'), stale] }), 'a newer plan, harvest or destroy came after this plan: run a new plan');
  t.equal(planRefusal(stale, { status: 'QUEUED', config_version: 1, jobs: [job('DEPLOY', 'QUEUED'), stale] }), 'a DEPLOY job is QUEUED: wait for it or cancel it');
  t.equal(planRefusal(stale, { status: 'DRAFT', config_version: 1, jobs: [stale] }), undefined, 'the current plan can be harvested');
});
