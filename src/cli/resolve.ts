/**
 * Names to objects: a vineyard (`acme` or its id), a vine (`acme/shop`, with `--stage` when it
 * exists in several stages, or its id), an identity (`prod-aws` or its id). The API answers the
 * not-found and which-stage errors; Grape only builds the request.
 */
import type { ApiClient } from './client.js';
import { usage } from './errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const seg = encodeURIComponent;

export interface VineyardJson {
  id: string;
  name: string;
  description: string;
  vine_count: number;
  vines_by_status: Record<string, number>;
  created_at: string;
}
export interface VineJson {
  id: string;
  vineyard_id: string;
  vineyard_name: string;
  name: string;
  stage: string;
  identity_name: string;
  status: string;
  config_version: number;
  applied_config_version: number | null;
  name_prefix: string;
  error: string | null;
  updated_at: string;
}
export interface ComponentJson {
  kind: string;
  name: string;
  status: string;
  outputs: Record<string, unknown>;
  error: string | null;
  removed_at: string | null;
}
export interface VineDetailJson {
  vine: VineJson;
  spec: Record<string, unknown>;
  components: ComponentJson[];
}
export interface JobJson {
  id: string;
  vine_id: string | null;
  identity_id: string | null;
  type: string;
  status: string;
  error: string | null;
  result: Record<string, unknown> | null;
  plan_job_id: string | null;
  queued_at: string;
  finished_at: string | null;
  created_at: string;
}
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
