/**
 * Terraform state, kept by Vintner: every version of a vine's (or a pool's) state sealed with
 * AES-256-GCM — it holds every secret Terraform knows — with who wrote it (job, Tendril), one lock
 * per state, and the rules of Terraform's `http` backend (src/state/protocol.ts speaks it).
 *
 * Who may read, write or lock a state: the job that runs on it, with its own credential (minted
 * at its claim, stored hashed), and only while the job holds its lease — a run whose lease was
 * taken away can neither write nor lock any more. Users read its history and restore an older
 * version through the vine's owner, never while a job runs on it.
 */
import type { Knex } from 'knex';
import type { Sealer } from '../crypto.js';
import { ConflictError, ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from '../errors.js';
import { JOB_RUNNING } from '../jobs/status.js';
import { hashToken } from '../users/tokens.js';
import { isUuid } from '../validation.js';
import { createStateHistory, currentState, EMPTY_MD5, lockStateKey, md5, resourceAddresses, stateKey, stateLock, type LockInfo, type StateDocument, type StateOwner } from './history.js';

type Db = Knex | Knex.Transaction;

export { stateKey, type LockInfo, type StateOwner };
const ownerColumns = (o: StateOwner) => ('vineId' in o ? { vine_id: o.vineId, pool_id: null } : { vine_id: null, pool_id: o.poolId });


/** The run allowed to touch a state: a running job, its credential checked. */
export interface StateCaller {
  jobId: string;
  tendrilId: string | null;
}

export class StateLockedError extends ConflictError {
  override name = 'StateLockedError';
  constructor(readonly held: LockInfo) {
    super(`the state is locked by ${held.Who ?? 'another run'} (lock ${held.ID}, ${held.Operation ?? 'an operation'})`);
  }
}

function parseState(body: Buffer): { serial: number; lineage: string; resources: number } {
  let doc: StateDocument;
  try {
    doc = JSON.parse(body.toString('utf8')) as StateDocument;
  } catch {
    throw new ValidationError('the state is not JSON', [{ field: 'body', message: 'must be a Terraform state document' }]);
  }
  if (typeof doc !== 'object' || doc === null || typeof doc.serial !== 'number' || typeof doc.lineage !== 'string') {
    throw new ValidationError('the state has no serial and lineage', [{ field: 'body', message: 'must be a Terraform state document' }]);
  }
  return { serial: doc.serial, lineage: doc.lineage, resources: resourceAddresses(doc).length };
}

export function createStateService({ knex, sealer }: { knex: Knex; sealer: Sealer }) {
  const current = (key: string, db: Db = knex) => currentState(db, key);

  /**
   * A state kept by Terraform's `pg` backend before (in clear, in schema terraform_state): sealed
   * into the store on first use, then removed from there.
   */
  async function importLegacy(owner: StateOwner, trx: Knex.Transaction): Promise<void> {
    if (!('vineId' in owner)) return;
    const exists = await trx('information_schema.tables').where({ table_schema: 'terraform_state', table_name: 'states' }).first();
    if (!exists) return;
    // FOR UPDATE: a job's first read and the State tab at once move it in once, not twice.
    const legacy = await trx('terraform_state.states').where({ name: `vine-${owner.vineId}` }).forUpdate().first('data');
    if (!legacy?.data) return;
    const body = Buffer.from(String(legacy.data));
    const meta = parseState(body);
    await trx('terraform_states').insert({ state_key: stateKey(owner), ...ownerColumns(owner), ...meta, md5: md5(body), state_encrypted: sealer.sealBytes(body) });
    await trx('terraform_state.states').where({ name: `vine-${owner.vineId}` }).delete();
  }

  /** The owner's current state, if any (an empty body: a deleted state). */
  async function read(owner: StateOwner, db: Db = knex): Promise<Buffer | undefined> {
    let row = await current(stateKey(owner), db);
    if (!row) {
      await knex.transaction((trx) => importLegacy(owner, trx));
      row = await current(stateKey(owner), db);
    }
    if (!row) return undefined;
    const body = sealer.openBytes(row.state_encrypted as Buffer);
    return body.length ? body : undefined;
  }

  const lockOf = (key: string, db: Db = knex) => stateLock(db, key);

  return {
    stateKey,

    /**
     * The caller's job if it may touch this state: the job running (its lease held), its
     * credential right, the state its own. 401 for a bad credential, 403 for a job that is not
     * running or not about this state.
     */
    async authorize(owner: StateOwner, jobId: string, token: string): Promise<StateCaller> {
      if (!isUuid(jobId) || !token) throw new UnauthorizedError('a job id and its credential are required (basic auth)');
      const job = await knex('provision_jobs').where({ id: jobId }).first('id', 'status', 'vine_id', 'pool_id', 'tendril_id', 'job_token_hash');
      if (!job || !job.job_token_hash || job.job_token_hash !== hashToken(token)) throw new UnauthorizedError('unknown job or wrong credential');
      if (!JOB_RUNNING.includes(job.status)) throw new ForbiddenError(`job ${jobId} is ${job.status}: its credential is good only while it runs`);
      const mine = 'vineId' in owner ? job.vine_id === owner.vineId : job.pool_id === owner.poolId;
      if (!mine) throw new ForbiddenError(`job ${jobId} does not run on this state`);
      return { jobId: job.id, tendrilId: job.tendril_id };
    },

    read,

    /** Stores a new version (unless it is the current one again); refused while another holds the lock. */
    async write(owner: StateOwner, body: Buffer, caller: StateCaller, lockId: string | undefined): Promise<void> {
      const meta = parseState(body);
      const key = stateKey(owner);
      await knex.transaction(async (trx) => {
        await lockStateKey(trx, key);
        const lock = await lockOf(key, trx);
        if (lock && lock.lock_id !== lockId && lock.job_id !== caller.jobId) throw new StateLockedError(lock.info);
        const digest = md5(body);
        const now = await current(key, trx);
        if (now && now.md5 === digest) return; // Terraform saves the same state again: nothing new
        await trx('terraform_states').insert({
          state_key: key,
          ...ownerColumns(owner),
          ...meta,
          md5: digest,
          state_encrypted: sealer.sealBytes(body),
          job_id: caller.jobId,
          tendril_id: caller.tendrilId,
        });
      });
    },

    /** Deletes the current state (a new, empty version: the history stays). */
    async remove(owner: StateOwner, caller: StateCaller): Promise<void> {
      const key = stateKey(owner);
      const lock = await lockOf(key);
      if (lock && lock.job_id !== caller.jobId) throw new StateLockedError(lock.info);
      const now = await current(key);
      if (!now) return;
      await knex('terraform_states').insert({ state_key: key, ...ownerColumns(owner), serial: now.serial, lineage: now.lineage, resources: 0, md5: EMPTY_MD5, state_encrypted: sealer.sealBytes(Buffer.alloc(0)), job_id: caller.jobId, tendril_id: caller.tendrilId });
    },

    /**
     * Takes the lock for the caller, or throws StateLockedError with who holds it. Taking it again
     * with the same id is fine, and so is taking over a lock of the caller's own job: a job runs
     * one Terraform command at a time, so its earlier command (stopped while the state store was
     * unreachable, its unlock lost) is over.
     */
    async lock(owner: StateOwner, info: LockInfo, caller: StateCaller): Promise<void> {
      const key = stateKey(owner);
      const [taken] = await knex('terraform_state_locks')
        .insert({ state_key: key, ...ownerColumns(owner), lock_id: info.ID, info: JSON.stringify(info), job_id: caller.jobId })
        .onConflict('state_key')
        .merge(['lock_id', 'info'])
        .where('terraform_state_locks.job_id', caller.jobId)
        .returning('lock_id');
      if (taken) return;
      const held = await lockOf(key);
      if (held && held.lock_id !== info.ID) throw new StateLockedError(held.info);
    },

    /** Releases the lock if `lockId` holds it (or nobody does); another holder's lock stays. */
    async unlock(owner: StateOwner, lockId: string): Promise<void> {
      const key = stateKey(owner);
      const n = await knex('terraform_state_locks').where({ state_key: key, lock_id: lockId }).delete();
      if (n === 0) {
        const held = await lockOf(key);
        if (held) throw new StateLockedError(held.info);
      }
    },

    /**
     * A state a run could not save (its errored.tfstate), found by the next Tendril in the work
     * directory of a run whose Tendril died, its Terraform gone. It becomes the current version when
     * nothing else wrote the state since that run began — the same lineage, a serial not behind,
     * the newest version the run's own or older than its claim, no other run's lock — and the dead
     * run's lock is released. Otherwise the caller keeps it sealed with the job, for a user to
     * recover (the job page's "Recover state"). Answers which.
     */
    async salvage(jobId: string, body: Buffer, tendrilId: string | null): Promise<'current' | 'already' | 'conflict'> {
      const meta = parseState(body);
      const job = isUuid(jobId) ? await knex('provision_jobs').where({ id: jobId }).first('id', 'vine_id', 'pool_id', 'claimed_at') : undefined;
      if (!job || (!job.vine_id && !job.pool_id)) return 'conflict';
      const owner: StateOwner = job.vine_id ? { vineId: job.vine_id } : { poolId: job.pool_id };
      const key = stateKey(owner);
      return knex.transaction(async (trx) => {
        await lockStateKey(trx, key);
        const lock = await lockOf(key, trx);
        if (lock && lock.job_id !== jobId) return 'conflict';
        const now = await current(key, trx);
        const digest = md5(body);
        let outcome: 'current' | 'already' | 'conflict' = 'current';
        if (now && now.md5 === digest) outcome = 'already';
        else if (now) {
          const sinceClaim = !job.claimed_at || now.job_id === jobId || new Date(now.created_at).getTime() <= new Date(job.claimed_at).getTime();
          if (now.lineage !== meta.lineage || Number(now.serial) > meta.serial || !sinceClaim) outcome = 'conflict';
        }
        if (outcome === 'current') {
          await trx('terraform_states').insert({ state_key: key, ...ownerColumns(owner), ...meta, md5: digest, state_encrypted: sealer.sealBytes(body), job_id: jobId, tendril_id: tendrilId });
        }
        if (outcome !== 'conflict') await trx('terraform_state_locks').where({ state_key: key, job_id: jobId }).delete();
        return outcome;
      });
    },

    /** The vine's versions for its owner, what one holds, restoring one (./history.ts). */
    ...createStateHistory({ knex, sealer, importLegacy: (vineId, trx) => importLegacy({ vineId }, trx) }),
  };
}

export type StateService = ReturnType<typeof createStateService>;

/** Releases the state locks of jobs that ended without releasing them (a killed Terraform; the reaper). */
export async function releaseStateLocks(db: Db, jobIds: string[]): Promise<number> {
  if (!jobIds.length) return 0;
  return db('terraform_state_locks').whereIn('job_id', jobIds).delete();
}
