import t from 'tap';
import { COMPONENT_KINDS } from '../../src/domain/components/catalogue.js';
import { namePrefix, resourceName, slugify, STAGES, NAME_PREFIX_MAX, RESOURCE_NAME_MAX, STAGE_SHORT, statePath } from '../../src/domain/vines/stage.js';

const DNS_SAFE = /^[a-z]([a-z0-9-]*[a-z0-9])?$/;
const cases: Array<[string, string]> = [
  ['acme', 'shop'],
  ['Acme Corp', 'Web Shop'],
  ['a'.repeat(200), 'b'.repeat(200)],
  ['Café Crème', 'Ünïcödé Vïne'],
  ['日本語', 'ヴァイン'],
  ['🍇🍷', '🌱'],
  ['123 numbers', '9lives'],
  ['--dashes--', '__under__scores__'],
  ['x', 'y'],
  ['very-long-vineyard-name-for-testing', 'short'],
];

t.test('name prefixes are DNS-safe and within limits for every stage', async (t) => {
  for (const stage of STAGES) {
    for (const [vy, v] of cases) {
      const p = namePrefix(vy, v, stage);
      t.match(p, DNS_SAFE, `${stage} ${JSON.stringify(vy)}/${JSON.stringify(v)} → ${p} is DNS-safe`);
      t.ok(p.length <= NAME_PREFIX_MAX, `${p} is at most ${NAME_PREFIX_MAX} characters`);
      t.notMatch(p, /--/, 'no consecutive hyphens');
      t.ok(p.endsWith(`-${STAGE_SHORT[stage]}`), 'the stage is in the name');
      for (const k of COMPONENT_KINDS) {
        const r = resourceName(p, k, 'primary-database-with-a-long-name-that-goes-on-and-on');
        t.match(r, DNS_SAFE);
        t.ok(r.length <= RESOURCE_NAME_MAX, `${r} is at most ${RESOURCE_NAME_MAX}`);
      }
    }
  }
});

t.test('the rule reads as promised', async (t) => {
  t.equal(namePrefix('acme', 'shop', 'development'), 'acme-shop-dev');
  t.equal(namePrefix('Acme Corp', 'Web Shop', 'production'), 'acme-corp-web-shop-prod');
  t.equal(namePrefix('Café', 'Crème', 'staging'), 'cafe-creme-stg', 'accents are folded');
  t.equal(slugify('Hello, World!'), 'hello-world');
  t.equal(statePath('acme', 'shop', 'staging'), 'vineyards/acme/vines/shop/staging');
  const kind = (name: string) => COMPONENT_KINDS.find((k) => k.kind === name)!;
  t.equal(resourceName('acme-shop-dev', kind('databases'), 'main'), 'acme-shop-dev-db-main', 'the kind is in the name');
  t.equal(resourceName('acme-shop-dev', kind('caches'), 'main'), 'acme-shop-dev-cache-main', 'so databases/main and caches/main never collide');
  t.equal(resourceName('acme-shop-dev', kind('network'), 'network'), 'acme-shop-dev-net', 'a singleton keeping its kind’s name');
  t.equal(resourceName('acme-shop-dev', kind('network'), 'core'), 'acme-shop-dev-net-core', 'or named otherwise');
  const shorts = COMPONENT_KINDS.map((k) => k.short);
  t.equal(new Set(shorts).size, shorts.length, 'every kind has its own short name');
});

t.test('distinct long or unicode names stay distinct', async (t) => {
  const a = namePrefix('a'.repeat(100) + '1', 'b'.repeat(100), 'development');
  const b = namePrefix('a'.repeat(100) + '2', 'b'.repeat(100), 'development');
  t.not(a, b, 'truncated names keep a hash of the original');
  t.not(namePrefix('日本', 'x', 'development'), namePrefix('中国', 'x', 'development'), 'names with nothing ASCII differ by hash');
});
