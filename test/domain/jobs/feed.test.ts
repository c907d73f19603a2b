/** One feed per job: each batch read once for every follower; joiners from memory or the table; nothing lost or repeated. */
import t from 'tap';
import { freshDatabase } from '../../helpers.js';
import { seedVine } from '../../fixtures.js';
import { createJobService } from '../../../src/domain/jobs/service.js';
import { createLogWriter } from '../../../src/domain/jobs/log-writer.js';
import { createNotifyHub } from '../../../src/db/notify.js';
import { createJobLogFeeds, type StatusEvent } from '../../../src/domain/jobs/feed.js';
import type { StoredLogLine } from '../../../src/domain/jobs/log-writer.js';

t.test('followers of one job: every line after their start, in order, once; reads shared; the end after the last line', async (t) => {
  const { knex, url } = await freshDatabase(t);
  const v = await seedVine(knex);
  const job = await createJobService(knex).create({ userId: v.userId, type: 'PLAN', vineId: v.vineId });
  await knex('provision_jobs').where({ id: job.id }).update({ status: 'PROCESSING' });
  const hub = createNotifyHub(url);
  t.teardown(() => hub.close());
  const feeds = await createJobLogFeeds(knex, hub, { keepLines: 100 });
  t.teardown(() => feeds.close());

  const writer = createLogWriter(knex, job.id);
  const write = async (from: number, to: number) => {
    for (let i = from; i <= to; i++) writer.write({ stream: 'stdout', level: 'info', line: `line ${i}` });
    await writer.flush();
  };
  await write(1, 300);

  interface Seen { seqs: number[]; batches: Array<readonly StoredLogLine[]>; statuses: string[]; end?: StatusEvent }
  const follow = async (after: number, slow = false) => {
    const seen: Seen = { seqs: [], batches: [], statuses: [] };
    let ended!: () => void;
    const endedP = new Promise<void>((r) => (ended = r));
    await feeds.follow(job.id, after, {
      lines: async (lines) => {
        seen.batches.push(lines);
        seen.seqs.push(...lines.map((l) => l.seq));
        if (slow) await new Promise((r) => setTimeout(r, 20)); // a consumer that takes its time while catching up
      },
      status: (e) => void seen.statuses.push(e.status),
      end: (e) => {
        seen.end = e;
        ended();
      },
    });
    return { seen, ended: endedP };
  };

  // Readers of the table are counted: a batch is read once for all caught-up followers.
  let logReads = 0;
  const count = (q: { sql: string }) => {
    if (/from "?provision_job_logs"?/i.test(q.sql) && /"?seq"? >/.test(q.sql)) logReads++;
  };
  knex.on('query', count);

  const early = await Promise.all(Array.from({ length: 20 }, () => follow(300)));
  const behind = await follow(0, true); // far behind the kept lines: reads the table at its own pace
  const resumed = await follow(250); // a reconnect: from the kept lines
  await write(301, 600);
  const late = await follow(590); // joins in the middle
  const beyond = await follow(10_000); // a Last-Event-ID past the last line
  await write(601, 700);
  const readsBefore = logReads;
  await write(701, 710);
  await new Promise((r) => setTimeout(r, 300));
  t.ok(logReads - readsBefore >= 1 && logReads - readsBefore <= 3, `one batch, read about once for 24 followers (${logReads - readsBefore} reads)`);

  await knex('provision_jobs').where({ id: job.id }).update({ status: 'SUCCESS', finished_at: knex.fn.now() });
  await knex.raw(`SELECT pg_notify('vintner_job_status', ?)`, [`${job.id}:${v.vineId}:SUCCESS`]);
  await Promise.all([...early, behind, resumed, late, beyond].map((f) => f.ended));
  knex.off('query', count);

  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
  early.forEach((f, i) => t.same(f.seen.seqs, range(301, 710), `early follower ${i + 1}: 301…710, in order, once`));
  t.same(behind.seen.seqs, range(1, 710), 'a follower from the start: every line, through the table then the feed');
  t.same(resumed.seen.seqs, range(251, 710), 'a resumed follower: from its last event on');
  t.same(late.seen.seqs, range(591, 710), 'a late joiner: from where it joined');
  t.same(beyond.seen.seqs, [], 'past the last line: nothing');
  const final = early[0]!.seen.end;
  t.equal(final?.status, 'SUCCESS', 'the end carries the final status');
  t.ok([...early, behind, resumed, late, beyond].every((f) => f.seen.end === final), 'one end event, shared by every follower');
  t.ok(early.every((f) => f.seen.batches.at(-1) === early[0]!.seen.batches.at(-1)), 'caught-up followers share each batch (rendered once for all)');
  t.equal(feeds.size, 0, 'the feed is gone with its last follower');

  // A finished job, followed afresh: everything after the start, then the end.
  const after = await follow(700);
  await after.ended;
  t.same(after.seen.seqs, range(701, 710), 'a finished job: its lines after the start');
  t.equal(after.seen.end?.status, 'SUCCESS', 'then its end');
});

