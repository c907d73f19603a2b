/**
 * The client-credentials grant of the Microsoft identity platform (v2.0 token endpoint), done
 * here rather than with @azure/identity: its last Node 20 release refuses an http authority
 * ("The authorityHost address must use the 'https' protocol"), so an identity's local endpoint
 * could not be used, and this is one form POST.
 */
import { retryAfterMs, Retryable, withRetries, type Ctx, type Target } from '../context.js';
import { CloudCheckError, providerCause } from '../errors.js';
import { arr, field, firstSentence, httpCall, str } from '../http.js';

export const ARM_SCOPE = 'https://management.azure.com/.default';

export interface AzureApp {
  tenantId: string;
  clientId: string;
  clientSecret: string;
}

export async function fetchAzureToken(ctx: Ctx, app: AzureApp, authority: string, customEndpoint: boolean): Promise<string> {
  const url = `${authority}/${encodeURIComponent(app.tenantId)}/oauth2/v2.0/token`;
  const target: Target = { service: 'Microsoft Entra ID', url };
  ctx.log(`Azure: requesting a token for application ${app.clientId} in tenant ${app.tenantId}`);
  return withRetries(ctx, target, 'token', async () => {
    const answer = await httpCall(
      ctx,
      target,
      {
        method: 'POST',
        url,
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: app.clientId, client_secret: app.clientSecret, scope: ARM_SCOPE }).toString(),
      },
      customEndpoint,
    );
    const token = str(field(answer.json, 'access_token'));
    if (answer.status === 200 && token) {
      ctx.addSecret(token);
      ctx.log(`Azure: token issued for application ${app.clientId}`);
      return token;
    }
    const error = str(field(answer.json, 'error')) ?? '';
    const description = ctx.scrub(str(field(answer.json, 'error_description')) ?? '');
    const aadsts = arr(field(answer.json, 'error_codes')).find((c) => typeof c === 'number') ?? Number(description.match(/AADSTS(\d+)/)?.[1] ?? NaN);
    const cause = providerCause(Number.isNaN(aadsts) ? error || `HTTP ${answer.status}` : `AADSTS${String(aadsts)}`, description, answer.status);
    const fail = (code: CloudCheckError['code'], message: string) => new CloudCheckError(code, message, { cause });
    if (answer.status === 429 || answer.status === 503) {
      throw new Retryable(
        fail('throttled', `Microsoft Entra ID kept answering HTTP ${answer.status} to the token request after ${ctx.retry.attempts} tries: wait a minute and run the check again.`),
        `HTTP ${answer.status}`,
        retryAfterMs(answer.headers['retry-after']),
      );
    }
    switch (aadsts) {
      case 7000215:
        throw fail(
          'invalid_secret',
          `Microsoft Entra ID rejected the client secret of application ${app.clientId} (AADSTS7000215): paste the secret's Value, not its Secret ID, or create a new client secret under App registrations → Certificates & secrets.`,
        );
      case 7000222:
        throw fail('expired', `The client secret of application ${app.clientId} has expired (AADSTS7000222): create a new client secret under App registrations → Certificates & secrets and update the identity.`);
      case 700016:
        throw fail(
          'unknown_key',
          `Tenant ${app.tenantId} has no application ${app.clientId} (AADSTS700016): check the client id (the application's Application (client) ID), or register the application in this tenant.`,
        );
      case 90002:
      case 900023:
      case 90072:
        throw fail(
          'tenant_not_found',
          `Microsoft Entra ID has no tenant '${app.tenantId}' (AADSTS${aadsts}): check the tenant id (a GUID, or a domain such as contoso.onmicrosoft.com) on the Microsoft Entra ID overview page.`,
        );
      case 7000112:
        throw fail('permission_denied', `Application ${app.clientId} is disabled in tenant ${app.tenantId} (AADSTS7000112): enable its service principal (Enterprise applications → Properties), or use another application.`);
    }
    if (!error) {
      throw fail('bad_response', `${url} answered HTTP ${answer.status} without an OAuth answer: check the identity's endpoint URL${customEndpoint ? '' : ', or try again later'}.`);
    }
    if (answer.status >= 500) throw fail('bad_response', `Microsoft Entra ID failed the token request (HTTP ${answer.status}): try again in a few minutes.`);
    throw fail('permission_denied', `Microsoft Entra ID refused a token to application ${app.clientId} (${error}: ${firstSentence(description)}): check the identity's tenant id, client id and secret.`);
  });
}
