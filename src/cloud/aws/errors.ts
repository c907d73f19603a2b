/** AWS's error codes (query and REST XML protocols, as the SDK raises them) as CloudCheckErrors. */
import { networkFailure, Retryable, type Ctx, type Target } from '../context.js';
import { CloudCheckError, providerCause } from '../errors.js';
import { firstSentence } from '../http.js';

/** One AWS API call, for messages: "AWS EC2" "DescribeSubnets" as ec2:DescribeSubnets. */
export interface AwsCall extends Target {
  iamPrefix: 'sts' | 'ec2' | 'route53';
  action: string;
}

/** Who signs the calls, for messages. */
export interface AwsSigner {
  /** "access key AKIA…MPLE" or "the Tendril's own access key ASIA…1234". */
  keyLabel: string;
  ambient: boolean;
  customEndpoint: boolean;
  roleArn?: string;
  externalId?: string;
  /** The caller's ARN once known (after GetCallerIdentity or from an AccessDenied message). */
  principal?: string;
}

const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'PriorRequestNotComplete',
  'SlowDown',
  'EC2ThrottledException',
  'BandwidthLimitExceeded',
]);
const CLOCK_SKEW = new Set(['RequestExpired', 'RequestInTheFuture', 'RequestTimeTooSkewed', 'SignatureDoesNotMatch', 'InvalidSignatureException', 'AuthFailure']);
const SKEW_MESSAGE = /Signature expired|Signature not yet current|Request has expired|request time|too skewed/i;

/** The permissions discovery and the check need, named in permission messages. */
export const AWS_READ_ACTIONS = 'sts:GetCallerIdentity, ec2:DescribeRegions, ec2:DescribeVpcs, ec2:DescribeSubnets and route53:ListHostedZones';

interface SdkError {
  name?: string;
  message?: string;
  $fault?: string;
  $metadata?: { httpStatusCode?: number; clockSkewCorrected?: boolean };
}

/**
 * Maps what the SDK threw. `skewMs` is the SDK's estimate of how far the local clock is from
 * AWS's (from the answer's Date header), when it has one.
 */
