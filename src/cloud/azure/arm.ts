/** GET calls to Azure Resource Manager with a bearer token, ARM's errors as CloudCheckErrors, and nextLink paging. */
import { retryAfterMs, Retryable, withRetries, type Ctx } from '../context.js';
import { CloudCheckError, providerCause } from '../errors.js';
import { field, firstSentence, httpCall, str } from '../http.js';

export interface ArmCall {
  /** "virtualNetworks list" */
  what: string;
  /** The RBAC action it needs, e.g. "Microsoft.Network/virtualNetworks/read". */
  action: string;
  url: string;
}

export interface AzureWho {
  clientId: string;
  tenantId: string;
  subscriptionId: string;
  customEndpoint: boolean;
}

export async function armGet(ctx: Ctx, token: string, call: ArmCall, who: AzureWho): Promise<unknown> {
  const target = { service: 'Azure Resource Manager', url: call.url.split('?')[0] ?? call.url };
  return withRetries(ctx, target, call.what, async () => {
    const answer = await httpCall(ctx, target, { method: 'GET', url: call.url, headers: { authorization: `Bearer ${token}`, accept: 'application/json' } }, who.customEndpoint);
    if (answer.status === 200 && answer.json !== undefined) return answer.json;
    throw armFailure(answer.status, answer.json, answer.headers['retry-after'], call, who, ctx);
  });
}

/**
 * The next page's URL from `nextLink` (absolute, as ARM gives it, or relative to the ARM base):
 * followed only on the ARM origin the check uses, so the token is never sent to another host.
 */
export function nextLink(page: unknown, armBase: string): string | undefined {
  const link = str(field(page, 'nextLink'));
  if (!link) return undefined;
  let url: URL;
  try {
    url = new URL(link, armBase);
  } catch {
    throw new CloudCheckError('bad_response', `Azure Resource Manager answered a nextLink that is not a URL: check the identity's endpoint URL.`);
  }
  if (url.origin !== new URL(armBase).origin) {
    throw new CloudCheckError('bad_response', `Azure Resource Manager answered a nextLink to another host (${url.origin}), which the check does not follow: check the identity's endpoint URL.`);
  }
  return url.toString();
}

function armFailure(status: number, json: unknown, retryAfter: string | string[] | undefined, call: ArmCall, who: AzureWho, ctx: Ctx): CloudCheckError | Retryable {
  const code = str(field(field(json, 'error'), 'code')) ?? '';
  const message = ctx.scrub(str(field(field(json, 'error'), 'message')) ?? '');
  const cause = providerCause(code || `HTTP ${status}`, message, status);
  const fail = (c: CloudCheckError['code'], text: string) => new CloudCheckError(c, text, { cause });
  const sub = who.subscriptionId;

  if (status === 429 || status === 503) {
    return new Retryable(
      fail('throttled', `Azure Resource Manager kept throttling ${call.what} (HTTP ${status}${code ? ` ${code}` : ''}) after ${ctx.retry.attempts} tries: wait a few minutes and run the check again.`),
      `throttled (HTTP ${status}${code ? ` ${code}` : ''})`,
      retryAfterMs(retryAfter),
    );
  }
  switch (code) {
    case 'SubscriptionNotFound':
      return fail(
        'subscription_not_found',
        `Azure has no subscription ${sub} that application ${who.clientId} can see (SubscriptionNotFound): check the subscription id, and give the application a role on it such as Reader.`,
      );
    case 'InvalidAuthenticationTokenTenant': {
      const tenant = message.match(/match the tenant '[^']*?\/([0-9a-f-]{36})\/?'/i)?.[1];
      return fail(
        'subscription_not_found',
        `Subscription ${sub} belongs to ${tenant ? `tenant ${tenant}` : 'another tenant'}, not to tenant ${who.tenantId} (InvalidAuthenticationTokenTenant): set the identity's tenant id to the subscription's tenant, with an application registered there.`,
      );
    }
    case 'AuthorizationFailed': {
      const action = message.match(/perform action '([^']+)'/)?.[1] ?? call.action;
      return fail(
        'permission_denied',
        `Application ${who.clientId} may not ${action} in subscription ${sub} (AuthorizationFailed): assign it the Reader role (az role assignment create --assignee ${who.clientId} --role Reader --scope /subscriptions/${sub}).`,
      );
    }
    case 'MissingSubscriptionRegistration': {
      const namespace = message.match(/namespace '([^']+)'/)?.[1] ?? call.action.split('/')[0] ?? 'Microsoft.Network';
      return fail(
        'api_disabled',
        `Subscription ${sub} is not registered for the ${namespace} resource provider (MissingSubscriptionRegistration): register it with "az provider register --namespace ${namespace} --subscription ${sub}", then run the check again.`,
      );
    }
    case 'SubscriptionNotEnabled':
    case 'ReadOnlyDisabledSubscription':
    case 'DisabledSubscription':
      return fail('subscription_disabled', `Azure subscription ${sub} is disabled (${code}): re-enable it in the portal (Subscriptions → Reactivate), or choose another subscription.`);
  }
  if (status === 401) {
    return fail('bad_response', `Azure Resource Manager did not accept the token just issued for application ${who.clientId} (${code || 'HTTP 401'}: ${firstSentence(message)}): run the check again, and check the identity's endpoint URL if it persists.`);
  }
  if (status === 403) {
    return fail('permission_denied', `Application ${who.clientId} may not ${call.action} in subscription ${sub} (${code || 'HTTP 403'}): assign it the Reader role on the subscription.`);
  }
  if (status >= 500) return fail('bad_response', `Azure Resource Manager failed ${call.what} (HTTP ${status}${code ? ` ${code}` : ''}): try again in a few minutes.`);
  if (json === undefined) return fail('bad_response', `${call.url.split('?')[0]} answered HTTP ${status} with something that is not Azure Resource Manager: check the identity's endpoint URL.`);
  return fail('bad_response', `Azure Resource Manager refused ${call.what} (${code || `HTTP ${status}`}: ${firstSentence(message)}): check the identity's subscription id and location.`);
}
