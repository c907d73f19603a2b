/**
 * Tests a cloud identity's credentials and discovers the networks, subnets and DNS zones it can
 * see, for the CONNECTION_TEST and FETCH_RESOURCES jobs. Every failure is a CloudCheckError whose
 * message is one sentence with the cause and the fix, and which holds no secret.
 */
import { testAws, discoverAws } from './aws/index.js';
import { testAzure, discoverAzure } from './azure/index.js';
import { createContext, type Ctx } from './context.js';
import { CloudCheckError, providerCause } from './errors.js';
import { testGcp, discoverGcp } from './gcp/index.js';
import type { CheckOptions, CloudIdentity, ConnectionReport, Discovery } from './types.js';

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
