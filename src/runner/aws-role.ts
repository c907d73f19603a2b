/**
 * How a Tendril gets short-lived AWS credentials for a Terraform run of an identity with a role
 * (targets.ts's AwsRoleAssumer): src/cloud's STS AssumeRole, signed with the identity's keys or —
 * when it has none — the Tendril's own credentials (environment, shared files, container or
 * instance role), with the identity's external id.
 *
 * The session lasts one hour (AWS_ROLE_SESSION_SECONDS): the longest every role allows without a
 * raised MaxSessionDuration, and longer than a harvest of a vine usually takes. A Terraform run
 * that outlives it fails on expired credentials; run it again.
 */
import { assumeRole, AWS_ROLE_SESSION_SECONDS } from '../cloud/index.js';
import { cloudIdentity } from './identity-jobs.js';
import type { AwsRoleAssumer } from './targets.js';

export interface AwsRoleAssumerOptions {
  /** How long one STS call may take (CLOUD_TIMEOUT_SECONDS). */
  timeoutMs?: number;
  durationSeconds?: number;
}

export function createAwsRoleAssumer(opts: AwsRoleAssumerOptions = {}): AwsRoleAssumer {
  return async (identity) => {
    const cloud = cloudIdentity(identity);
    if (cloud.provider !== 'aws') throw new Error(`identity ${identity.name} is not an AWS identity`);
    // A CloudCheckError's one sentence (role not assumable, external id mismatch, unknown key …) is the job's error as it is.
    const session = await assumeRole(cloud, {
      durationSeconds: opts.durationSeconds ?? AWS_ROLE_SESSION_SECONDS,
      ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
    });
    return { accessKeyId: session.accessKeyId, secretAccessKey: session.secretAccessKey, sessionToken: session.sessionToken };
  };
}
