/**
 * A service-account key exchanged for an access token: the OAuth 2.0 JWT bearer grant (RFC 7523),
 * with the JWT signed RS256 by the key's private key, as Google's token endpoint expects.
 */
import { createPrivateKey, sign } from 'node:crypto';
import { maskId, retryAfterMs, Retryable, withRetries, type Ctx, type Target } from '../context.js';
import { CloudCheckError, providerCause } from '../errors.js';
import { field, firstSentence, httpCall, str } from '../http.js';

/** Read access is all the checks need. */
export const GOOGLE_SCOPE = 'https://www.googleapis.com/auth/cloud-platform.read-only';

export interface ServiceAccountKey {
  clientEmail: string;
  privateKey: string;
  privateKeyId: string | undefined;
  projectId: string | undefined;
}

/** Reads the JSON key file; its private key becomes one of the context's secrets at once. */
export function parseServiceAccountKey(text: string, ctx: Ctx): ServiceAccountKey {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CloudCheckError('invalid_secret', 'The service-account key is not JSON: paste the whole key file as downloaded (IAM → Service accounts → Keys → Add key → JSON).');
  }
  const privateKey = str(field(json, 'private_key'));
  ctx.addSecret(privateKey);
  for (const line of (privateKey ?? '').split('\n')) ctx.addSecret(line.trim().startsWith('-----') ? undefined : line.trim());
  const clientEmail = str(field(json, 'client_email'));
  if (str(field(json, 'type')) !== 'service_account' || !privateKey || !clientEmail) {
    throw new CloudCheckError(
      'invalid_secret',
      'The service-account key is not a service-account JSON key (it needs type "service_account", client_email and private_key): paste the whole key file as downloaded (IAM → Service accounts → Keys → Add key → JSON).',
    );
  }
  return { clientEmail, privateKey, privateKeyId: str(field(json, 'private_key_id')), projectId: str(field(json, 'project_id')) };
}

function signedAssertion(key: ServiceAccountKey, audience: string): string {
  let pem;
  try {
    pem = createPrivateKey(key.privateKey);
  } catch {
    throw new CloudCheckError('invalid_secret', `The private key in the service-account key of ${key.clientEmail} cannot be read: paste the whole key file as downloaded, or create a new JSON key.`);
  }
  const now = Math.floor(Date.now() / 1000);
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const input = `${b64({ alg: 'RS256', typ: 'JWT', ...(key.privateKeyId ? { kid: key.privateKeyId } : {}) })}.${b64({
    iss: key.clientEmail,
    scope: GOOGLE_SCOPE,
    aud: audience,
    iat: now,
    exp: now + 3600,
  })}`;
  return `${input}.${sign('sha256', Buffer.from(input), pem).toString('base64url')}`;
}

/**
 * The access token for `key`. The token URL is Google's, or the identity's endpoint: never the
 * key file's token_uri, so a crafted key file cannot send a signed assertion elsewhere.
 */
export async function fetchGoogleToken(ctx: Ctx, key: ServiceAccountKey, tokenUrl: string, customEndpoint: boolean): Promise<string> {
  const target: Target = { service: 'Google OAuth', url: tokenUrl };
  const keyLabel = `key ${key.privateKeyId ? maskId(key.privateKeyId) : '(no key id)'} of ${key.clientEmail}`;
  ctx.log(`Google OAuth: signing a JWT with ${keyLabel} for ${tokenUrl}`);
  return withRetries(ctx, target, 'token', async () => {
    const assertion = signedAssertion(key, tokenUrl);
    ctx.addSecret(assertion);
    const answer = await httpCall(
      ctx,
      target,
      {
        method: 'POST',
        url: tokenUrl,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }).toString(),
      },
      customEndpoint,
    );
    const token = str(field(answer.json, 'access_token'));
    if (answer.status === 200 && token) {
      ctx.addSecret(token);
      ctx.log(`Google OAuth: token issued for ${key.clientEmail}`);
      return token;
    }
    const error = str(field(answer.json, 'error')) ?? '';
    const description = ctx.scrub(str(field(answer.json, 'error_description')) ?? '');
    const cause = providerCause(error || `HTTP ${answer.status}`, description, answer.status);
    const fail = (code: CloudCheckError['code'], message: string) => new CloudCheckError(code, message, { cause });
    if (answer.status === 429 || answer.status === 503) {
      throw new Retryable(
        fail('throttled', `Google's token endpoint kept answering HTTP ${answer.status} after ${ctx.retry.attempts} tries: wait a minute and run the check again.`),
        `HTTP ${answer.status}`,
        retryAfterMs(answer.headers['retry-after']),
      );
    }
    if (!error) {
      throw fail('bad_response', `${tokenUrl} answered HTTP ${answer.status} without an OAuth answer: check the identity's endpoint URL${customEndpoint ? '' : ', or try again later'}.`);
    }
    if (error === 'invalid_grant' && /iat|exp|short-lived|timeframe/i.test(description)) {
      throw fail('clock_skew', `Google refused the token request because the Tendril's clock is off (${firstSentence(description)}): sync the clock (NTP) on the machine running the Tendril.`);
    }
    if (error === 'invalid_grant' && /account not found|disabled|does not exist/i.test(description)) {
      throw fail(
        'unknown_key',
        `Google does not know the service account ${key.clientEmail} (it was deleted or disabled, or the key file is not its own): check the key file, or create a key for an existing, enabled service account.`,
      );
    }
    if (error === 'invalid_grant' && /signature/i.test(description)) {
      throw fail(
        'invalid_secret',
        `Google rejected the signature of ${keyLabel} (${firstSentence(description)}): the key was deleted or disabled; create a new JSON key (gcloud iam service-accounts keys create key.json --iam-account=${key.clientEmail}) and paste it.`,
      );
    }
    throw fail('invalid_secret', `Google refused a token for ${key.clientEmail} (${error}: ${firstSentence(description)}): create a new JSON key for the service account and paste it.`);
  });
}
