import { defineLifecycle } from '../lifecycle.js';
import type { VineStatus } from '../vines/status.js';

export const JobStatus = {
  QUEUED: 'QUEUED',
  CLAIMED: 'CLAIMED',
  PROCESSING: 'PROCESSING',
  SUCCESS: 'SUCCESS',
  FAILED: 'FAILED',
  CANCELLED: 'CANCELLED',
} as const;
export type JobStatus = (typeof JobStatus)[keyof typeof JobStatus];

const S = JobStatus;
export const JOB_TRANSITIONS = {
  QUEUED: [S.CLAIMED, S.CANCELLED],
  CLAIMED: [S.PROCESSING, S.FAILED, S.CANCELLED],
  PROCESSING: [S.SUCCESS, S.FAILED, S.CANCELLED],
  SUCCESS: [],
  FAILED: [],
  CANCELLED: [],
} as const satisfies Record<JobStatus, readonly JobStatus[]>;

export const jobLifecycle = defineLifecycle('job', Object.values(JobStatus), JOB_TRANSITIONS);

/** Statuses a job never leaves. */
export const JOB_TERMINAL: readonly JobStatus[] = jobLifecycle.statuses.filter((s) => JOB_TRANSITIONS[s].length === 0);
/** Statuses of a job that is waiting or running. */
export const JOB_OPEN: readonly JobStatus[] = jobLifecycle.statuses.filter((s) => JOB_TRANSITIONS[s].length > 0);
/** Statuses of a job a Tendril holds (claimed or running). */
export const JOB_RUNNING: readonly JobStatus[] = [S.CLAIMED, S.PROCESSING];

export const JobType = {
  CONNECTION_TEST: 'CONNECTION_TEST',
  FETCH_RESOURCES: 'FETCH_RESOURCES',
  BOOTSTRAP: 'BOOTSTRAP',
  PLAN: 'PLAN',
  DEPLOY: 'DEPLOY',
  DESTROY: 'DESTROY',
  DEPLOY_WORKER: 'DEPLOY_WORKER',
  DESTROY_WORKER: 'DESTROY_WORKER',
} as const;
export type JobType = (typeof JobType)[keyof typeof JobType];
export const JOB_TYPES = Object.values(JobType);

/** How a job of one type moves its vine: to `start` when created, to `success` when it succeeds. */
export interface VineMove {
  start: VineStatus;
  /** Where the vine goes once a Tendril starts the job (DEPLOY: PROVISIONING). */
  running?: VineStatus;
  success: VineStatus;
}

export interface JobTypeInfo {
  /** What the job is about: a vine, an identity (connection tests, discovery), or a pool's in-account Tendrils. */
  subject: 'vine' | 'identity' | 'pool';
  /** graphile-worker attempts: Terraform jobs are never blindly retried (the user retries a FAILED vine). */
  maxAttempts: number;
  /** Set for the types that move a vine's lifecycle (at most one open per vine). */
  vine?: VineMove;
  /**
   * Runs on Vintner's own (in-house) Tendrils even when its identity is bound to a Tendril pool:
   * DEPLOY_WORKER / DESTROY_WORKER provision that pool's Tendrils (with the identity's stored
   * credentials), so they cannot wait for them.
   */
  inHouse?: true;
}

/** Everything per job type, in one table. */
export const JOB_TYPE_INFO: Record<JobType, JobTypeInfo> = {
  CONNECTION_TEST: { subject: 'identity', maxAttempts: 3 },
  FETCH_RESOURCES: { subject: 'identity', maxAttempts: 3 },
  BOOTSTRAP: { subject: 'vine', maxAttempts: 1 },
  PLAN: { subject: 'vine', maxAttempts: 1 },
  DEPLOY: { subject: 'vine', maxAttempts: 1, vine: { start: 'QUEUED', running: 'PROVISIONING', success: 'ACTIVE' } },
  DESTROY: { subject: 'vine', maxAttempts: 1, vine: { start: 'DESTROYING', success: 'DESTROYED' } },
  DEPLOY_WORKER: { subject: 'pool', maxAttempts: 1, inHouse: true },
  DESTROY_WORKER: { subject: 'pool', maxAttempts: 1, inHouse: true },
};

/** Only these move a vine's lifecycle; at most one of them per vine is open at a time. */
export const LIFECYCLE_JOB_TYPES: readonly JobType[] = JOB_TYPES.filter((t) => JOB_TYPE_INFO[t].vine);
/** Jobs about an identity rather than a vine. */
export const IDENTITY_JOB_TYPES: readonly JobType[] = JOB_TYPES.filter((t) => JOB_TYPE_INFO[t].subject === 'identity');
/** Jobs about a pool's in-account Tendrils (DEPLOY_WORKER, DESTROY_WORKER). */
export const POOL_JOB_TYPES: readonly JobType[] = JOB_TYPES.filter((t) => JOB_TYPE_INFO[t].subject === 'pool');
/** Jobs about a vine. */
export const VINE_JOB_TYPES: readonly JobType[] = JOB_TYPES.filter((t) => JOB_TYPE_INFO[t].subject === 'vine');
/** Types never routed to a Tendril pool (docs/DESIGN.md "Tendril pools: routing"). */
export const IN_HOUSE_JOB_TYPES: readonly JobType[] = JOB_TYPES.filter((t) => JOB_TYPE_INFO[t].inHouse);
export const isJobType = (v: unknown): v is JobType => typeof v === 'string' && (JOB_TYPES as string[]).includes(v);
