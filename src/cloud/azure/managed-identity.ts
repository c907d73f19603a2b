/**
 * The Tendril's own Azure credentials (an identity taking its credentials from its pool's
 * Tendrils): a token of the managed identity of the machine it runs on, from the Azure Instance
 * Metadata Service — system-assigned, or the user-assigned one whose client id the identity
 * names. The service is the identity's endpoint when it names one (a fake), else Azure's.
 */
import { withRetries, type Ctx, type Target } from '../context.js';
import { unreachableReason } from '../ambient.js';
import { CloudCheckError, providerCause } from '../errors.js';
import { field, firstSentence, httpCall, str } from '../http.js';

export const IMDS_URL = 'http://169.254.169.254';
const RESOURCE = 'https://management.azure.com/';

const fix = "run the pool's Tendrils on Azure with a managed identity (a VM's or scale set's, or AKS workload identity through IMDS), or store a client secret on the identity";

export async function fetchManagedIdentityToken(ctx: Ctx, base: string, clientId: string | undefined, customEndpoint: boolean): Promise<{ token: string; clientId: string }> {
  const url = `${base}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=${encodeURIComponent(RESOURCE)}${clientId ? `&client_id=${encodeURIComponent(clientId)}` : ''}`;
  const target: Target = { service: 'the Azure Instance Metadata Service', url: `${base}/metadata/identity/oauth2/token` };
  const which = clientId ? `the managed identity ${clientId}` : 'its system-assigned managed identity';
  ctx.log(`Azure: requesting a token for ${which} from ${target.url}`);
  return withRetries(ctx, target, 'token', async () => {
    let answer;
    try {
      answer = await httpCall(ctx, target, { method: 'GET', url, headers: { metadata: 'true', accept: 'application/json' } }, customEndpoint);
    } catch (err) {
      if (err instanceof CloudCheckError && (err.code === 'endpoint_unreachable' || err.code === 'timeout')) {
        const why = unreachableReason(err, ctx);
        throw new CloudCheckError('no_credentials', `The Tendril has no Azure managed identity to use: the Instance Metadata Service at ${base} cannot be reached (${why}): ${fix}.`, { cause: err.cause });
      }
      throw err;
    }
    const token = str(field(answer.json, 'access_token'));
    if (answer.status === 200 && token) {
      ctx.addSecret(token);
      const id = str(field(answer.json, 'client_id')) ?? clientId ?? 'system-assigned';
      ctx.log(`Azure: token issued for managed identity ${id}`);
      return { token, clientId: id };
    }
    const description = ctx.scrub(str(field(answer.json, 'error_description')) ?? answer.text.slice(0, 300));
    const cause = providerCause(str(field(answer.json, 'error')) ?? `HTTP ${answer.status}`, description, answer.status);
    if (answer.status === 400 && /identity not found/i.test(description)) {
      throw new CloudCheckError('no_credentials', `The machine running the Tendril has no ${clientId ? `managed identity with client id ${clientId}` : 'system-assigned managed identity'} (${firstSentence(description)}): assign it to the VM or scale set (Identity → System assigned, or User assigned), or store a client secret on the identity.`, { cause });
    }
    throw new CloudCheckError('bad_response', `The Azure Instance Metadata Service at ${base} answered HTTP ${answer.status} without a token (${firstSentence(description)}): check that the Tendril runs on Azure${customEndpoint ? " (and the identity's endpoint URL)" : ''}.`, { cause });
  });
}
