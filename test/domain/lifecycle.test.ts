import t, { type Test } from 'tap';
import { readFileSync } from 'node:fs';
import { vineLifecycle, VINE_TRANSITIONS, VineStatus } from '../../src/domain/vines/status.js';
import { componentLifecycle, COMPONENT_TRANSITIONS, ComponentStatus } from '../../src/domain/components/status.js';
import { jobLifecycle, JOB_TRANSITIONS, JobStatus, JOB_TYPES } from '../../src/domain/jobs/status.js';
import { InvalidTransitionError } from '../../src/domain/errors.js';
import type { Lifecycle } from '../../src/domain/lifecycle.js';

const seed = readFileSync(new URL('../../docs/domain-seed.txt', import.meta.url), 'utf8');

/** The status names of one of the seed's "Status|Meaning" tables, after the given heading. */
function seedStatuses(heading: string, header = 'StatusMeaning'): string[] {
  const from = seed.indexOf(heading);
  const start = seed.indexOf(header, from) + header.length;
  const rows: string[] = [];
  for (const line of seed.slice(start).split('\n').map((l) => l.trim())) {
    if (!line) continue;
    const m = /^([A-Z][A-Z_]*[A-Z])(?=[A-Z][a-z ])/.exec(line);
    if (!m) break;
    rows.push(m[1]!);
  }
  return rows;
}

/** Every ordered pair: each allowed one must pass the guard, every other one must be refused. */
function checkAllPairs<S extends string>(t: Test, lc: Lifecycle<S>, table: Record<S, readonly S[]>) {
  let allowed = 0;
  let refused = 0;
  for (const from of lc.statuses) {
    for (const to of lc.statuses) {
      const ok = (table[from] as readonly string[]).includes(to);
      if (ok) {
        t.doesNotThrow(() => lc.assert(from, to), `${lc.name} ${from} → ${to} is allowed`);
        t.ok(lc.allowedFrom(to).includes(from), `${from} is among the statuses that may move to ${to}`);
        allowed++;
      } else {
        t.throws(() => lc.assert(from, to), InvalidTransitionError, `${lc.name} ${from} → ${to} is refused`);
        t.notOk(lc.allowedFrom(to).includes(from));
        refused++;
      }
    }
  }
  t.equal(allowed + refused, lc.statuses.length ** 2, 'every pair was checked');
  t.ok(allowed > 0 && refused > 0);
}

t.test('the seed\'s status lists are matched exactly', async (t) => {
  t.same(seedStatuses('Vine Lifecycle'), Object.values(VineStatus), 'vine statuses');
  t.same(seedStatuses('Component Status'), Object.values(ComponentStatus), 'component statuses');
  t.same(seedStatuses('Job Lifecycle'), Object.values(JobStatus), 'job statuses');
  t.same(seedStatuses('Job Types', 'TypePurpose'), JOB_TYPES, 'job types');
});

t.test('the seed\'s drawn paths are allowed', async (t) => {
  for (const [a, b] of [['DRAFT', 'QUEUED'], ['QUEUED', 'PROVISIONING'], ['PROVISIONING', 'ACTIVE'], ['DESTROYING', 'DESTROYED'], ['PROVISIONING', 'FAILED']] as const) {
    t.ok(vineLifecycle.can(a, b), `vine ${a} → ${b}`);
  }
  for (const [a, b] of [['QUEUED', 'CLAIMED'], ['CLAIMED', 'PROCESSING'], ['PROCESSING', 'SUCCESS'], ['PROCESSING', 'FAILED'], ['PROCESSING', 'CANCELLED']] as const) {
    t.ok(jobLifecycle.can(a, b), `job ${a} → ${b}`);
  }
  t.ok(componentLifecycle.can('ACTIVE', 'UPDATING') && componentLifecycle.can('UPDATING', 'ACTIVE'), 'component update path');
});

t.test('vine transitions: every pair', async (t) => checkAllPairs(t, vineLifecycle, VINE_TRANSITIONS));
t.test('component transitions: every pair', async (t) => checkAllPairs(t, componentLifecycle, COMPONENT_TRANSITIONS));
t.test('job transitions: every pair', async (t) => checkAllPairs(t, jobLifecycle, JOB_TRANSITIONS));

t.test('terminal job statuses go nowhere', async (t) => {
  for (const s of ['SUCCESS', 'FAILED', 'CANCELLED'] as const) t.same(JOB_TRANSITIONS[s], [], `${s} is terminal`);
});
