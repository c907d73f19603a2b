import { defineLifecycle } from '../lifecycle.js';

export const TendrilStatus = {
  RUNNING: 'RUNNING',
  STOPPED: 'STOPPED',
  DEAD: 'DEAD',
} as const;
export type TendrilStatus = (typeof TendrilStatus)[keyof typeof TendrilStatus];

const S = TendrilStatus;
/**
 * A Tendril runs until it stops (STOPPED) or a peer declares it dead (DEAD: its heartbeat went
 * silent, its jobs were failed). A Tendril declared dead that is in fact alive learns it at its
 * next heartbeat and comes back RUNNING, holding none of its old jobs.
 */
export const TENDRIL_TRANSITIONS = {
  RUNNING: [S.STOPPED, S.DEAD],
  STOPPED: [],
  DEAD: [S.RUNNING],
} as const satisfies Record<TendrilStatus, readonly TendrilStatus[]>;

export const tendrilLifecycle = defineLifecycle('tendril', Object.values(TendrilStatus), TENDRIL_TRANSITIONS);
