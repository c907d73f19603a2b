/**
 * Vines: plant (create), read, diff and replace a vine's spec, delete. Every call is scoped to the
 * acting user; another user's vine answers exactly like a missing one.
 *
 * Locks are always taken vineyard first, then vine (as the vineyard service does), so concurrent
 * plants, replaces and deletes queue up instead of deadlocking; a harvest's guarded UPDATE of the
 * vine waits for a replace in progress.
 */
import type { Knex } from 'knex';
import { createComponentRepository, type ComponentRow } from '../components/repository.js';
import type { ComponentStatus } from '../components/status.js';
import type { Sealer } from '../crypto.js';
import { ConflictError, NotFoundError, ValidationError, type FieldError } from '../errors.js';
import { createIdentityRepository, type IdentityRow } from '../identities/repository.js';
import { createVineyardRepository } from '../vineyards/repository.js';
import { NEVER_IN_CLOUD, planChanges, toDiff, type PlannedChange, type VineDiff } from './diff.js';
import { createVineRepository, VINE_NAME_UNIQUE, type VineRecord } from './repository.js';
import type { Component, SpecWarning, Vine, VineCreated, VineDetail } from './schema.js';
import { componentKind } from '../components/catalogue.js';
import { publicSettings, renderSpec, resolveSpec, type ResolvedComponent, type ResolvedSpec } from './spec.js';
import { isStage, namePrefix, statePath, STAGES, type Stage } from './stage.js';
import { VINE_BUSY, VINE_DELETABLE } from './status.js';
import { checkDisplayName, invalid, isForeignKeyViolation, isUniqueViolation, isUuid } from '../validation.js';
import { createJobRepository } from '../jobs/repository.js';

export type { Vine, Component, VineDetail } from './schema.js';

export interface VineServiceDeps {
  knex: Knex;
  sealer: Sealer;
}

type Db = Knex | Knex.Transaction;

const vineNotFound = (id: string) => new NotFoundError(`vine ${id} not found`);
const vineyardNotFound = (ref: string) => new NotFoundError(`vineyard ${isUuid(ref) ? ref : JSON.stringify(ref)} not found`);
const busy = (v: VineRecord) => new ConflictError(`vine is ${v.status}: wait for the running job or cancel it`);

export const toVineView = (r: VineRecord): Vine => ({
  ...r,
  options: r.options ?? {},
  name_prefix: namePrefix(r.vineyard_name, r.name, r.stage),
  state_path: statePath(r.vineyard_name, r.name, r.stage),
});

const toComponentView = (c: ComponentRow): Component => ({
  id: c.id,
  kind: c.kind,
  name: c.name,
  status: c.status,
  settings: publicSettings(c),
  outputs: c.outputs,
  error: c.error,
  removed_at: c.removed_at,
  created_at: c.created_at,
  updated_at: c.updated_at,
});

