/** The lease keeper: renewals, a lease taken away, and the self-stop before a lease can run out. */
import t from 'tap';
import { createLeaseKeeper, SelfStopError } from '../../src/tendril/leases.js';
import { leaseTiming, LeaseLostError } from '../../src/domain/jobs/lease.js';

const quiet = { warn: () => {} };

t.test('the timing keeps the old run’s last act well before the reaper’s first', async (t) => {
  for (const [h, d, g] of [[5, 20, 20], [1, 8, 10], [3, 9, 1], [5, 300, 20]] as const) {
    const x = leaseTiming({ heartbeatSeconds: h, deadAfterSeconds: d, killGraceSeconds: g });
    const lastAct = x.selfStopMs + x.selfStopKillGraceMs;
    const reaperFirst = (x.ttlSeconds + x.reapMarginSeconds) * 1000;
    t.ok(lastAct <= 0.75 * d * 1000, `H=${h} D=${d}: Terraform is gone ${lastAct} ms after the last renewal at the latest`);
    t.ok(reaperFirst - lastAct >= 0.5 * d * 1000, `and the reaper waits ${reaperFirst} ms: at least D/2 of slack`);
    t.ok(x.outageGapSeconds > 2 * h, 'an outage is a silence longer than two heartbeats');
  }
});

t.test('renewals keep leases; a lease the renewal drops is stopped; silence past the deadline stops every run', async (t) => {
  let now = 0;
  const timing = leaseTiming({ heartbeatSeconds: 1, deadAfterSeconds: 8, killGraceSeconds: 10 });
  const keeper = createLeaseKeeper(timing, quiet, () => now);
  t.teardown(() => keeper.close());
  const stops: Record<string, unknown> = {};
  keeper.hold({ jobId: 'a', epoch: 1, stop: (r) => (stops.a = r) });
  keeper.hold({ jobId: 'b', epoch: 3, stop: (r) => (stops.b = r) });
  let asked: unknown;
  now = 1000;
  await keeper.renewAll(async (leases) => {
    asked = leases;
    return new Set(['a', 'b']);
  });
  t.same(asked, [{ jobId: 'a', epoch: 1 }, { jobId: 'b', epoch: 3 }], 'renews every held lease with its epoch');
  now = 2000;
  await keeper.renewAll(async () => new Set(['a']));
  t.ok(stops.b instanceof LeaseLostError, 'a lease no longer returned: its run is stopped');
  t.equal(keeper.held, 1);
  now = 1000 + timing.selfStopMs - 1;
  keeper.check();
  t.notOk(stops.a, 'not before the self-stop deadline');
  now = 2000 + timing.selfStopMs;
  keeper.check();
  t.ok(stops.a instanceof SelfStopError, 'no renewal for D/2: the run is stopped');
  t.equal((stops.a as SelfStopError).killGraceMs, 2000, 'with a SIGKILL grace of min(grace, D/4)');
  t.match((stops.a as Error).message, /database could not be reached for 4 s/);
  const again = stops.a;
  now += 5000;
  keeper.check();
  t.equal(stops.a, again, 'stopped once');
});

t.test('a lease just claimed counts from its claim, not from an old failed renewal', async (t) => {
  let now = 0;
  const timing = leaseTiming({ heartbeatSeconds: 1, deadAfterSeconds: 8, killGraceSeconds: 10 });
  const keeper = createLeaseKeeper(timing, quiet, () => now);
  t.teardown(() => keeper.close());
  now = 60_000; // renewals failed for a minute (nothing held), then a claim succeeds
  let stopped = false;
  keeper.hold({ jobId: 'c', epoch: 1, stop: () => (stopped = true) });
  keeper.check();
  t.notOk(stopped, 'the new run goes on');
});
