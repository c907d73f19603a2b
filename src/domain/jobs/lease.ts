/**
 * The timing of job leases (docs/DESIGN.md "Leases: never two applies on one vine"). With
 * H = TENDRIL_HEARTBEAT_SECONDS and D = TENDRIL_DEAD_AFTER_SECONDS:
 *
 * - a Tendril renews the leases of its running jobs every H; a renewal sets the lease to end D
 *   later on the database's clock;
 * - a Tendril that has not renewed for D/2 (by its own monotonic clock, from the start of its last
 *   successful renewal) stops its Terraform: SIGINT, then SIGKILL after min(TERRAFORM_KILL_GRACE_SECONDS,
 *   D/4) — so its Terraform is gone 3D/4 after the last renewal at the latest;
 * - the reaper fails a job only once its lease ended more than D/4 ago (5D/4 after the last
 *   renewal), measured on the database's clock, and never counts time when every Tendril was
 *   silent (an outage of the database: `tendril_clock`); the failure bumps the lease's epoch,
 *   which every later write of the old run carries and is refused by.
 *
 * D/2 of slack lies between the zombie's last possible act and the reaper's first, for pauses and
 * clocks running at different rates. D ≥ 3H is required, so a lease survives two missed renewals.
 */
export interface LeaseTiming {
  renewMs: number;
  ttlSeconds: number;
  /** Without a renewal for this long a Tendril stops its Terraform. */
  selfStopMs: number;
  /** SIGKILL this long after the self-stop's SIGINT. */
  selfStopKillGraceMs: number;
  /** The reaper waits this long past a lease's end. */
  reapMarginSeconds: number;
  /** Silence of every Tendril this long means the database was unreachable: an outage. */
  outageGapSeconds: number;
}

export function leaseTiming(c: { heartbeatSeconds: number; deadAfterSeconds: number; killGraceSeconds: number }): LeaseTiming {
  const d = c.deadAfterSeconds;
  return {
    renewMs: c.heartbeatSeconds * 1000,
    ttlSeconds: d,
    selfStopMs: (d * 1000) / 2,
    selfStopKillGraceMs: Math.min(c.killGraceSeconds, d / 4) * 1000,
    reapMarginSeconds: d / 4,
    outageGapSeconds: 2 * c.heartbeatSeconds + 1,
  };
}

/** What fences a run's writes: the job and the epoch of the lease the run holds. */
export interface Lease {
  jobId: string;
  epoch: number;
}

export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
  /** How the log announces the stop this causes. */
  readonly notice: string = 'The lease on this job was taken away';
}