export function createVineService({ knex, sealer }: VineServiceDeps) {
  const vines = createVineRepository(knex);
  const vineyards = createVineyardRepository(knex);
  const identities = createIdentityRepository(knex);
  const components = createComponentRepository(knex);
  const jobs = createJobRepository(knex);

  const secretEquals = (sealed: string, plain: string) => {
    try {
      return sealer.open(sealed) === plain;
    } catch {
      return false; // unreadable with this key: writing the new value is the way out
    }
  };

  /** The settings to write for a component, its secret value sealed (or dropped, or kept). */
  function settingsToWrite(c: ResolvedComponent): Record<string, unknown> {
    const s = { ...c.settings };
    if (c.secret?.mode === 'set') s.value = sealer.seal(c.secret.value);
    if (c.secret?.mode === 'clear') s.value = null;
    return s;
  }

  async function resolveIdentity(userId: string, ref: string, trx: Db): Promise<IdentityRow> {
    const row = (isUuid(ref) ? await identities.findById(userId, ref, trx) : undefined) ?? (await identities.findByName(userId, ref, trx));
    if (!row) throw invalid('vine spec', [{ field: 'identity', message: `identity "${ref}" not found` }]);
    return row;
  }

  const RESOURCE_WORDS: Record<string, string> = { network: 'networks', dns_zone: 'DNS zones' };

  /**
   * An id to adopt (`existing_network_id`, `existing_zone_id`) that the identity's last discovery
   * did not list is accepted — discovery may be stale, the resource newer — with a warning.
   */
  async function adoptionWarnings(identity: IdentityRow, resolved: ResolvedSpec, trx: Db): Promise<SpecWarning[]> {
    const wanted = resolved.components.flatMap((c) => {
      const adopts = componentKind(c.kind)?.adopts;
      const id = adopts ? c.settings[adopts.field] : undefined;
      return adopts && typeof id === 'string' && id !== '' ? [{ field: `${c.path}.${adopts.field}`, resource: adopts.resource, id }] : [];
    });
    if (!wanted.length) return [];
    const last = (await identities.lastDiscoveries([identity.id], trx)).get(identity.id);
    const warnings: SpecWarning[] = [];
    for (const { field, resource, id } of wanted) {
      const words = RESOURCE_WORDS[resource] ?? resource;
      if (identity.provider === 'local') {
        warnings.push({ field, message: `the local sandbox discovers no ${words}: "${id}" is kept as given` });
      } else if (!last) {
        warnings.push({ field, message: `identity "${identity.name}" has not discovered its ${words} yet, so "${id}" could not be checked: it is kept as given; discover them (Identities page, or grape identities discover ${identity.name}) to check it` });
      } else {
        const { found, count } = await identities.discoveredMatch(identity.id, resource, id, trx);
        const truncated = last.result?.truncated === true ? ' (that discovery was truncated: the id may be past its limit)' : '';
        if (!found) warnings.push({ field, message: `"${id}" is not among the ${count} ${words} identity "${identity.name}" last discovered${truncated}: it is kept as given; check the id, or discover again if it is new` });
      }
    }
    return warnings;
  }

  /** Same vineyard and stage: no two names alike; any of the user's vines: no shared cloud prefix. */
  async function assertNameFree(userId: string, vineyard: { id: string; name: string }, name: string, stage: Stage, exceptId: string | undefined, trx: Db) {
    const prefix = namePrefix(vineyard.name, name, stage);
    for (const other of await vines.inStage(userId, stage, trx)) {
      if (other.id === exceptId) continue;
      if (other.vineyard_name === vineyard.name && other.name.toLowerCase() === name.toLowerCase()) {
        throw invalid('vine spec', [{ field: 'name', message: `a vine named "${other.name}" already exists in vineyard "${vineyard.name}" for stage ${stage}` }]);
      }
      if (namePrefix(other.vineyard_name, other.name, stage) === prefix) {
        throw invalid('vine spec', [{ field: 'name', message: `would give the same cloud resource names (${prefix}-…) as vine "${other.vineyard_name}/${other.name}" (${stage}): choose a more distinct name` }]);
      }
    }
  }

  /** The user's vine row, or NotFoundError (also for a malformed id or another user's vine). */
  async function findOwn(userId: string, vineId: string): Promise<VineRecord> {
    const found = isUuid(vineId) && isUuid(userId) ? await vines.findById(userId, vineId) : undefined;
    if (!found) throw vineNotFound(vineId);
    return found;
  }

  async function detail(userId: string, vineId: string): Promise<VineDetail> {
    const record = await findOwn(userId, vineId);
    const rows = await components.listByVine(vineId);
    return { vine: toVineView(record), spec: renderSpec(record, record.identity_name, rows), components: rows.map(toComponentView) };
  }

  /** Locks the vine's vineyard, then the vine; checks it is not busy. */
  async function lockVine(userId: string, vineId: string, trx: Knex.Transaction): Promise<VineRecord> {
    const seen = isUuid(vineId) && isUuid(userId) ? await vines.findById(userId, vineId, trx) : undefined;
    if (!seen) throw vineNotFound(vineId);
    await vineyards.lock(userId, seen.vineyard_id, trx);
    const vine = await vines.lock(userId, vineId, trx);
    if (!vine) throw vineNotFound(vineId);
    if (VINE_BUSY.includes(vine.status)) throw busy(vine);
    return vine;
  }

  /** Validates a spec against a vine's current state: the plan of changes, or a ValidationError. */
  async function plan(userId: string, vine: VineRecord, spec: ResolvedSpec, trx: Db) {
    const identity = await resolveIdentity(userId, spec.identity, trx);
    const rows = await components.listByVine(vine.id, trx);
    const planned = planChanges(vine, rows, spec, identity.id, secretEquals);
    if (planned.errors.length) throw invalid('vine spec', planned.errors);
    return { ...planned, identity, rows, warnings: await adoptionWarnings(identity, spec, trx) };
  }

  async function apply(vineId: string, changes: PlannedChange[], rows: ComponentRow[], trx: Knex.Transaction): Promise<void> {
    // Deletions first: a singleton's new row may need the place of one that never reached the cloud.
    for (const c of changes.filter((x) => x.action === 'delete')) {
      if (NEVER_IN_CLOUD.includes(c.row!.status)) await components.remove(c.kind, c.row!.id, trx);
      else await components.markRemoved(c.kind, c.row!.id, trx);
    }
    for (const c of changes) {
      if (c.action === 'create' && c.row) {
        await vines.restoreComponent(c.kind, c.row.id, trx);
        await components.updateSettings(c.kind, c.row.id, settingsToWrite(c.next!), trx);
      } else if (c.action === 'create') {
        const leftovers = rows.filter((r) => r.kind === c.kind && r.removed_at !== null && NEVER_IN_CLOUD.includes(r.status));
        for (const r of leftovers) await components.remove(r.kind, r.id, trx); // frees a singleton's slot; harmless for lists
        await components.insert(c.kind, vineId, c.name, settingsToWrite(c.next!), trx);
      } else if (c.action === 'update') {
        await components.updateSettings(c.kind, c.row!.id, settingsToWrite(c.next!), trx);
      }
    }
  }

  // The identity was deleted between our read and the insert (its delete holds the row lock).
  const identityGone = (ref: string) => invalid('vine spec', [{ field: 'identity', message: `identity "${ref}" not found` }]);
  const uniqueName = (name: string, stage: string) => invalid('vine spec', [{ field: 'name', message: `a vine named "${name}" already exists in this vineyard for stage ${stage}` }]);

  return {
    async list(userId: string, vineyardId: string): Promise<Vine[]> {
      const vy = isUuid(vineyardId) && isUuid(userId) ? await vineyards.findById(userId, vineyardId) : undefined;
      if (!vy) throw vineyardNotFound(vineyardId);
      return (await vines.listByVineyard(userId, vineyardId)).map(toVineView);
    },

    get: detail,

    /** Every vine of the user, across vineyards (`grape vines`). */
    async listAll(userId: string): Promise<Vine[]> {
      return isUuid(userId) ? (await vines.listByUser(userId)).map(toVineView) : [];
    },

    /** The vine alone (one read, no components): for a check that the user may see it. */
    async getVine(userId: string, vineId: string): Promise<Vine> {
      return toVineView(await findOwn(userId, vineId));
    },

    /** Grape's addressing: `VINEYARD VINE [--stage S]`. */
    async findByNames(userId: string, vineyardName: string, vineName: string, stage?: string): Promise<VineDetail> {
      if (stage !== undefined && !isStage(stage)) throw invalid('vine address', [{ field: 'stage', message: `must be one of: ${STAGES.join(', ')}` }]);
      const vyName = checkDisplayName(vineyardName);
      const vy = 'name' in vyName && isUuid(userId) ? await vineyards.findByName(userId, vyName.name) : undefined;
      if (!vy) throw vineyardNotFound(String(vineyardName));
      const vName = checkDisplayName(vineName);
      const found = 'name' in vName ? await vines.findByName(userId, vy.id, vName.name) : [];
      const matches = stage ? found.filter((v) => v.stage === stage) : found;
      if (matches.length === 0) throw new NotFoundError(`vine ${JSON.stringify(String(vineName))} not found in vineyard "${vy.name}"${stage ? ` for stage ${stage}` : ''}`);
      if (matches.length > 1) {
        throw new ValidationError(`vine "${vineName}" exists in several stages (${matches.map((m) => m.stage).join(', ')}): choose one with --stage`, [
          { field: 'stage', message: `is required: the vine exists in ${matches.map((m) => m.stage).join(', ')}` },
        ]);
      }
      return detail(userId, matches[0]!.id);
    },

    /** Plants a vine: DRAFT, with every component PENDING, in one transaction. */
    async create(userId: string, vineyardId: string, spec: unknown): Promise<VineCreated> {
      const resolved = resolveSpec(spec);
      if (!isUuid(vineyardId) || !isUuid(userId)) throw vineyardNotFound(vineyardId);
      try {
        let warnings: SpecWarning[] = [];
        const id = await knex.transaction(async (trx) => {
          const vy = await vineyards.lock(userId, vineyardId, trx);
          if (!vy) throw vineyardNotFound(vineyardId);
          const identity = await resolveIdentity(userId, resolved.identity, trx);
          const empty = { name: resolved.name, stage: resolved.stage, identity_id: identity.id, options: resolved.options };
          const planned = planChanges(empty, [], resolved, identity.id, secretEquals);
          if (planned.errors.length) throw invalid('vine spec', planned.errors);
          await assertNameFree(userId, vy, resolved.name, resolved.stage, undefined, trx);
          warnings = await adoptionWarnings(identity, resolved, trx);
          const vineId = await vines.insert({ vineyard_id: vy.id, name: resolved.name, stage: resolved.stage, identity_id: identity.id, options: resolved.options }, trx);
          for (const c of resolved.components) await components.insert(c.kind, vineId, c.name, settingsToWrite(c), trx);
          return vineId;
        });
        return { ...(await detail(userId, id)), warnings };
      } catch (err) {
        if (isUniqueViolation(err, VINE_NAME_UNIQUE)) throw uniqueName(resolved.name, resolved.stage);
        if (isForeignKeyViolation(err, 'vines_identity_id_foreign')) throw identityGone(resolved.identity);
        throw err;
      }
    },

    /** What `replace` would change, without changing it. */
    async diff(userId: string, vineId: string, spec: unknown): Promise<VineDiff> {
      const resolved = resolveSpec(spec);
      const vine = isUuid(vineId) && isUuid(userId) ? await vines.findById(userId, vineId) : undefined;
      if (!vine) throw vineNotFound(vineId);
      const { vineFields, changes, warnings } = await plan(userId, vine, resolved, knex);
      return toDiff(vineFields, changes, warnings);
    },

    /**
     * Replaces the vine's spec: new components PENDING, changed ones updated, removed ones deleted
     * (never in the cloud) or marked removed (the next harvest destroys them). Name, stage and
     * identity change only while nothing of the vine is in the cloud (DRAFT or DESTROYED).
     */
    async replace(userId: string, vineId: string, spec: unknown): Promise<{ diff: VineDiff; vine: VineDetail; warnings: SpecWarning[] }> {
      const resolved = resolveSpec(spec);
      let result: VineDiff;
      try {
        result = await knex.transaction(async (trx) => {
          const vine = await lockVine(userId, vineId, trx);
          const { vineFields, changes, identity, rows, warnings } = await plan(userId, vine, resolved, trx);
          const fixed = vineFields.filter((f) => f !== 'options');
          if (fixed.length && !VINE_DELETABLE.includes(vine.status)) {
            throw new ConflictError(`vine is ${vine.status}: its ${fixed.join(', ')} can change only while it is DRAFT or DESTROYED (they are part of its cloud resources); destroy it first`);
          }
          if (vineFields.includes('name') || vineFields.includes('stage')) {
            await assertNameFree(userId, { id: vine.vineyard_id, name: vine.vineyard_name }, resolved.name, resolved.stage, vine.id, trx);
          }
          const diff = toDiff(vineFields, changes, warnings);
          if (!diff.changed) return diff;
          await apply(vine.id, changes, rows, trx);
          await vines.updateConfig(
            vine.id,
            {
              ...(vineFields.includes('name') ? { name: resolved.name } : {}),
              ...(vineFields.includes('stage') ? { stage: resolved.stage } : {}),
              ...(vineFields.includes('identity') ? { identity_id: identity.id } : {}),
              ...(vineFields.includes('options') ? { options: resolved.options } : {}),
            },
            trx,
          );
          return diff;
        });
      } catch (err) {
        if (isUniqueViolation(err, VINE_NAME_UNIQUE)) throw uniqueName(resolved.name, resolved.stage);
        if (isForeignKeyViolation(err, 'vines_identity_id_foreign')) throw identityGone(resolved.identity);
        throw err;
      }
      return { diff: result, vine: await detail(userId, vineId), warnings: result.warnings };
    },

    /** Deletes a vine's configuration: only when nothing of it is in the cloud and no job is running. */
    async delete(userId: string, vineId: string): Promise<void> {
      await knex.transaction(async (trx) => {
        const vine = await lockVine(userId, vineId, trx);
        if (!VINE_DELETABLE.includes(vine.status)) {
          throw new ConflictError(`vine is ${vine.status}: destroy it first (only DRAFT or DESTROYED vines can be deleted)`);
        }
        const running = await jobs.openForVine(vine.id, trx);
        if (running) throw new ConflictError(`a ${running.type} job of this vine is ${running.status}: wait for it or cancel it`);
        await vines.delete(vine.id, trx);
      });
    },
  };
}

export type VineService = ReturnType<typeof createVineService>;
