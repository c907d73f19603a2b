/**
 * The AWS fake's SigV4 verifier against the worked example of AWS's Signature Version 4
 * documentation (IAM ListUsers, AKIDEXAMPLE, 20150830T123600Z), so the fake is checked against
 * AWS's own numbers and not only against the SDK it tests.
 */
import t from 'tap';
import { verifySigV4 } from './fakes/sigv4.js';
import type { RecordedRequest } from './fakes/server.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'; // AWS's published example key
const SIGNATURE = '5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7';
const NOW = new Date('2015-08-30T12:36:00Z');

function request(signature = SIGNATURE, date = '20150830T123600Z'): RecordedRequest {
  const url = '/?Action=ListUsers&Version=2010-05-08';
  return {
    method: 'GET',
    url,
    path: '/',
    query: new URL(url, 'http://x').searchParams,
    headers: {
      host: 'iam.amazonaws.com',
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      'x-amz-date': date,
      authorization: `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=${signature}`,
    },
    body: '',
  };
}
const secretFor = (id: string) => (id === 'AKIDEXAMPLE' ? SECRET : undefined);

t.test("AWS's worked example verifies", async (t) => {
  t.match(verifySigV4(request(), secretFor, NOW), { ok: true, accessKeyId: 'AKIDEXAMPLE', region: 'us-east-1', service: 'iam' });
});

t.test('a changed signature, secret, key or clock is refused as AWS refuses it', async (t) => {
  t.match(verifySigV4(request(SIGNATURE.replace(/^5/, '6')), secretFor, NOW), { ok: false, code: 'SignatureDoesNotMatch' });
  t.match(verifySigV4(request(), () => `${SECRET}x`, NOW), { ok: false, code: 'SignatureDoesNotMatch' });
  t.match(verifySigV4(request(), () => undefined, NOW), { ok: false, code: 'InvalidClientTokenId' });
  t.match(verifySigV4(request(), secretFor, new Date(NOW.getTime() + 6 * 60_000)), { ok: false, code: 'SignatureExpired', message: /^Signature expired: 20150830T123600Z is now earlier than 20150830T123700Z \(20150830T124200Z - 5 min\.\)$/ });
  t.match(verifySigV4(request(), secretFor, new Date(NOW.getTime() - 6 * 60_000)), { ok: false, code: 'SignatureExpired', message: /^Signature not yet current/ });
});
