/**
 * 100+ connections cut in the middle of log uploads, by a TCP proxy between a remote Tendril and
 * Trellis: every log batch request is cut twice — once before Trellis sees it (the lines are lost
 * on the way), once after Trellis stored it and before the answer (the Tendril cannot know they
 * were stored) — then let through. Nothing is lost and nothing doubled: each job's lines are
 * numbered 1…N without a gap, end with the runner's last line, and Terraform's per-resource lines
 * appear exactly once.
 */
import t from 'tap';
import { createServer, connect, type Socket } from 'node:net';
import { freshDatabase } from '../helpers.js';
import { seedVine } from '../fixtures.js';
import { createJobService } from '../../src/domain/jobs/service.js';
import { waitForJob } from '../tendril/harness.js';
import { bindIdentity, createPool, startRemoteTendril, startTrellis, started } from './harness.js';

const WANTED = 100;

/** A TCP proxy to `port` that cuts log batch requests as above until `wanted` cuts were made. */
async function cuttingProxy(port: number, wanted: number) {
  const counts = { request: 0, response: 0, logRequests: 0, connections: 0 };
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    counts.connections++;
    const upstream = connect(port, '127.0.0.1');
    sockets.add(client).add(upstream);
    let cutAnswer = false;
    const cut = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (chunk: Buffer) => {
      if (/^POST \/api\/v1\/agent\/jobs\/[0-9a-f-]+\/logs /.test(chunk.toString('latin1', 0, 120))) {
        const n = counts.logRequests++;
        if (counts.request + counts.response < wanted) {
          if (n % 3 === 0) {
            counts.request++;
            cut(); // Trellis never sees this batch
            return;
          }
          if (n % 3 === 1) cutAnswer = true; // Trellis stores it; its answer never arrives
        }
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (cutAnswer) {
        counts.response++;
        cut();
        return;
      }
      client.write(chunk);
    });
    for (const s of [client, upstream]) {
      s.on('error', () => cut());
      s.on('close', () => {
        sockets.delete(s);
        cut();
      });
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    counts,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

t.test(`${WANTED} connections cut during log uploads: 0 lines lost, 0 doubled`, { timeout: 600_000 }, async (t) => {
  const db = await freshDatabase(t);
  const { knex } = db;
  const v = await seedVine(knex, { allKinds: true, options: { apply_delay_seconds: 1 } });
  const pool = await createPool(knex, v.userId);
  await bindIdentity(knex, v.identityId, pool.poolId);
  const trellis = await startTrellis(t, db.url);
  const proxy = await cuttingProxy(Number(new URL(trellis.url).port), WANTED);
  t.teardown(() => proxy.close());
  const remote = startRemoteTendril(t, `http://127.0.0.1:${proxy.port}`, pool.token, 'remote-drops');
  await started(remote);
  const jobs = createJobService(knex);

  const ran: Array<{ id: string; type: string }> = [];
  for (let i = 0; proxy.counts.request + proxy.counts.response < WANTED && i < 40; i++) {
    const type = i % 2 === 0 ? 'DEPLOY' : 'DESTROY';
    const job = await jobs.create({ userId: v.userId, type, vineId: v.vineId });
    const done = await waitForJob(knex, job.id, 180_000);
    t.equal(done.status, 'SUCCESS', `${type} ${i + 1} succeeds ${done.error ?? ''} (cuts so far: ${proxy.counts.request} before Trellis, ${proxy.counts.response} after)`);
    ran.push({ id: job.id, type });
  }
  const cuts = proxy.counts.request + proxy.counts.response;
  t.ok(cuts >= WANTED, `${cuts} connections cut during log uploads (${proxy.counts.request} requests lost, ${proxy.counts.response} answers lost, of ${proxy.counts.logRequests} log requests; ${proxy.counts.connections} connections in all)`);
  t.ok(proxy.counts.response >= WANTED / 3, 'a good share of them after Trellis had stored the lines');

  let lost = 0;
  let doubled = 0;
  let lines = 0;
  for (const job of ran) {
    const rows: Array<{ seq: number; line: string }> = await knex('provision_job_logs').where({ job_id: job.id }).orderBy('seq').select('seq', 'line');
    lines += rows.length;
    const last = rows[rows.length - 1]?.seq ?? 0;
    lost += last - rows.length; // a gap in 1…last
    if (rows[rows.length - 1]?.line !== `${job.type} succeeded`) lost++;
    const done = new Map<string, number>();
    for (const r of rows) {
      const m = /^(\S+): (Creation|Destruction) complete after/.exec(r.line);
      if (m) done.set(m[1]!, (done.get(m[1]!) ?? 0) + 1);
    }
    doubled += [...done.values()].filter((n) => n > 1).length;
    if (done.size === 0) t.fail(`job ${job.id} (${job.type}) logged no resource change`);
  }
  t.equal(lost, 0, `0 lines lost (${lines} lines in ${ran.length} jobs: each job numbered 1…N without a gap, ending with its last line)`);
  t.equal(doubled, 0, '0 lines doubled (each resource’s completion logged once per job)');
  t.ok(remote.alive(), 'the Tendril rode it out');
});
