/**
 * Verifies an AWS Signature Version 4 the way AWS does, written from the published algorithm
 * (canonical request → string to sign → HMAC chain), independently of the SDK's signer.
 */
import { createHash, createHmac } from 'node:crypto';
import type { RecordedRequest } from './server.js';

export interface SigV4Ok {
  ok: true;
  accessKeyId: string;
  region: string;
  service: string;
  amzDate: Date;
}
export interface SigV4Refusal {
  ok: false;
  code: string;
  message: string;
}

const sha256 = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');
const hmac = (key: string | Buffer, s: string) => createHmac('sha256', key).update(s).digest();

function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function canonicalQuery(raw: string): string {
  if (!raw) return '';
  return raw
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const [k = '', v = ''] = pair.split('=');
      return [rfc3986(decodeURIComponent(k.replace(/\+/g, ' '))), rfc3986(decodeURIComponent(v.replace(/\+/g, ' ')))] as const;
    })
    .sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

function parseAmzDate(s: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  return m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!)) : undefined;
}

export function formatAmzDate(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/**
 * `secretFor` answers the secret of an access key id, or undefined when the key is unknown.
 * `now` is the fake's clock: a signature more than 5 minutes away from it is refused.
 */
export function verifySigV4(req: RecordedRequest, secretFor: (accessKeyId: string) => string | undefined, now: Date): SigV4Ok | SigV4Refusal {
  const auth = req.headers.authorization ?? '';
  const m = /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return { ok: false, code: 'MissingAuthenticationToken', message: 'Request is missing Authentication Token' };
  const [, accessKeyId = '', scopeDate = '', region = '', service = '', signedHeaders = '', signature = ''] = m;
  const amzDateRaw = String(req.headers['x-amz-date'] ?? '');
  const amzDate = parseAmzDate(amzDateRaw);
  if (!amzDate) return { ok: false, code: 'IncompleteSignature', message: 'Authorization header requires existence of either a \'X-Amz-Date\' or a \'Date\' header.' };
  const secret = secretFor(accessKeyId);
  if (secret === undefined) return { ok: false, code: 'InvalidClientTokenId', message: 'The security token included in the request is invalid.' };
  const skew = amzDate.getTime() - now.getTime();
  if (skew < -5 * 60_000) {
    return { ok: false, code: 'SignatureExpired', message: `Signature expired: ${amzDateRaw} is now earlier than ${formatAmzDate(new Date(now.getTime() - 5 * 60_000))} (${formatAmzDate(now)} - 5 min.)` };
  }
  if (skew > 5 * 60_000) {
    return { ok: false, code: 'SignatureExpired', message: `Signature not yet current: ${amzDateRaw} is still later than ${formatAmzDate(new Date(now.getTime() + 5 * 60_000))} (${formatAmzDate(now)} + 5 min.)` };
  }
  if (scopeDate !== amzDateRaw.slice(0, 8)) {
    return { ok: false, code: 'SignatureDoesNotMatch', message: `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scopeDate}' != '${amzDateRaw.slice(0, 8)}'` };
  }
  const names = signedHeaders.split(';');
  if (!names.includes('host')) return { ok: false, code: 'SignatureDoesNotMatch', message: "'Host' must be a signed header" };
  const headerLines = names.map((n) => {
    const v = req.headers[n];
    const value = (Array.isArray(v) ? v.join(',') : (v ?? '')).trim().replace(/\s+/g, ' ');
    return `${n}:${value}\n`;
  });
  const [rawPath = '/', rawQuery = ''] = req.url.split('?', 2);
  const canonicalPath = rawPath
    .split('/')
    .map((seg) => rfc3986(seg))
    .join('/');
  const payloadHash = String(req.headers['x-amz-content-sha256'] ?? sha256(req.body));
  if (payloadHash !== 'UNSIGNED-PAYLOAD' && payloadHash !== sha256(req.body)) {
    return { ok: false, code: 'XAmzContentSHA256Mismatch', message: 'The provided x-amz-content-sha256 header does not match what was computed.' };
  }
  const canonicalRequest = [req.method, canonicalPath, canonicalQuery(rawQuery), headerLines.join(''), signedHeaders, payloadHash].join('\n');
  const scope = `${scopeDate}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDateRaw, scope, sha256(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, scopeDate), region), service), 'aws4_request');
  const expected = createHmac('sha256', key).update(stringToSign).digest('hex');
  if (expected !== signature) {
    return {
      ok: false,
      code: 'SignatureDoesNotMatch',
      message: 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    };
  }
  return { ok: true, accessKeyId, region, service, amzDate };
}
