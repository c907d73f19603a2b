/**
 * Many streams of one job (issue 14): every client gets every line, in order, once, then the end;
 * a client that stops reading is cut off rather than held in memory, and resumes from its last
 * event with nothing lost. (How fast: bench/sse.ts.)
 */
import t, { type Test } from 'tap';
import { request, type IncomingMessage } from 'node:http';
import { buildTestApp } from '../helpers.js';
import { seedVine } from '../fixtures.js';
import { signedIn } from './agent.js';
import { createLogWriter } from '../../src/domain/jobs/log-writer.js';
import { CHANNEL, notify } from '../../src/domain/jobs/events.js';

async function setup(t: Test, env: Record<string, string> = {}) {
  const { app } = await buildTestApp(t, env);
  const user = await signedIn(app);
  const knex = app.deps.knex;
  const identity = await knex('cloud_identities').where({ user_id: user.userId }).first('id');
  const v = await seedVine(knex, { user: { userId: user.userId, identityId: identity.id } });
  const [job] = await knex('provision_jobs').insert({ vine_id: v.vineId, created_by: user.userId, type: 'DEPLOY', status: 'PROCESSING', processing_at: knex.fn.now() }).returning('id');
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, knex, cookie: user.a.cookie, vineId: v.vineId, jobId: job.id as string, url };
}

/** An event-stream client that keeps the seqs of the `line` events it got, whole events only. */
function client(url: string, cookie: string, lastEventId?: number) {
  const seqs: number[] = [];
  let buffer = '';
  let res: IncomingMessage | undefined;
  let ended = false;
  let sawEnd = false;
  const closed = new Promise<void>((resolve) => {
    const req = request(url, { headers: { cookie, accept: 'text/event-stream', ...(lastEventId ? { 'last-event-id': String(lastEventId) } : {}) } }, (r) => {
      res = r;
      r.setEncoding('utf8');
      r.on('data', (chunk: string) => {
        buffer += chunk;
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const event = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const id = /^id: (\d+)\nevent: line\n/.exec(event);
          if (id) seqs.push(Number(id[1]));
          if (event.startsWith('event: end\n')) sawEnd = true;
        }
      });
      r.on('close', () => {
        ended = true;
        resolve();
      });
      r.on('error', () => {});
    });
    req.on('error', () => {
      ended = true;
      resolve();
    });
    req.end();
  });
  return {
    seqs,
    closed,
    get ended() {
      return ended;
    },
    get sawEnd() {
      return sawEnd;
    },
    pause: () => res?.pause(),
    resume: () => res?.resume(),
    destroy: () => res?.destroy(),
  };
}

