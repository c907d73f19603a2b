/** Where a state is addressed: `/vines/<id>` or `/pools/<id>` (under /api/v1/state in Trellis). */
import type { StateOwner } from '../domain/state/service.js';
import { isUuid } from '../domain/validation.js';

export const statePath = (o: StateOwner) => ('vineId' in o ? `/vines/${o.vineId}` : `/pools/${o.poolId}`);

export function ownerFromPath(path: string): StateOwner | undefined {
  const m = /^\/(vines|pools)\/([^/]+)$/.exec(path);
  if (!m || !isUuid(m[2])) return undefined;
  return m[1] === 'vines' ? { vineId: m[2]! } : { poolId: m[2]! };
}
