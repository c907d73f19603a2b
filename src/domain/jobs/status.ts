import { Type } from '@sinclair/typebox';
import { defineLifecycle } from '../lifecycle.js';

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

export const JOB_TERMINAL: readonly JobStatus[] = [S.SUCCESS, S.FAILED, S.CANCELLED];
export const JOB_OPEN: readonly JobStatus[] = [S.QUEUED, S.CLAIMED, S.PROCESSING];

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
export const JobTypeSchema = Type.Union(JOB_TYPES.map((t) => Type.Literal(t)));

/** Only these move a vine's lifecycle; at most one of them per vine is open at a time. */
export const LIFECYCLE_JOB_TYPES: readonly JobType[] = [JobType.DEPLOY, JobType.DESTROY];
/** Jobs about an identity rather than a vine. */
export const IDENTITY_JOB_TYPES: readonly JobType[] = [JobType.CONNECTION_TEST, JobType.FETCH_RESOURCES];
