export const CLOUD_CHECK_ERROR_CODES = [
  'unknown_key',
  'invalid_secret',
  'expired',
  'no_credentials',
  'role_not_assumable',
  'external_id_mismatch',
  'project_not_found',
  'api_disabled',
  'permission_denied',
  'subscription_disabled',
  'subscription_not_found',
  'tenant_not_found',
  'region_unknown',
  'endpoint_unreachable',
  'timeout',
  'clock_skew',
  'throttled',
  'bad_response',
  'cancelled',
] as const;
export type CloudCheckErrorCode = (typeof CLOUD_CHECK_ERROR_CODES)[number];

/**
 * A check that failed for a reason a person can act on. The message is one sentence naming the
 * cause and the fix; neither it nor `cause` ever holds a secret (`cause` is rebuilt from the
 * provider's error code and message, not the original error object).
 */
export class CloudCheckError extends Error {
  override readonly name = 'CloudCheckError';
  constructor(
    readonly code: CloudCheckErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A short, secret-free stand-in for a provider's error, kept as `cause`. */
export function providerCause(code: string, message: string, status?: number): Error {
  const e = new Error(`${code}: ${message}`.slice(0, 1000));
  return Object.assign(e, { code, ...(status === undefined ? {} : { status }) });
}
