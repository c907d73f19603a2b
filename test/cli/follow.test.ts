/**
 * `grape logs --follow` through a proxy that cuts the connection mid-stream, again and again:
 * Grape reconnects with Last-Event-ID and prints every stored line exactly once, in order.
 */
import t, { type Test } from 'tap';
import { createServer, connect, type Socket } from 'node:net';
import { createLogWriter } from '../../src/domain/jobs/log-writer.js';
import { fullSpec, signupWithToken } from '../api/helpers.js';
import { grape, startServer } from './helpers.js';

/** Forwards to `port`; the first `cuts` connections are dropped after `after` bytes downstream. */
async function flakyProxy(t: Test, port: number, cuts: number, after: number) {
  const requests: string[] = [];
  let seen = 0;
  const server = createServer((client: Socket) => {
    const n = seen++;
    const upstream = connect(port, '127.0.0.1');
    let down = 0;
    client.once('data', (d: Buffer) => requests.push(d.toString()));
    client.pipe(upstream);
    upstream.on('data', (d: Buffer) => {
      down += d.length;
      if (n < cuts && down > after) {
        // Half an event gets through, then the connection dies.
        client.write(d.subarray(0, Math.max(0, d.length - (down - after))));
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(d);
    });
    upstream.on('end', () => client.end());
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, requests, connections: () => seen };
}

t.test('logs --follow resumes after dropped connections, losing and repeating nothing', async (t) => {
  const server = await startServer(t);
  const ada = await signupWithToken(server.app);
  const vy = (await ada.req('POST', '/api/v1/vineyards', { name: 'acme' })).json();
  const vine = (await ada.req('POST', `/api/v1/vineyards/${vy.id}/vines`, fullSpec())).json().vine;
  const job = (await ada.req('POST', `/api/v1/vines/${vine.id}/jobs`, { type: 'PLAN' })).json();
  const writer = createLogWriter(server.db.knex, job.id);
  const lines = Array.from({ length: 400 }, (_, i) => `line ${i + 1}: ${'·'.repeat(i % 50)} "quoted" \\ and ü`);
  for (const line of lines) writer.write({ stream: 'stdout', level: 'info', line });
  await writer.close();
  await server.db.knex('provision_jobs').where({ id: job.id }).update({ status: 'SUCCESS', finished_at: new Date() });

  const port = (server.app.server.address() as { port: number }).port;
  const proxy = await flakyProxy(t, port, 3, 9000);
  const env = { VINTNER_URL: proxy.url, VINTNER_TOKEN: ada.token, XDG_CONFIG_HOME: t.testdir({}) };
  const followed = await grape(['logs', job.id, '--follow'], env);
  t.equal(followed.code, 0, `exit 0 ${followed.stderr}`);
  t.equal(followed.stdout, lines.map((l) => `${l}\n`).join(''), 'every line once, in order');
  t.ok(proxy.connections() >= 4, `it reconnected (${proxy.connections()} connections)`);
  const resumed = proxy.requests.slice(1).map((r) => /last-event-id: (\d+)/i.exec(r)?.[1]);
  t.ok(resumed.length >= 3 && resumed.every((id) => id !== undefined && Number(id) > 0), `each reconnect said where it was (Last-Event-ID ${resumed.join(', ')})`);
  t.same(resumed.map(Number), [...resumed.map(Number)].sort((a, b) => a - b), 'and always further along');
});
