import { defineLifecycle } from '../lifecycle.js';

export const VineStatus = {
  DRAFT: 'DRAFT',
  QUEUED: 'QUEUED',
  PROVISIONING: 'PROVISIONING',
  ACTIVE: 'ACTIVE',
  DESTROYING: 'DESTROYING',
  DESTROYED: 'DESTROYED',
  FAILED: 'FAILED',
} as const;
export type VineStatus = (typeof VineStatus)[keyof typeof VineStatus];

const S = VineStatus;
/**
 * DESIGN.md's vine table. A harvest cancelled before it started returns the vine to the status it
 * had (DRAFT, ACTIVE, FAILED or DESTROYED — the statuses that can become QUEUED); a destroy
 * cancelled before it started returns it to ACTIVE or FAILED.
 */
export const VINE_TRANSITIONS = {
  DRAFT: [S.QUEUED],
  QUEUED: [S.PROVISIONING, S.FAILED, S.DRAFT, S.ACTIVE, S.DESTROYED],
  PROVISIONING: [S.ACTIVE, S.FAILED],
  ACTIVE: [S.QUEUED, S.DESTROYING],
  DESTROYING: [S.DESTROYED, S.FAILED, S.ACTIVE],
  FAILED: [S.QUEUED, S.DESTROYING],
  DESTROYED: [S.QUEUED],
} as const satisfies Record<VineStatus, readonly VineStatus[]>;

export const vineLifecycle = defineLifecycle('vine', Object.values(VineStatus), VINE_TRANSITIONS);

/** Statuses in which a vine's configuration may be deleted outright (nothing exists in the cloud). */
export const VINE_DELETABLE: readonly VineStatus[] = [S.DRAFT, S.DESTROYED];
/** Statuses in which a job of the vine may be running or waiting. */
export const VINE_BUSY: readonly VineStatus[] = [S.QUEUED, S.PROVISIONING, S.DESTROYING];

export const canHarvest = (s: VineStatus) => vineLifecycle.can(s, S.QUEUED);
export const canDestroy = (s: VineStatus) => vineLifecycle.can(s, S.DESTROYING);
