/**
 * A vine's state history as its owner sees it: the versions newest first, what one holds (resource
 * addresses and output names, never a value: values may be secrets), and restoring an older one.
 *
 * Versions are numbered per vine (1 is the first state ever written); the history is append-only,
 * so a number never changes. A restore writes a new version — the old document with a serial above
 * the current one and the current lineage, so Terraform takes it as the newer state — and changes
 * only Terraform's record: the next plan shows what Terraform would change in the cloud to match it.
 */
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import type { Sealer } from '../crypto.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { JOB_OPEN } from '../jobs/status.js';
import { createVineRepository } from '../vines/repository.js';
import { isUuid } from '../validation.js';
import type { StateVersion, StateVersionDetail } from './schema.js';

type Db = Knex | Knex.Transaction;

export const md5 = (b: Buffer) => createHash('md5').update(b).digest('base64');
/** The md5 of an empty document: a deleted state. */
export const EMPTY_MD5 = md5(Buffer.alloc(0));

/** Whose state: a vine's, or the in-account Tendrils' of a pool (DEPLOY_WORKER). */
export type StateOwner = { vineId: string } | { poolId: string };
export const stateKey = (o: StateOwner) => ('vineId' in o ? `vine:${o.vineId}` : `pool:${o.poolId}`);

/** Terraform's lock info (the JSON a LOCK request carries). */
export interface LockInfo {
  ID: string;
  Operation?: string;
  Who?: string;
  Version?: string;
  Created?: string;
  Path?: string;
  Info?: string;
}

/** The newest version of a state (its current one), if any. */
export const currentState = (db: Db, key: string) => db('terraform_states').where({ state_key: key }).orderBy('id', 'desc').first();
/** The lock held on a state, if any. */
export const stateLock = (db: Db, key: string): Promise<{ lock_id: string; info: LockInfo; job_id: string | null } | undefined> =>
  db('terraform_state_locks').where({ state_key: key }).first('lock_id', 'info', 'job_id');
/** Serialises the writers of one state for the transaction (stores, locks, restores). */
export const lockStateKey = (trx: Knex.Transaction, key: string) => trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [key]);

/** What Vintner reads of a state document (Terraform's format 4). */
export interface StateDocument {
  serial?: unknown;
  lineage?: unknown;
  terraform_version?: unknown;
  resources?: unknown;
  outputs?: unknown;
}

const record = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every resource instance's address, as `terraform state list` prints it. */
export function resourceAddresses(doc: StateDocument): string[] {
  if (!Array.isArray(doc.resources)) return [];
  return doc.resources.filter(record).flatMap((r) => {
    const base = `${typeof r.module === 'string' && r.module ? `${r.module}.` : ''}${r.mode === 'data' ? 'data.' : ''}${String(r.type)}.${String(r.name)}`;
    const instances = Array.isArray(r.instances) ? r.instances.filter(record) : [];
    return instances.map((i) => (typeof i.index_key === 'string' || typeof i.index_key === 'number' ? `${base}[${JSON.stringify(i.index_key)}]` : base));
  });
}

export const outputNames = (doc: StateDocument): string[] => (record(doc.outputs) ? Object.keys(doc.outputs) : []);

interface VersionRow {
  id: number;
  version: number;
  total: number;
  serial: number;
  lineage: string;
  resources: number;
  md5: string;
  job_id: string | null;
  job_type: StateVersion['job_type'];
  tendril_id: string | null;
  tendril_name: string | null;
  restored_from: number | null;
  restored_from_version: number | null;
  created_at: Date;
}

const toVersion = (r: VersionRow): StateVersion => ({
  version: r.version,
  current: r.version === r.total,
  serial: Number(r.serial),
  lineage: r.lineage,
  resources: r.resources,
  deleted: r.md5 === EMPTY_MD5,
  origin: r.restored_from !== null ? 'restore' : r.job_id ? 'job' : 'import',
  job_id: r.job_id,
  job_type: r.job_type,
  tendril_id: r.tendril_id,
  tendril_name: r.tendril_name,
  restored_from: r.restored_from_version,
  created_at: r.created_at,
});

/** `12` or `#12`: a version number, else undefined. */
export function parseVersion(v: string | number): number | undefined {
  const m = /^#?(\d{1,9})$/.exec(String(v).trim());
  const n = m ? Number(m[1]) : 0;
  return n >= 1 ? n : undefined;
}

export interface StateHistoryDeps {
  knex: Knex;
  sealer: Sealer;
  /** Seals a state the former pg backend kept for this vine into the store (once). */
  importLegacy(vineId: string, trx: Knex.Transaction): Promise<void>;
}

