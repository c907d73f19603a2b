/** GET calls to Google's JSON APIs with a bearer token, and Google's errors as CloudCheckErrors. */
import { retryAfterMs, Retryable, withRetries, type Ctx } from '../context.js';
import { CloudCheckError, providerCause } from '../errors.js';
import { arr, field, firstSentence, httpCall, str } from '../http.js';

export interface GoogleApi {
  /** "Compute Engine API" */
  title: string;
  /** "compute.googleapis.com" */
  service: string;
}
export const APIS = {
  crm: { title: 'Cloud Resource Manager API', service: 'cloudresourcemanager.googleapis.com' },
  compute: { title: 'Compute Engine API', service: 'compute.googleapis.com' },
  dns: { title: 'Cloud DNS API', service: 'dns.googleapis.com' },
} satisfies Record<string, GoogleApi>;

export interface GoogleCall {
  api: GoogleApi;
  /** "networks.list" */
  method: string;
  /** The IAM permission it needs, for permission messages. */
  permission: string;
  url: string;
  /** What a 404 means for this call (a missing project, an unknown region). */
  notFound: () => CloudCheckError;
}

export interface GoogleWho {
  email: string;
  projectId: string;
  customEndpoint: boolean;
}

export async function googleGet(ctx: Ctx, token: string, call: GoogleCall, who: GoogleWho): Promise<unknown> {
  const target = { service: `Google ${call.api.title}`, url: call.url.split('?')[0] ?? call.url };
  return withRetries(ctx, target, call.method, async () => {
    const answer = await httpCall(ctx, target, { method: 'GET', url: call.url, headers: { authorization: `Bearer ${token}`, accept: 'application/json' } }, who.customEndpoint);
    if (answer.status === 200 && answer.json !== undefined) return answer.json;
    throw googleFailure(answer.status, answer.json, answer.headers['retry-after'], call, who, ctx);
  });
}

function googleFailure(status: number, json: unknown, retryAfter: string | string[] | undefined, call: GoogleCall, who: GoogleWho, ctx: Ctx): CloudCheckError | Retryable {
  const error = field(json, 'error');
  const message = ctx.scrub(str(field(error, 'message')) ?? '');
  const rpcStatus = str(field(error, 'status')) ?? '';
  const details = arr(field(error, 'details'));
  const info = details.find((d) => str(field(d, '@type'))?.endsWith('google.rpc.ErrorInfo'));
  const reasons = [str(field(info, 'reason')), ...arr(field(error, 'errors')).map((e) => str(field(e, 'reason')))].filter((r): r is string => Boolean(r));
  const cause = providerCause(rpcStatus || reasons[0] || `HTTP ${status}`, message, status);
  const fail = (code: CloudCheckError['code'], text: string) => new CloudCheckError(code, text, { cause });
  const op = `${call.api.title} ${call.method}`;

  if (status === 429 || status === 503 || rpcStatus === 'RESOURCE_EXHAUSTED' || reasons.some((r) => r === 'rateLimitExceeded' || r === 'userRateLimitExceeded' || r === 'RATE_LIMIT_EXCEEDED')) {
    return new Retryable(
      fail('throttled', `Google kept throttling ${op} (${rpcStatus || `HTTP ${status}`}) after ${ctx.retry.attempts} tries: wait a minute and run the check again, or raise the project's API quota.`),
      `throttled (${rpcStatus || reasons[0] || 'HTTP'} ${status})`,
      retryAfterMs(retryAfter),
    );
  }
  if (reasons.includes('SERVICE_DISABLED') || reasons.includes('accessNotConfigured')) {
    const metadata = field(info, 'metadata');
    const service = str(field(metadata, 'service')) ?? call.api.service;
    const consumer = str(field(metadata, 'consumer'))?.replace(/^projects\//, '') ?? message.match(/in project (\S+?) before/)?.[1] ?? who.projectId;
    const title = str(field(metadata, 'serviceTitle')) ?? call.api.title;
    return fail(
      'api_disabled',
      `The ${title} is not enabled in project ${consumer}: enable it with "gcloud services enable ${service} --project=${consumer}", wait a few minutes, then run the check again.`,
    );
  }
  if (reasons.includes('BILLING_DISABLED')) {
    return fail('api_disabled', `Billing is disabled for project ${who.projectId}, and the ${call.api.title} needs it: link a billing account to the project, then run the check again.`);
  }
  if (status === 404) return call.notFound();
  if (status === 403) {
    if (call.method === 'projects.get') {
      // Google answers 403 for a project that does not exist as for one the caller may not read.
      return fail(
        'project_not_found',
        `Google says project ${who.projectId} does not exist or ${who.email} may not read it (it gives the same answer for both): check the project id, and grant the service account a role on the project such as roles/viewer.`,
      );
    }
    return fail(
      'permission_denied',
      `${who.email} may not call ${op} in project ${who.projectId} (${call.permission} denied): grant it roles/viewer on the project, or roles/compute.networkViewer and roles/dns.reader.`,
    );
  }
  if (status === 401) {
    return fail('bad_response', `Google did not accept the access token it had just issued for ${op} (${firstSentence(message) || 'HTTP 401'}): run the check again, and check the identity's endpoint URL if it persists.`);
  }
  if (status >= 500) return fail('bad_response', `${op} failed on Google's side (HTTP ${status}): try again in a few minutes.`);
  if (json === undefined) return fail('bad_response', `${call.url.split('?')[0]} answered HTTP ${status} with something that is not Google's API: check the identity's endpoint URL.`);
  return fail('bad_response', `${op} was refused (HTTP ${status}: ${firstSentence(message)}): check the identity's project id and region.`);
}