t.test('an unfollowed follower gets nothing more, and the feed goes with the last one', async (t) => {
  const { knex, url } = await freshDatabase(t);
  const v = await seedVine(knex);
  const job = await createJobService(knex).create({ userId: v.userId, type: 'PLAN', vineId: v.vineId });
  const hub = createNotifyHub(url);
  t.teardown(() => hub.close());
  const feeds = await createJobLogFeeds(knex, hub);
  t.teardown(() => feeds.close());
  const got: number[] = [];
  const stop = await feeds.follow(job.id, 0, { lines: (l) => void got.push(...l.map((x) => x.seq)) });
  t.equal(feeds.size, 1, 'followed');
  const writer = createLogWriter(knex, job.id);
  writer.write({ stream: 'stdout', level: 'info', line: 'one' });
  await writer.flush();
  for (let i = 0; i < 50 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  t.same(got, [1], 'the first line');
  stop();
  t.equal(feeds.size, 0, 'no feed without followers');
  writer.write({ stream: 'stdout', level: 'info', line: 'two' });
  await writer.close();
  await new Promise((r) => setTimeout(r, 200));
  t.same(got, [1], 'nothing after unfollowing');
});

t.test('feeds of many jobs woken together read in one statement; each gets its own lines', async (t) => {
  const { knex, url } = await freshDatabase(t);
  const v = await seedVine(knex);
  const hub = createNotifyHub(url);
  t.teardown(() => hub.close());
  const feeds = await createJobLogFeeds(knex, hub);
  t.teardown(() => feeds.close());
  const service = createJobService(knex);
  const jobIds: string[] = [];
  // PLANs: any number may be open on one vine.
  for (let i = 0; i < 30; i++) jobIds.push((await service.create({ userId: v.userId, type: 'PLAN', vineId: v.vineId })).id);
  const got = new Map<string, string[]>(jobIds.map((id) => [id, []]));
  for (const id of jobIds) await feeds.follow(id, 0, { lines: (ls) => void got.get(id)!.push(...ls.map((l) => l.line)) });
  await new Promise((r) => setTimeout(r, 200));
  let reads = 0;
  const count = (q: { sql: string }) => {
    if (/from "?provision_job_logs"?/i.test(q.sql)) reads++;
  };
  knex.on('query', count);
  // One statement writes a line to each job and announces them all, as 30 Tendrils' batches at once.
  await knex.raw(
    `WITH ins AS (INSERT INTO provision_job_logs (job_id, seq, stream, level, line)
       SELECT id, 1, 'stdout', 'info', 'line of ' || id FROM unnest(?::uuid[]) AS id RETURNING job_id)
     SELECT pg_notify('vintner_job_logs', job_id || ':1') FROM ins`,
    [jobIds],
  );
  for (let i = 0; i < 100 && [...got.values()].some((l) => l.length === 0); i++) await new Promise((r) => setTimeout(r, 20));
  knex.off('query', count);
  t.ok([...got.entries()].every(([id, lines]) => lines.length === 1 && lines[0] === `line of ${id}`), 'each follower got its own job\'s line, once');
  t.ok(reads >= 1 && reads <= 3, `30 feeds woken at once: ${reads} statements read their lines`);
});