const until = async (what: string, test: () => boolean, ms = 20_000) => {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

t.test('50 browsers on one job: every line reaches every one, in order, once; then the end', async (t) => {
  const { app, knex, cookie, vineId, jobId, url } = await setup(t);
  const writer = createLogWriter(knex, jobId);
  for (let i = 1; i <= 100; i++) writer.write({ stream: 'stdout', level: 'info', line: `before ${i}` });
  await writer.flush();
  // Some from the start (a fresh page), some resuming (reconnects), joining as lines flow.
  const clients = Array.from({ length: 50 }, (_, i) => client(`${url}/jobs/${jobId}/events`, cookie, i % 5 === 0 ? 50 : undefined));
  for (let i = 101; i <= 1000; i++) {
    writer.write({ stream: 'stdout', level: 'info', line: `line ${i}` });
    if (i % 100 === 0) await new Promise((r) => setTimeout(r, 30));
  }
  await writer.close();
  await knex('provision_jobs').where({ id: jobId }).update({ status: 'SUCCESS', finished_at: knex.fn.now() });
  await notify(knex, CHANNEL.jobStatus, `${jobId}:${vineId}:SUCCESS`);
  await Promise.all(clients.map((c) => c.closed));
  const range = (from: number) => Array.from({ length: 1000 - from + 1 }, (_, i) => from + i);
  const wrong = clients.filter((c, i) => JSON.stringify(c.seqs) !== JSON.stringify(range(i % 5 === 0 ? 51 : 1)));
  t.equal(wrong.length, 0, 'every client got every line after its start, in order, once');
  for (const c of wrong.slice(0, 3)) {
    const i = clients.indexOf(c);
    const want = range(i % 5 === 0 ? 51 : 1);
    const at = c.seqs.findIndex((s, k) => s !== want[k]);
    t.comment(`client ${i}: ${c.seqs.length} lines, first difference at ${at}: got ${c.seqs.slice(Math.max(0, at - 2), at + 3)} want ${want.slice(Math.max(0, at - 2), at + 3)}`);
  }
  t.ok(clients.every((c) => c.sawEnd), 'and the end event after them');
  t.equal(app.jobFeeds.size, 0, 'nothing is followed any more');
});

t.test('a client that stops reading holds one batch at most, is then cut off, and resumes from its last event with nothing lost', async (t) => {
  const { app, knex, cookie, vineId, jobId, url } = await setup(t, { SSE_KEEPALIVE_SECONDS: '1' });
  const slow = client(`${url}/jobs/${jobId}/events`, cookie);
  await until('the stream to open', () => app.jobFeeds.size === 1);
  slow.pause();
  // Far more than the socket buffers and SSE_MAX_BUFFERED hold: 3,000 lines of 8 kB.
  const writer = createLogWriter(knex, jobId);
  const big = 'x'.repeat(8000);
  for (let i = 1; i <= 3000; i++) {
    writer.write({ stream: 'stdout', level: 'info', line: `${i} ${big}` });
    if (i % 200 === 0) await writer.flush();
  }
  await writer.close();
  // Lines wait for the client to take the batch before them; the next keep-alive finds more than
  // SSE_MAX_BUFFERED waiting and cuts the stream.
  await until('Trellis to let the slow client go', () => app.jobFeeds.size === 0);
  t.pass('the stream was cut while its client was not reading (its feed has no followers)');
  slow.resume();
  await slow.closed;
  t.ok(slow.seqs.length < 3000, `the cut client got part of the log (${slow.seqs.length} lines)`);
  t.same(slow.seqs, Array.from({ length: slow.seqs.length }, (_, i) => i + 1), 'what it got is in order');
  // The browser reconnects with the id of the last whole event it got.
  await knex('provision_jobs').where({ id: jobId }).update({ status: 'SUCCESS', finished_at: knex.fn.now() });
  await notify(knex, CHANNEL.jobStatus, `${jobId}:${vineId}:SUCCESS`);
  const again = client(`${url}/jobs/${jobId}/events`, cookie, slow.seqs.at(-1) ?? 0);
  await again.closed;
  t.same([...slow.seqs, ...again.seqs], Array.from({ length: 3000 }, (_, i) => i + 1), 'resumed: every line, once');
  t.ok(again.sawEnd, 'then the end');
});

t.test('a client reading slowly is never cut off: it gets every line at its own pace', async (t) => {
  const { knex, cookie, vineId, jobId, url } = await setup(t);
  const writer = createLogWriter(knex, jobId);
  const big = 'y'.repeat(4000);
  const reader = client(`${url}/jobs/${jobId}/events`, cookie);
  for (let i = 1; i <= 2000; i++) writer.write({ stream: 'stdout', level: 'info', line: `${i} ${big}` });
  await writer.close();
  await knex('provision_jobs').where({ id: jobId }).update({ status: 'SUCCESS', finished_at: knex.fn.now() });
  await notify(knex, CHANNEL.jobStatus, `${jobId}:${vineId}:SUCCESS`);
  // Reads in short bursts with pauses: 8 MB of lines, far more than SSE_MAX_BUFFERED at once.
  const pacing = setInterval(() => {
    reader.pause();
    setTimeout(() => reader.resume(), 30);
  }, 60);
  await reader.closed;
  clearInterval(pacing);
  t.same(reader.seqs, Array.from({ length: 2000 }, (_, i) => i + 1), 'every line, in order, once');
  t.ok(reader.sawEnd, 'and the end: it was never cut off');
});
