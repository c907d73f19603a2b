/**
 * A running job's own credential (the state backend's basic-auth password, a remote Tendril's
 * per-job routes): `vtj_` + 32 random bytes (base64url), minted at each claim; only its sha256 is
 * stored (`provision_jobs.job_token_hash`). Its own prefix tells it from an API token (`vnt_`) or a
 * pool token (`vtp_`) wherever one turns up.
 */
import { randomBytes } from 'node:crypto';

export const JOB_TOKEN_PREFIX = 'vtj_';
export const generateJobToken = () => `${JOB_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
