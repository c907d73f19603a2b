import { createHash } from 'node:crypto';
import { Type } from '@sinclair/typebox';

export const Stage = {
  development: 'development',
  staging: 'staging',
  production: 'production',
} as const;
export type Stage = (typeof Stage)[keyof typeof Stage];
export const STAGES = Object.values(Stage);
export const StageSchema = Type.Union(STAGES.map((s) => Type.Literal(s)));
export const isStage = (v: unknown): v is Stage => typeof v === 'string' && (STAGES as string[]).includes(v);

export const STAGE_SHORT: Record<Stage, string> = { development: 'dev', staging: 'stg', production: 'prod' };

/** What a stage means for sizing: development is small and single-zone, production is HA. */
export interface StageProfile {
  size: 'small' | 'medium' | 'large';
  zones: number;
  highAvailability: boolean;
  backupRetentionDays: number;
  nodeMin: number;
  nodeMax: number;
  recoveryWindowDays: number;
}
export const STAGE_PROFILE: Record<Stage, StageProfile> = {
  development: { size: 'small', zones: 1, highAvailability: false, backupRetentionDays: 1, nodeMin: 1, nodeMax: 2, recoveryWindowDays: 0 },
  staging: { size: 'medium', zones: 2, highAvailability: false, backupRetentionDays: 7, nodeMin: 2, nodeMax: 4, recoveryWindowDays: 7 },
  production: { size: 'large', zones: 3, highAvailability: true, backupRetentionDays: 30, nodeMin: 3, nodeMax: 10, recoveryWindowDays: 30 },
};

/**
 * The strictest limit among the clouds' resource names that carry the prefix (Azure Key Vault:
 * 3–24 characters, letters, digits and hyphens, starting with a letter, no consecutive hyphens).
 */
export const NAME_PREFIX_MAX = 24;
/** Names derived from the prefix for one component (most clouds: 63, DNS label length). */
export const RESOURCE_NAME_MAX = 63;

const hash4 = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 4);

/**
 * Lowercase ASCII letters, digits and single hyphens; accents are folded (é → e), anything else
 * becomes a hyphen. May be empty when nothing in the input survives.
 */
export function slugify(input: string): string {
  return input
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

function fit(slug: string, original: string, max: number): string {
  if (slug.length > 0 && slug.length <= max) return slug;
  // Too long or nothing left (e.g. an all-CJK name): keep what fits plus a short hash of the
  // original, so distinct names stay distinct.
  const h = hash4(original);
  const keep = Math.max(0, max - h.length - 1);
  const head = slug.slice(0, keep).replace(/-+$/, '');
  return head ? `${head}-${h}` : `x${h}`.slice(0, max);
}

/** `<vineyard>-<vine>-<stage short>`: DNS-safe, starts with a letter, at most NAME_PREFIX_MAX. */
export function namePrefix(vineyard: string, vine: string, stage: Stage): string {
  const short = STAGE_SHORT[stage];
  const budget = NAME_PREFIX_MAX - short.length - 2; // two joining hyphens
  let vy = slugify(vineyard);
  let v = slugify(vine);
  if (vy.length + v.length > budget || !vy || !v) {
    const vyMax = Math.max(5, Math.min(vy.length || 5, Math.floor(budget / 2)));
    vy = fit(vy, vineyard, vyMax);
    v = fit(v, vine, budget - vy.length);
  }
  let prefix = `${vy}-${v}-${short}`;
  if (!/^[a-z]/.test(prefix)) prefix = `v${prefix}`.slice(0, NAME_PREFIX_MAX).replace(/-+$/, '');
  return prefix.replace(/-{2,}/g, '-');
}

/**
 * A component's resource name: `<prefix>-<kind short>-<component>` (`acme-shop-dev-db-main`), or
 * `<prefix>-<kind short>` for a singleton keeping its kind's name (`acme-shop-dev-net`): unique
 * per vine and kind, so `databases/main` and `caches/main` never collide; DNS-safe, at most `max`.
 */
export function resourceName(prefix: string, kind: { kind: string; short: string }, component: string, max = RESOURCE_NAME_MAX): string {
  const base = `${prefix}-${kind.short}`;
  if (component === kind.kind) return base;
  const room = max - base.length - 1;
  return `${base}-${fit(slugify(component), component, room)}`.replace(/-{2,}/g, '-');
}

/** The state path shown to users; also the pg backend workspace key. */
export function statePath(vineyard: string, vine: string, stage: Stage): string {
  return `vineyards/${vineyard}/vines/${vine}/${stage}`;
}

/** A DNS-safe label (RFC 1123): what names users give must be able to become. */
export const NAME_PATTERN = '^[a-z][a-z0-9-]{0,38}[a-z0-9]$|^[a-z]$';
export const NAME_RULE = 'lowercase letters, digits and hyphens, starting with a letter and ending with a letter or digit, at most 40 characters';
export const isValidName = (s: string) => new RegExp(NAME_PATTERN).test(s) && !s.includes('--');
