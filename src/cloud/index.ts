/**
 * Tests a cloud identity's credentials and discovers the networks, subnets and DNS zones it can
 * see, for the CONNECTION_TEST and FETCH_RESOURCES jobs. Every failure is a CloudCheckError whose
 * message is one sentence with the cause and the fix, and which holds no secret.
 */
import { assumeAwsRole, testAws, discoverAws, type AwsRoleCredentials } from './aws/index.js';
import { testAzure, discoverAzure } from './azure/index.js';
import { createContext, type Ctx } from './context.js';
import { CloudCheckError, providerCause } from './errors.js';
import { testGcp, discoverGcp } from './gcp/index.js';
import type { AwsCloudIdentity, CheckOptions, CloudIdentity, ConnectionReport, Discovery } from './types.js';

export { CloudCheckError, CLOUD_CHECK_ERROR_CODES, type CloudCheckErrorCode } from './errors.js';
export type {
  AwsCloudIdentity,
  AzureCloudIdentity,
  CheckOptions,
  CloudIdentity,
  CloudProvider,
  ConnectionReport,
  DiscoveredResource,
  Discovery,
  GcpCloudIdentity,
  ResourceKind,
  RetryOptions,
} from './types.js';
export type { AwsRoleCredentials } from './aws/index.js';

/** AssumeRole's longest session a role allows by default (its MaxSessionDuration); the shortest is 900 s. */
export const AWS_ROLE_SESSION_SECONDS = 3600;

export function testConnection(identity: CloudIdentity, opts?: CheckOptions): Promise<ConnectionReport> {
  const ctx = createContext(opts);
  return guard(ctx, () => {
    switch (identity.provider) {
      case 'aws':
        return testAws(identity, ctx);
      case 'gcp':
        return testGcp(identity, ctx);
      case 'azure':
        return testAzure(identity, ctx);
    }
  });
}

export function discoverResources(identity: CloudIdentity, opts?: CheckOptions): Promise<Discovery> {
  const ctx = createContext(opts);
  return guard(ctx, () => {
    switch (identity.provider) {
      case 'aws':
        return discoverAws(identity, ctx);
      case 'gcp':
        return discoverGcp(identity, ctx);
      case 'azure':
        return discoverAzure(identity, ctx);
    }
  });
}

/**
 * Short-lived credentials of an AWS identity's role (`role_arn`, with its `external_id`), assumed
 * with the identity's keys or the Tendril's own credentials, for `durationSeconds` (default 1 h).
 */
export function assumeRole(identity: AwsCloudIdentity, opts: CheckOptions & { durationSeconds?: number } = {}): Promise<AwsRoleCredentials> {
  const ctx = createContext(opts);
  return guard(ctx, () => assumeAwsRole(identity, ctx, opts.durationSeconds ?? AWS_ROLE_SESSION_SECONDS));
}

/** Whatever escapes a check leaves as a CloudCheckError, its message scrubbed of every secret the check saw. */
async function guard<T>(ctx: Ctx, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof CloudCheckError) {
      err.message = ctx.scrub(err.message);
      if (err.cause instanceof Error) err.cause.message = ctx.scrub(err.cause.message);
      throw err;
    }
    if (ctx.signal?.aborted) throw new CloudCheckError('cancelled', 'The check was cancelled: nothing to fix, run it again when needed.');
    const what = err instanceof Error ? err.name : typeof err;
    throw new CloudCheckError('bad_response', `The check failed unexpectedly (${what}): run it again, and report it with the job's log if it persists.`, {
      cause: providerCause(what, ctx.scrub(err instanceof Error ? err.message : String(err))),
    });
  }
}
