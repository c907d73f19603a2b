/** Many tabs on one vine: one read and one render per change, each tab with its own CSRF token. */
import t from 'tap';
import { CHANNEL, notify } from '../../src/domain/jobs/events.js';
import { buildTestApp } from '../helpers.js';
import { signedIn } from './agent.js';

t.test('streams of one vine share each read; every tab gets the change with its own token', async (t) => {
  const { app, db } = await buildTestApp(t);
  const { a, userId } = await signedIn(app);
  const vy = await app.services.vineyards.create(userId, { name: 'Acme' });
  const { vine, components } = await app.services.vines.create(userId, vy.id, { name: 'shop', stage: 'development', identity: 'sandbox', databases: [{ name: 'main' }] });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const src = /data-sse-src="([^"]+)"/.exec((await a.get(`/vines/${vine.id}`)).body)![1]!.replaceAll('&amp;', '&');

  const tabs = await Promise.all([1, 2, 3].map(async () => {
    const res = await fetch(url + src, { headers: { cookie: a.cookie } });
    const reader = res.body!.getReader();
    let text = '';
    return {
      async until(re: RegExp) {
        const deadline = Date.now() + 5000;
        while (!re.test(text) && Date.now() < deadline) {
          const { value, done } = await reader.read();
          if (done) break;
          text += Buffer.from(value).toString();
        }
        return text;
      },
      close: () => reader.cancel(),
    };
  }));
  await Promise.all(tabs.map((tab) => tab.until(/retry: 2000/)));
  await new Promise((r) => setTimeout(r, 300)); // the first reads (one per tab joining) are done

  let vineReads = 0;
  const count = (q: { sql: string }) => {
    if (/FROM vines v JOIN vineyards vy/.test(q.sql)) vineReads++; // the vine page's one statement (src/domain/vines/page.ts)
  };
  db.knex.on('query', count);
  await db.knex('vine_databases').where({ id: components[0]!.id }).update({ status: 'FAILED', error: 'disk full' });
  await db.knex('vines').where({ id: vine.id }).update({ status: 'FAILED' }); // new buttons: forms with tokens
  await notify(db.knex, CHANNEL.vineStatus, vine.id);
  const texts = await Promise.all(tabs.map((tab) => tab.until(/disk full/)));
  db.knex.off('query', count);
  texts.forEach((text, i) => t.match(text, /disk full/, `tab ${i + 1} got the change`));
  t.equal(vineReads, 1, 'one read of the vine for three tabs');
  const tokens = texts.map((text) => /name="_csrf" value="([^"]+)"/.exec(text)?.[1]);
  t.ok(tokens.every((tok) => tok && !tok.startsWith('csrf-slot-')), 'no placeholder reaches a browser');
  t.equal(new Set(tokens).size, 3, 'each tab has its own token');
  await Promise.all(tabs.map((tab) => tab.close()));
});
