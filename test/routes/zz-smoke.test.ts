import t from 'tap';
import { buildTestApp } from '/work/wt-pages/test/helpers.js';
import { agent } from '/work/wt-pages/test/routes/agent.js';

t.test('smoke', async (t) => {
  const { app } = await buildTestApp(t);
  const a = agent(app);
  const s = await a.signup();
  t.equal(s.statusCode, 303, s.body.slice(0, 2000));
  const list = await a.get('/vineyards');
  t.equal(list.statusCode, 200, list.body.slice(0, 3000));
  const c = await a.post('/vineyards', { name: 'Acme', description: 'shop' });
  t.equal(c.statusCode, 303, c.body.slice(0, 3000));
  const vy = await a.get(c.headers.location as string);
  t.equal(vy.statusCode, 200, vy.body.slice(0, 3000));
  const plant = await a.get(`${c.headers.location}/plant`);
  t.equal(plant.statusCode, 200, plant.body.slice(0, 3000));
  const p = await a.post(`${c.headers.location}/plant`, { name: 'shop', stage: 'development', identity: 'sandbox', 'network.enabled': 'on', 'network.cidr_block': '10.0.0.0/16', 'databases.0.name': 'main', 'databases.0.engine': 'postgres' });
  t.equal(p.statusCode, 303, p.body.slice(0, 5000));
  const v = await a.get(p.headers.location as string);
  t.equal(v.statusCode, 200, v.body.slice(0, 5000));
  console.log(v.body);
  for (const u of ['/jobs', '/identities', '/tendrils', '/', p.headers.location + '/edit']) {
    const r = await a.get(u);
    t.equal(r.statusCode, 200, u + r.body.slice(0, 3000));
  }
});
