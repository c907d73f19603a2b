import { defineLifecycle } from '../lifecycle.js';

/** The outcome of an identity's last CONNECTION_TEST (null until one ran). */
export const IdentityTestStatus = {
  SUCCESS: 'SUCCESS',
  FAILED: 'FAILED',
} as const;
export type IdentityTestStatus = (typeof IdentityTestStatus)[keyof typeof IdentityTestStatus];

const S = IdentityTestStatus;
/** Each test replaces the last outcome, whatever it was. */
export const IDENTITY_TEST_TRANSITIONS = {
  SUCCESS: [S.SUCCESS, S.FAILED],
  FAILED: [S.SUCCESS, S.FAILED],
} as const satisfies Record<IdentityTestStatus, readonly IdentityTestStatus[]>;

export const identityTestLifecycle = defineLifecycle('identity test', Object.values(IdentityTestStatus), IDENTITY_TEST_TRANSITIONS);
