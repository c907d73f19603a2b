/**
 * Monthly cost of a vine's configuration from the price table shipped in data/prices.json —
 * labelled an estimate. (Infracost, when configured, replaces it for cloud targets.)
 */
import { readFileSync } from 'node:fs';
import type { ComponentRow } from '../components/repository.js';

const prices = JSON.parse(readFileSync(new URL('../../../data/prices.json', import.meta.url), 'utf8')) as Record<string, any>;

export interface CostLine {
  kind: string;
  name: string;
  monthly: number;
}
export interface CostEstimate {
  source: 'estimate' | 'infracost';
  label: string;
  currency: string;
  total: number;
  components: CostLine[];
}

const round = (n: number) => Math.round(n * 100) / 100;

function monthly(c: Pick<ComponentRow, 'kind' | 'settings'>): number {
  const s = c.settings as Record<string, any>;
  const p = prices[c.kind];
  switch (c.kind) {
    case 'network':
      return p.base + (p.nat_gateway[s.nat_gateway] ?? 0) * (s.nat_gateway === 'per_az' ? s.az_count : 1);
    case 'cluster':
      return p.control_plane + (p.node[s.node_size] ?? 0) * Math.max(s.node_min, 1);
    case 'dns':
      return s.existing_zone_id ? 0 : p.zone;
    case 'databases':
      return (p.instance[s.size] ?? 0) * (s.high_availability ? p.ha_multiplier : 1) + s.storage_gb * p.storage_gb;
    case 'caches':
      return (p.node[s.size] ?? 0) * s.node_count;
    case 'nosql_tables':
      return p[s.billing_mode] ?? 0;
    case 'container_registries':
      return p.base + p.per_image * s.keep_images;
    case 'secrets':
      return p.secret;
    default:
      return p?.base ?? 0;
  }
}

export function estimateCost(components: Array<Pick<ComponentRow, 'kind' | 'name' | 'settings'>>): CostEstimate {
  const lines = components.map((c) => ({ kind: c.kind, name: c.name, monthly: round(monthly(c)) }));
  return {
    source: 'estimate',
    label: 'estimate (built-in price table, on-demand list prices)',
    currency: prices.currency,
    total: round(lines.reduce((a, l) => a + l.monthly, 0)),
    components: lines,
  };
}

/**
 * Infracost on the plan's JSON, when its binary and API key are configured. Any failure falls
 * back to the built-in estimate (the caller logs why): a cost figure never fails a plan.
 */
export async function infracostCost(
  opts: { bin: string; apiKey: string; planJsonFile: string; signal: AbortSignal },
  fallback: CostEstimate,
): Promise<{ cost: CostEstimate; note?: string }> {
  const { execa } = await import('execa');
  try {
    const { stdout } = await execa(opts.bin, ['breakdown', '--path', opts.planJsonFile, '--format', 'json', '--no-color'], {
      env: { INFRACOST_API_KEY: opts.apiKey, INFRACOST_SKIP_UPDATE_CHECK: 'true', PATH: process.env.PATH ?? '' },
      extendEnv: false,
      timeout: 120_000,
      cancelSignal: opts.signal,
    });
    const doc = JSON.parse(stdout) as { currency?: string; totalMonthlyCost?: string | null; projects?: Array<{ breakdown?: { resources?: Array<{ name: string; monthlyCost?: string | null }> } }> };
    const resources = (doc.projects ?? []).flatMap((p) => p.breakdown?.resources ?? []);
    return {
      cost: {
        source: 'infracost',
        label: 'Infracost',
        currency: doc.currency ?? 'USD',
        total: round(Number(doc.totalMonthlyCost ?? 0)),
        components: resources.map((r) => ({ kind: 'resource', name: r.name, monthly: round(Number(r.monthlyCost ?? 0)) })),
      },
    };
  } catch (err) {
    const e = err as { shortMessage?: string; message?: string };
    return { cost: fallback, note: `Infracost failed (${(e.shortMessage ?? e.message ?? String(err)).split('\n')[0]}); showing the built-in estimate` };
  }
}
