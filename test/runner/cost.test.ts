/**
 * The built-in estimate per target (data/prices/<target>.json through the catalogue's formulas):
 * every target prices every kind at every stage, a price may depend on the stage, and what a target
 * creates once per vine is counted once.
 */
import t from 'tap';
import { COMPONENT_KINDS, type KindName } from '../../src/domain/components/catalogue.js';
import { STAGES, type Stage } from '../../src/domain/vines/stage.js';
import { estimateCost, priceTable } from '../../src/runner/cost.js';

const TARGETS = ['local', 'aws', 'gcp', 'azure'];
const vine = (stage: Stage, extra: Array<{ kind: KindName; name: string; settings?: Record<string, unknown> }> = []): Array<{ kind: KindName; name: string; settings: Record<string, unknown> }> => [
  ...COMPONENT_KINDS.map((k) => ({ kind: k.kind as KindName, name: k.singleton ? k.kind : 'main', settings: k.defaults(stage) as Record<string, unknown> })),
  ...extra.map((e) => ({ kind: e.kind, name: e.name, settings: { ...(COMPONENT_KINDS.find((k) => k.kind === e.kind)!.defaults(stage) as Record<string, unknown>), ...e.settings } })),
];

t.test('every target prices every kind at every stage; lines add up to the total', async (t) => {
  for (const target of TARGETS) {
    for (const stage of STAGES) {
      const c = estimateCost(target, vine(stage), stage);
      t.equal(c.components.length, COMPONENT_KINDS.length, `${target} ${stage}: a line per component`);
      t.ok(c.components.every((l) => Number.isFinite(l.monthly) && l.monthly >= 0), `${target} ${stage}: every line a price`);
      t.equal(c.total, Math.round(c.components.reduce((a, l) => a + l.monthly, 0) * 100) / 100, `${target} ${stage}: total ${c.currency} ${c.total}`);
      t.match(c.label, new RegExp(`built-in ${target} price table`), 'labelled with its table');
      t.equal(c.source, 'estimate');
    }
    const dev = estimateCost(target, vine('development'), 'development').total;
    const prod = estimateCost(target, vine('production'), 'production').total;
    t.ok(prod > 2 * dev, `${target}: production (${prod}) costs well over twice development (${dev})`);
  }
});

t.test('the clouds differ: each target its own table', async (t) => {
  const totals = TARGETS.map((target) => estimateCost(target, vine('production'), 'production').total);
  t.equal(new Set(totals).size, TARGETS.length, `production totals ${totals.join(', ')}`);
});

t.test('a price per stage: AKS is free outside production; the system pool follows the stage', async (t) => {
  const cluster = (stage: Stage) => estimateCost('azure', vine(stage), stage).components.find((l) => l.kind === 'cluster')!.monthly;
  const p = priceTable('azure').cluster as { control_plane: Record<Stage, number>; node: { small: number; large: number }; argocd: number };
  t.equal(cluster('development'), p.control_plane.development + p.argocd + p.node.small * 1, 'development: system pool, Argo CD’s load balancer, one small node');
  t.equal(cluster('production'), p.control_plane.production + p.argocd + p.node.large * 3, 'production: Standard tier and three system nodes, three large nodes');
});

t.test('Argo CD’s load balancer only when argocd_enabled', async (t) => {
  const withArgo = estimateCost('gcp', vine('development'), 'development').components.find((l) => l.kind === 'cluster')!.monthly;
  const without = estimateCost('gcp', vine('development').map((c) => (c.kind === 'cluster' ? { ...c, settings: { ...c.settings, argocd_enabled: false } } : c)), 'development').components.find((l) => l.kind === 'cluster')!.monthly;
  t.equal(withArgo - without, (priceTable('gcp').cluster as { argocd: number }).argocd, 'the difference is the forwarding rule');
});

t.test('what a target creates once per vine is counted once: Azure’s Service Bus namespace', async (t) => {
  const shared = priceTable('azure').shared!;
  t.same(shared.map((s) => s.kinds), [['queues', 'topics']], 'queues and topics share a namespace');
  const lines = estimateCost('azure', vine('development', [{ kind: 'queues', name: 'audit' }, { kind: 'topics', name: 'alerts' }]), 'development').components;
  const messaging = lines.filter((l) => l.kind === 'queues' || l.kind === 'topics');
  t.equal(messaging.reduce((a, l) => a + l.monthly, 0), shared[0]!.monthly, `${messaging.length} queues and topics cost one namespace`);
  t.equal(lines.find((l) => l.kind === 'queues' && l.name === 'audit')!.monthly, shared[0]!.monthly, 'on the first queue (by name)');
  const none = estimateCost('azure', vine('development').filter((c) => c.kind !== 'queues' && c.kind !== 'topics'), 'development');
  t.notOk(none.components.some((l) => l.kind === 'queues' || l.kind === 'topics'), 'no queue or topic: no namespace');
});

t.test('a cache with high availability costs the tier it needs where a target prices it (Azure Premium)', async (t) => {
  const cache = (stage: Stage) => estimateCost('azure', vine(stage), stage).components.find((l) => l.kind === 'caches')!.monthly;
  const p = priceTable('azure').caches as { node: Record<string, number>; node_ha: Record<string, number> };
  t.equal(cache('development'), p.node.small!, 'development: one Basic node');
  t.equal(cache('production'), p.node_ha.large! * 2, 'production (HA, two nodes): Premium');
  const aws = estimateCost('aws', vine('production'), 'production').components.find((l) => l.kind === 'caches')!.monthly;
  t.equal(aws, (priceTable('aws').caches as { node: Record<string, number> }).node.large! * 2, 'AWS has no separate HA price: nodes × node price');
});