export function createStateHistory({ knex, sealer, importLegacy }: StateHistoryDeps) {
  const vines = createVineRepository(knex);
  const keyOf = (vineId: string) => stateKey({ vineId });

  /** The vine's versions with their numbers, newest first; restricted by `where` on the numbered rows. */
  const numbered = (vineId: string, db: Db) =>
    db
      .with('v', (q) =>
        q
          .from('terraform_states as s')
          .leftJoin('provision_jobs as j', 'j.id', 's.job_id')
          .leftJoin('tendrils as t', 't.id', 's.tendril_id')
          .where('s.state_key', keyOf(vineId))
          .select(
            's.id',
            db.raw('row_number() OVER (ORDER BY s.id)::int AS version'),
            db.raw('count(*) OVER ()::int AS total'),
            's.serial', 's.lineage', 's.resources', 's.md5', 's.job_id', 'j.type as job_type', 's.tendril_id', 't.name as tendril_name', 's.restored_from', 's.created_at',
          ),
      )
      .from('v')
      .select('v.*', db.raw('(SELECT r.version FROM v r WHERE r.id = v.restored_from) AS restored_from_version'))
      .orderBy('v.version', 'desc');

  async function ownVine(userId: string, vineId: string, db: Db = knex): Promise<{ id: string }> {
    const vine = isUuid(userId) && isUuid(vineId) ? await vines.findById(userId, vineId, db) : undefined;
    if (!vine) throw new NotFoundError(`vine ${vineId} not found`);
    return vine;
  }

  const notFound = (version: string | number) => new NotFoundError(`state version ${version} not found`);

  /** Why no restore is possible now: a job of the vine queued or running, or a run holding the state's lock. */
  async function blocker(vineId: string, db: Db = knex): Promise<string | undefined> {
    const [open, lock] = await Promise.all([
      db('provision_jobs').where({ vine_id: vineId }).whereIn('status', JOB_OPEN).orderBy('queued_at').first('id', 'type', 'status'),
      stateLock(db, keyOf(vineId)),
    ]);
    if (open) return `a ${open.type} job of this vine is ${open.status} (job ${open.id}): restore once it has ended, or cancel it`;
    if (lock) {
      const info = lock.info as { ID?: string; Who?: string; Operation?: string };
      return `the state is locked by ${info.Who ?? 'a Terraform run'} (lock ${info.ID ?? '?'}, ${info.Operation ?? 'an operation'}): restore once the lock is released`;
    }
    return undefined;
  }

  return {
    /** Why a restore of the vine's state is refused now, or undefined (the caller has checked the vine is the user's). */
    restoreBlocked: (vineId: string): Promise<string | undefined> => (isUuid(vineId) ? blocker(vineId) : Promise.resolve(undefined)),

    /**
     * A page of the vine's versions, newest first: `before` a version number (the previous page's
     * last), at most `limit`. A state the former pg backend kept is moved in first.
     */
    async versions(userId: string, vineId: string, page: { limit?: number; before?: number } = {}): Promise<{ items: StateVersion[]; more: boolean }> {
      const vine = await ownVine(userId, vineId);
      const limit = Math.min(Math.max(page.limit ?? 50, 1), 200);
      const read = () => {
        const q = numbered(vine.id, knex).limit(limit + 1);
        return (page.before !== undefined ? q.where('v.version', '<', page.before) : q) as unknown as Promise<VersionRow[]>;
      };
      let rows = await read();
      if (!rows.length && page.before === undefined) {
        await knex.transaction((trx) => importLegacy(vine.id, trx));
        rows = await read();
      }
      return { items: rows.slice(0, limit).map(toVersion), more: rows.length > limit };
    },

    /** One version, with its resources' addresses and its outputs' names (no value of either). */
    async inspect(userId: string, vineId: string, version: string | number): Promise<StateVersionDetail> {
      const vine = await ownVine(userId, vineId);
      const n = parseVersion(version);
      const row = n ? ((await numbered(vine.id, knex).where('v.version', n).first()) as VersionRow | undefined) : undefined;
      if (!row) throw notFound(version);
      const sealed = await knex('terraform_states').where({ id: row.id }).first('state_encrypted');
      const body = sealer.openBytes(sealed.state_encrypted as Buffer);
      let doc: StateDocument = {};
      try {
        doc = body.length ? (JSON.parse(body.toString('utf8')) as StateDocument) : {};
      } catch {
        // Stored states were parsed when written; an unreadable one shows as empty rather than failing the page.
      }
      return {
        ...toVersion(row),
        terraform_version: typeof doc.terraform_version === 'string' ? doc.terraform_version : null,
        resource_addresses: resourceAddresses(doc),
        output_names: outputNames(doc),
      };
    },

    /**
     * Makes an older version the current state again, as a new version (the old document, its
     * serial above the current one, the current lineage). Refused while a job of the vine is queued
     * or running — the vine row is locked, so none can start meanwhile — or while a run holds the
     * state's lock; refused for the current version and for an empty one.
     */
    async restore(userId: string, vineId: string, version: string | number): Promise<StateVersion> {
      return knex.transaction(async (trx) => {
        const vine = isUuid(userId) && isUuid(vineId) ? await vines.lock(userId, vineId, trx) : undefined;
        if (!vine) throw new NotFoundError(`vine ${vineId} not found`);
        const n = parseVersion(version);
        if (!n) throw notFound(version);
        const key = keyOf(vine.id);
        await lockStateKey(trx, key);
        const blocked = await blocker(vine.id, trx);
        if (blocked) throw new ConflictError(blocked);
        const old = await trx('terraform_states').where({ state_key: key }).orderBy('id').offset(n - 1).first();
        if (!old) throw notFound(version);
        const now = await currentState(trx, key);
        if (old.id === now.id) throw new ConflictError(`version ${n} is the current state already`);
        const body = sealer.openBytes(old.state_encrypted as Buffer);
        if (!body.length) throw new ConflictError(`version ${n} is an empty state (Terraform deleted the state then): there is nothing to restore`);
        const doc = JSON.parse(body.toString('utf8')) as StateDocument;
        doc.serial = Number(now.serial) + 1;
        doc.lineage = now.lineage;
        const restored = Buffer.from(`${JSON.stringify(doc, null, 2)}\n`);
        const [row] = await trx('terraform_states')
          .insert({
            state_key: key,
            vine_id: vine.id,
            serial: doc.serial,
            lineage: now.lineage,
            resources: resourceAddresses(doc).length,
            md5: md5(restored),
            state_encrypted: sealer.sealBytes(restored),
            restored_from: old.id,
          })
          .returning('id');
        return toVersion((await numbered(vine.id, trx).where('v.id', row.id).first()) as VersionRow);
      });
    },
  };
}

export type StateHistory = ReturnType<typeof createStateHistory>;
