import t from 'tap';
import { freshDatabase } from '../../helpers.js';
import { seedVine } from '../../fixtures.js';
import { createJobService } from '../../../src/domain/jobs/service.js';
import { createLogWriter, readLogs } from '../../../src/domain/jobs/log-writer.js';
import { createRedactor } from '../../../src/terraform/index.js';
import { createNotifyHub } from '../../../src/db/notify.js';
import { subscribeJobLogs } from '../../../src/domain/jobs/subscribe.js';
import type { StoredLogLine } from '../../../src/domain/jobs/log-writer.js';

t.test('log lines: batched, ordered, redacted, and followed live with nothing lost or repeated', async (t) => {
  const { knex, url } = await freshDatabase(t);
  const v = await seedVine(knex);
  const job = await createJobService(knex).create({ userId: v.userId, type: 'PLAN', vineId: v.vineId });
  await knex('provision_jobs').where({ id: job.id }).update({ status: 'PROCESSING' });
  const hub = createNotifyHub(url);
  t.teardown(() => hub.close());

  const canary = 'CANARY-s3cr3t-value-42';
  const writer = createLogWriter(knex, job.id, { redact: createRedactor([canary]) });
  for (let i = 1; i <= 250; i++) writer.write({ stream: 'stdout', level: 'info', line: `line ${i}${i === 7 ? ` password=${canary}` : ''}` });
  await writer.flush();

  // A subscriber that joins after line 100 gets exactly 101… onwards.
  const received: StoredLogLine[] = [];
  const sub = await subscribeJobLogs(knex, hub, job.id, 100, { onLines: (l) => void received.push(...l) });
  for (let i = 251; i <= 5000; i++) writer.write({ stream: i % 2 ? 'stdout' : 'stderr', level: 'info', line: `line ${i}\u0000` });
  await writer.close();
  await knex('provision_jobs').where({ id: job.id }).update({ status: 'SUCCESS', finished_at: knex.fn.now() });
  await knex.raw(`SELECT pg_notify('vintner_job_status', ?)`, [`${job.id}:${v.vineId}:SUCCESS`]);
  t.equal(await sub.done, 'SUCCESS', 'the subscription ends with the job');

  t.equal(received.length, 4900, 'every line after the resume point, once');
  t.same(received.map((l) => l.seq), Array.from({ length: 4900 }, (_, i) => i + 101), 'in order, no gap, no repeat');
  const stored = await readLogs(knex, job.id, 0, 10000);
  t.equal(stored.length, 5000);
  t.equal(stored[6]!.line, 'line 7 password=[redacted]', 'secret values are redacted before storage');
  t.notOk(stored.some((l) => l.line.includes(canary)), 'the canary is nowhere');
  t.equal(stored[4999]!.line, 'line 5000', 'NUL bytes are dropped');
});
