/**
 * Terraform's built-in `http` backend, served (https://developer.hashicorp.com/terraform/language/backend/http):
 * GET the state (200, or 204 when there is none), POST a new one (`?ID=<lock id>` while locked),
 * DELETE it, LOCK and UNLOCK with Terraform's lock info as the body (423 Locked, with the holder's
 * info, when another run holds it: Terraform retries until its -lock-timeout). Every request is
 * authorized by the job's own credential (basic auth: the job's id, its token), good only while
 * the job runs. One handler for Trellis (/api/v1/state/…, remote Tendrils) and for the local server
 * an in-house Tendril's Terraform talks to (src/state/local-server.ts).
 */
import { DomainError } from '../domain/errors.js';
import { StateLockedError, type LockInfo, type StateOwner, type StateService } from '../domain/state/service.js';

export interface StateRequest {
  method: string;
  owner: StateOwner;
  authorization: string | undefined;
  lockId: string | undefined;
  body: Buffer;
}

export interface StateAnswer {
  status: number;
  type?: string;
  body?: Buffer | string;
}

const json = (status: number, value: unknown): StateAnswer => ({ status, type: 'application/json', body: JSON.stringify(value) });

function basic(authorization: string | undefined): { user: string; password: string } | undefined {
  const m = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(authorization ?? '');
  if (!m) return undefined;
  const text = Buffer.from(m[1]!, 'base64').toString('utf8');
  const i = text.indexOf(':');
  return i < 0 ? undefined : { user: text.slice(0, i), password: text.slice(i + 1) };
}

function lockInfo(body: Buffer): LockInfo | undefined {
  try {
    const info = JSON.parse(body.toString('utf8')) as LockInfo;
    return typeof info?.ID === 'string' && info.ID.length > 0 && info.ID.length <= 200 ? info : undefined;
  } catch {
    return undefined;
  }
}

export async function handleStateRequest(svc: StateService, req: StateRequest): Promise<StateAnswer> {
  try {
    const auth = basic(req.authorization);
    const caller = await svc.authorize(req.owner, auth?.user ?? '', auth?.password ?? '');
    switch (req.method) {
      case 'GET': {
        const state = await svc.read(req.owner);
        return state ? { status: 200, type: 'application/json', body: state } : { status: 204 };
      }
      case 'POST':
        await svc.write(req.owner, req.body, caller, req.lockId);
        return { status: 200 };
      case 'DELETE':
        await svc.remove(req.owner, caller);
        return { status: 200 };
      case 'LOCK': {
        const info = lockInfo(req.body);
        if (!info) return json(400, { error: 'LOCK takes Terraform’s lock info (JSON with an ID)' });
        await svc.lock(req.owner, info, caller);
        return { status: 200 };
      }
      case 'UNLOCK': {
        const info = lockInfo(req.body);
        if (!info) return json(400, { error: 'UNLOCK takes Terraform’s lock info (JSON with an ID)' });
        await svc.unlock(req.owner, info.ID);
        return { status: 200 };
      }
      default:
        return json(405, { error: `${req.method} is not a state method (GET, POST, DELETE, LOCK, UNLOCK)` });
    }
  } catch (err) {
    if (err instanceof StateLockedError) return json(423, err.held);
    if (err instanceof DomainError) return json(err.statusCode, { error: err.message });
    throw err;
  }
}
