/**
 * The Tendril's own Google credentials (an identity taking its credentials from its pool's
 * Tendrils): the metadata server of the machine it runs on — a Compute Engine VM's service
 * account, or GKE Workload Identity's — asked for the account's email and an access token.
 * The metadata server is the identity's endpoint when it names one (a fake), else Google's.
 */
import { withRetries, type Ctx, type Target } from '../context.js';
import { unreachableReason } from '../ambient.js';
import { CloudCheckError, providerCause } from '../errors.js';
import { field, httpCall, str } from '../http.js';

export const METADATA_URL = 'http://metadata.google.internal';
const ACCOUNT = '/computeMetadata/v1/instance/service-accounts/default';

const fix = "run the pool's Tendrils on Google Cloud with a service account (a VM's, or Workload Identity on GKE), or store a service-account key on the identity";

export async function fetchMetadataToken(ctx: Ctx, base: string, customEndpoint: boolean): Promise<{ token: string; email: string }> {
  const get = async (path: string, what: string) => {
    const target: Target = { service: 'the Google metadata server', url: `${base}${path}` };
    return withRetries(ctx, target, what, async () => {
      let answer;
      try {
        answer = await httpCall(ctx, target, { method: 'GET', url: `${base}${path}`, headers: { 'metadata-flavor': 'Google', accept: 'application/json' } }, customEndpoint);
      } catch (err) {
        if (err instanceof CloudCheckError && (err.code === 'endpoint_unreachable' || err.code === 'timeout')) {
          const why = unreachableReason(err, ctx);
          throw new CloudCheckError('no_credentials', `The Tendril has no Google credentials of its own: the metadata server at ${base} cannot be reached (${why}): ${fix}.`, { cause: err.cause });
        }
        throw err;
      }
      if (answer.status === 200) return answer;
      const cause = providerCause(`HTTP ${answer.status}`, ctx.scrub(answer.text.slice(0, 300)), answer.status);
      if (answer.status === 404) {
        throw new CloudCheckError('no_credentials', `The machine running the Tendril has no service account (the metadata server at ${base} answered 404 for it): ${fix}.`, { cause });
      }
      throw new CloudCheckError('bad_response', `The Google metadata server at ${base} answered HTTP ${answer.status} for ${what}: check that the Tendril runs on Google Cloud${customEndpoint ? " (and the identity's endpoint URL)" : ''}.`, { cause });
    });
  };
  const account = await get(`${ACCOUNT}/?recursive=true`, 'its service account');
  const email = str(field(account.json, 'email'));
  if (!email) throw new CloudCheckError('bad_response', `The Google metadata server at ${base} answered without the service account's email: check that the Tendril runs on Google Cloud.`);
  const answer = await get(`${ACCOUNT}/token`, 'a token');
  const token = str(field(answer.json, 'access_token'));
  if (!token) throw new CloudCheckError('bad_response', `The Google metadata server at ${base} answered without an access token for ${email}: check that the Tendril runs on Google Cloud.`);
  ctx.addSecret(token);
  ctx.log(`Google: using the Tendril's own service account ${email} (metadata server ${base})`);
  return { token, email };
}
