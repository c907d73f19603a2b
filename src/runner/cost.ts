/**
 * Monthly cost of a vine's configuration from the target's price table (data/prices/<target>.json),
 * each kind's formula from the catalogue — labelled an estimate. Infracost, when configured,
 * replaces it.
 *
 * A table's `shared` entries price what the target creates once per vine for some kinds (Azure's
 * Service Bus namespace for queues and topics): counted once, on the first component of those kinds
 * (catalogue order, then name), so every line of the plan's cost table still adds up to its total.
 */
import { readFileSync } from 'node:fs';
import { componentKind, KIND_NAMES, type KindName, type KindPrices } from '../domain/components/catalogue.js';
import type { Stage } from '../domain/vines/stage.js';
import type { ComponentRow } from '../domain/components/repository.js';

export interface SharedPrice {
  kinds: string[];
  monthly: number;
  what: string;
}
export interface PriceTable {
  currency: string;
  shared?: SharedPrice[];
  [kind: string]: KindPrices | string | SharedPrice[] | undefined;
}

const tables = new Map<string, PriceTable>();
/** A target's price table, read once. */
export function priceTable(target: string): PriceTable {
  let t = tables.get(target);
  if (!t) tables.set(target, (t = JSON.parse(readFileSync(new URL(`../../data/prices/${target}.json`, import.meta.url), 'utf8')) as PriceTable));
  return t;
}

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

export function estimateCost(target: string, components: Array<Pick<ComponentRow, 'kind' | 'name' | 'settings'>>, stage: Stage): CostEstimate {
  const prices = priceTable(target);
  const lines = components.map((c) => {
    const k = componentKind(c.kind)!;
    const p = prices[c.kind];
    if (typeof p !== 'object' || Array.isArray(p)) throw new Error(`data/prices/${target}.json has no prices for ${c.kind}`);
    return { kind: c.kind, name: c.name, monthly: k.cost(c.settings as never, p, { stage }) };
  });
  const order = (kind: string) => KIND_NAMES.indexOf(kind as KindName);
  for (const shared of prices.shared ?? []) {
    const first = lines.filter((l) => shared.kinds.includes(l.kind)).sort((a, b) => order(a.kind) - order(b.kind) || a.name.localeCompare(b.name))[0];
    if (first) first.monthly += shared.monthly;
  }
  for (const l of lines) l.monthly = round(l.monthly);
  return {
    source: 'estimate',
    label: `estimate (built-in ${target} price table, on-demand list prices)`,
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
