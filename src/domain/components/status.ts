import { defineLifecycle } from '../lifecycle.js';

export const ComponentStatus = {
  PENDING: 'PENDING',
  CREATING: 'CREATING',
  ACTIVE: 'ACTIVE',
  UPDATING: 'UPDATING',
  FAILED: 'FAILED',
  DESTROYING: 'DESTROYING',
  DESTROYED: 'DESTROYED',
} as const;
export type ComponentStatus = (typeof ComponentStatus)[keyof typeof ComponentStatus];

const S = ComponentStatus;
export const COMPONENT_TRANSITIONS = {
  PENDING: [S.CREATING],
  CREATING: [S.ACTIVE, S.FAILED],
  ACTIVE: [S.UPDATING, S.DESTROYING],
  UPDATING: [S.ACTIVE, S.FAILED],
  FAILED: [S.CREATING, S.UPDATING, S.DESTROYING],
  DESTROYING: [S.DESTROYED, S.FAILED],
  DESTROYED: [S.CREATING],
} as const satisfies Record<ComponentStatus, readonly ComponentStatus[]>;

export const componentLifecycle = defineLifecycle('component', Object.values(ComponentStatus), COMPONENT_TRANSITIONS);
