/**
 * The leases a Tendril holds on the jobs it runs (docs/DESIGN.md "Leases"): renewed together on
 * every heartbeat; a lease the renewal no longer returns was taken away (the reaper failed its job)
 * and that run is stopped; and when renewals have failed for the self-stop deadline — the database
 * unreachable from here — every run is stopped before any lease can run out, so no Terraform of
 * this Tendril can still be applying once another run may start.
 */
import type { Lease, LeaseTiming } from '../domain/jobs/lease.js';
import { LeaseLostError } from '../domain/jobs/lease.js';

export interface HeldLease extends Lease {
  /** Stops the run: its Terraform gets SIGINT, then SIGKILL after the grace the reason carries. */
  stop(reason: LeaseLostError): void;
}

/** An abort reason that asks for a shorter SIGINT → SIGKILL grace than the configured one. */
export class SelfStopError extends LeaseLostError {
  override readonly notice: string;
  constructor(
    message: string,
    readonly killGraceMs: number,
    unreachable = 'database',
  ) {
    super(message);
    this.notice = `No lease renewal (${unreachable} unreachable): stopping before the lease can end`;
  }
}

export interface LeaseKeeper {
  hold(lease: HeldLease): () => void;
  /** One renewal of every held lease; `renew` answers the job ids still held. */
  renewAll(renew: (leases: Lease[]) => Promise<Set<string>>): Promise<void>;
  /** Checks the self-stop deadline (call often: it only compares clocks). */
  check(): void;
  readonly held: number;
  close(): void;
}

export function createLeaseKeeper(
  timing: LeaseTiming,
  log: { warn(obj: object, msg: string, ...args: unknown[]): void },
  now: () => number = () => performance.now(),
  /** What renewals go to, for the self-stop's messages (a remote Tendril's: Trellis). */
  renewer: { name: string; short: string } = { name: "Vintner's database", short: 'database' },
): LeaseKeeper {
  // Each lease with the start of its last successful renewal (or of its claim): it ends a ttl
  // after that on the database's clock, or later.
  const held = new Map<string, { lease: HeldLease; renewedAt: number; stopping: boolean }>();
  const timer = setInterval(() => keeper.check(), 250);
  timer.unref();

  const keeper: LeaseKeeper = {
    hold(lease) {
      // Called right after the claim that began the lease.
      const entry = { lease, renewedAt: now(), stopping: false };
      held.set(lease.jobId, entry);
      return () => {
        if (held.get(lease.jobId) === entry) held.delete(lease.jobId);
      };
    },

    async renewAll(renew) {
      const started = now();
      const entries = [...held.values()];
      const kept = await renew(entries.map(({ lease }) => ({ jobId: lease.jobId, epoch: lease.epoch })));
      for (const e of entries) {
        if (held.get(e.lease.jobId) !== e) continue; // finished meanwhile
        if (kept.has(e.lease.jobId)) {
          e.renewedAt = Math.max(e.renewedAt, started);
          continue;
        }
        held.delete(e.lease.jobId);
        log.warn({ jobId: e.lease.jobId }, 'the lease on job %s was taken away: stopping its run', e.lease.jobId);
        e.lease.stop(new LeaseLostError('this Tendril lost its lease on the job (its lease ran out and the job was failed): its run was stopped and changes nothing more'));
      }
    },

    check() {
      const t = now();
      for (const e of held.values()) {
        const silent = t - e.renewedAt;
        if (e.stopping || silent < timing.selfStopMs) continue;
        e.stopping = true;
        const secs = Math.round(silent / 1000);
        log.warn({ jobId: e.lease.jobId, silentSeconds: secs }, 'no lease renewal for %d s: stopping the run before its lease can run out', secs);
        e.lease.stop(
          new SelfStopError(
            `${renewer.name} could not be reached for ${secs} s: this Tendril stopped Terraform before its lease on the job could run out, so no other run can overlap this one`,
            timing.selfStopKillGraceMs,
            renewer.short,
          ),
        );
      }
    },

    get held() {
      return held.size;
    },

    close() {
      clearInterval(timer);
      held.clear();
    },
  };
  return keeper;
}