export function awsFailure(err: unknown, call: AwsCall, who: AwsSigner, ctx: Ctx, skewMs: number): CloudCheckError | Retryable {
  if (err instanceof CloudCheckError) return err;
  const e = (err ?? {}) as SdkError;
  const code = typeof e.name === 'string' ? e.name : 'Error';
  const text = ctx.scrub(typeof e.message === 'string' ? e.message : String(err));
  const status = e.$metadata?.httpStatusCode;
  const cause = providerCause(code, text, status);
  const fail = (c: CloudCheckError['code'], message: string) => new CloudCheckError(c, message, { cause });
  const op = `${call.service} ${call.action}`;

  if (code === 'CredentialsProviderError') {
    return fail(
      'no_credentials',
      `The Tendril has no AWS credentials of its own${who.roleArn ? ` to assume role ${who.roleArn} with` : ''} (${firstSentence(text)}): give the Tendril an instance or task role, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in its environment, or store access keys on the identity.`,
    );
  }
  if (status === undefined) {
    const net = networkFailure(err, call, who.customEndpoint);
    if (net) return net;
    return fail('bad_response', `${op} could not be completed at ${call.url} (${code}: ${firstSentence(text)}): check the identity's endpoint URL, or try again later.`);
  }
  if (THROTTLING.has(code) || status === 429 || status === 503) {
    const reason = `throttled (${code}, HTTP ${status})`;
    return new Retryable(
      fail('throttled', `${call.service} kept throttling ${call.action} (${code}) after ${ctx.retry.attempts} tries: wait a minute and run the check again, or lower the account's API traffic.`),
      reason,
    );
  }
  if (CLOCK_SKEW.has(code) && (e.$metadata?.clockSkewCorrected || SKEW_MESSAGE.test(text))) {
    const off = Math.abs(skewMs);
    const how = off >= 60_000 ? `${Math.round(off / 60_000)} minutes ${skewMs > 0 ? 'behind' : 'ahead of'} AWS's` : 'off from AWS\'s';
    return fail('clock_skew', `The Tendril's clock is ${how}, and AWS refuses requests signed more than 5 minutes off (${code}): sync the clock (NTP) on the machine running the Tendril.`);
  }
  if (code === 'InvalidClientTokenId' || code === 'UnrecognizedClientException' || (code === 'AuthFailure' && !who.ambient)) {
    return who.ambient
      ? fail('unknown_key', `AWS does not know ${who.keyLabel} (it may have been deleted or deactivated): fix the credentials in the Tendril's environment or role, or store access keys on the identity.`)
      : fail('unknown_key', `AWS does not know the ${who.keyLabel} (it may have been deleted or deactivated): check the key id, or create a new access key in IAM.`);
  }
  if (code === 'SignatureDoesNotMatch' || code === 'InvalidSignatureException' || code === 'IncompleteSignature') {
    return fail('invalid_secret', `AWS rejected the signature made with ${who.ambient ? who.keyLabel : `the ${who.keyLabel}`}: the secret access key is wrong; paste the secret that belongs to this key id, or create a new access key in IAM.`);
  }
  if (code === 'ExpiredToken' || code === 'ExpiredTokenException' || code === 'TokenRefreshRequired') {
    return fail('expired', `The AWS session token of ${who.ambient ? who.keyLabel : `the ${who.keyLabel}`} has expired: renew the Tendril's credentials (refresh its session or role), then run the check again.`);
  }
  if (call.action === 'AssumeRole') {
    const principal = text.match(/User: (arn:\S+) is not authorized/)?.[1] ?? who.principal ?? `the ${who.keyLabel}`;
    if (code === 'AccessDenied' || code === 'AccessDeniedException') {
      // AWS answers the same AccessDenied whether the trust policy does not name this caller or its
      // sts:ExternalId condition does not match: with an external id set, the mismatch is the likelier.
      return who.externalId
        ? fail(
            'external_id_mismatch',
            `AWS refused to let ${principal} assume role ${who.roleArn} with external id ${who.externalId}: the external id may not match the role's sts:ExternalId condition, or the role's trust policy may not trust this caller (AWS gives the same answer for both); check the external id, then the trust policy.`,
          )
        : fail(
            'role_not_assumable',
            `AWS refused to let ${principal} assume role ${who.roleArn}: allow it in the role's trust policy (and sts:AssumeRole on the role in the caller's policy), or set the external id on the identity if the trust policy requires one.`,
          );
    }
    if (code === 'ValidationError' || code === 'InvalidParameterValue' || code === 'MalformedPolicyDocument') {
      return fail('role_not_assumable', `AWS rejected the AssumeRole request for ${who.roleArn} (${code}: ${firstSentence(text)}): check the role ARN and the external id.`);
    }
    if (code === 'RegionDisabledException') {
      return fail('region_unknown', `STS is not activated in ${call.url}'s region for this account (${code}): activate it under IAM → Account settings, or use another region.`);
    }
  }
  if (code === 'OptInRequired') {
    return fail('api_disabled', `The AWS account is not signed up for ${call.service} (${code}): complete the account's sign-up for the service, then run the check again.`);
  }
  if (code === 'UnauthorizedOperation' || code === 'AccessDenied' || code === 'AccessDeniedException' || status === 403) {
    const principal = text.match(/User: (arn:\S+) is not authorized/)?.[1] ?? who.principal ?? `the ${who.keyLabel}`;
    return fail(
      'permission_denied',
      `${principal} may not call ${call.iamPrefix}:${call.action} (${code}): allow ${AWS_READ_ACTIONS} in its IAM policy.`,
    );
  }
  if (status >= 500) {
    return fail('bad_response', `${op} failed on AWS's side (${code}, HTTP ${status}): try again in a few minutes.`);
  }
  return fail('bad_response', `${op} was refused (${code}, HTTP ${status}: ${firstSentence(text)}): check the identity's settings${who.customEndpoint ? ' and endpoint URL' : ''}.`);
}
