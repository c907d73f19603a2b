/**
 * Names to objects: a vineyard (`acme` or its id), a vine (`acme/shop`, with `--stage` when it
 * exists in several stages, or its id), an identity (`prod-aws` or its id), a pool (`edge` or its id). The API answers the
 * not-found and which-stage errors; Grape only builds the request.
 */
import type { ApiClient } from './client.js';
import { usage } from './errors.js';
import type { Json } from '../domain/schema.js';
import type { Vineyard } from '../domain/vineyards/schema.js';
import type { Component, Vine, VineDetail, VineDiff } from '../domain/vines/schema.js';
import type { Job } from '../domain/jobs/schema.js';
import type { DiscoveredResource, Identity } from '../domain/identities/schema.js';
import type { Tendril } from '../domain/tendrils/schema.js';
import type { Pool, PoolTendril, PoolToken, PoolTokenCreated } from '../domain/pools/schema.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const seg = encodeURIComponent;

/** What the API answers, typed by the server's own declarations (timestamps as strings). */
export type VineyardJson = Json<Vineyard>;
export type VineJson = Json<Vine>;
export type ComponentJson = Json<Component>;
export type VineDetailJson = Json<VineDetail>;
export type JobJson = Json<Job>;
export type IdentityJson = Json<Identity>;
export type DiscoveredResourceJson = Json<DiscoveredResource>;
export type TendrilJson = Json<Tendril>;
export type VineDiffJson = Json<VineDiff>;
export type PoolJson = Json<Pool>;
export type PoolTokenJson = Json<PoolToken>;
export type PoolTokenCreatedJson = Json<PoolTokenCreated>;
export type PoolTendrilJson = Json<PoolTendril>;
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export function vineyard(api: ApiClient, ref: string): Promise<VineyardJson> {
  return api.call<VineyardJson>('GET', UUID.test(ref) ? `/vineyards/${ref}` : `/vineyards/by-name/${seg(ref)}`);
}

/** `VINEYARD/VINE` or a vine id. */
export function vine(api: ApiClient, ref: string, stage?: string): Promise<VineDetailJson> {
  if (UUID.test(ref)) return api.call<VineDetailJson>('GET', `/vines/${ref}`);
  const slash = ref.indexOf('/');
  if (slash <= 0 || slash === ref.length - 1) throw usage(`"${ref}" is not VINEYARD/VINE (e.g. acme/shop) nor a vine id`);
  const q = stage ? `?stage=${seg(stage)}` : '';
  return api.call<VineDetailJson>('GET', `/vines/by-name/${seg(ref.slice(0, slash))}/${seg(ref.slice(slash + 1))}${q}`);
}

export function identityId(api: ApiClient, ref: string): Promise<{ id: string; name: string }> {
  return api.call('GET', UUID.test(ref) ? `/identities/${ref}` : `/identities/by-name/${seg(ref)}`);
}

/** A pool: its name or id. */
export function pool(api: ApiClient, ref: string): Promise<PoolJson> {
  return api.call<PoolJson>('GET', UUID.test(ref) ? `/pools/${ref}` : `/pools/by-name/${seg(ref)}`);
}

export function jobId(ref: string): string {
  if (!UUID.test(ref)) throw usage(`"${ref}" is not a job id (a UUID, as grape jobs shows it)`);
  return ref;
}

/** Every item of a paged list. */
export async function all<T>(api: ApiClient, path: string): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const sep: string = path.includes('?') ? '&' : '?';
    const page: Page<T> = await api.call<Page<T>>('GET', `${path}${sep}limit=200${cursor ? `&cursor=${seg(cursor)}` : ''}`);
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return items;
}
