/** Ctrl-C while `grape harvest --wait` waits: it asks whether to cancel the job. */
import t from 'tap';
import { startTestTendril } from '../tendril/harness.js';
import { fullSpec, signupWithToken } from '../api/helpers.js';
import { grape, spawnGrape, startServer, until } from './helpers.js';

t.test('Ctrl-C asks: yes cancels the job (exit 1); no answer leaves it running (exit 130)', { timeout: 240_000 }, async (t) => {
  const key = { VINTNER_SECRET_KEY: Buffer.alloc(32, 5).toString('base64') };
  const server = await startServer(t, key);
  await startTestTendril(t, server.db, key);
  const ada = await signupWithToken(server.app);
  const vy = (await ada.req('POST', '/api/v1/vineyards', { name: 'acme' })).json();
  const spec = fullSpec('shop', { options: { apply_delay_seconds: 60 } });
  t.equal((await ada.req('POST', `/api/v1/vineyards/${vy.id}/vines`, spec)).statusCode, 201, 'a vine whose apply takes a minute');
  const env = { VINTNER_URL: server.url, VINTNER_TOKEN: ada.token, XDG_CONFIG_HOME: t.testdir({}) };
  const status = async (id: string) => (await ada.req('GET', `/api/v1/jobs/${id}`)).json().status as string;

  const first = spawnGrape(['harvest', 'acme/shop', '--wait'], env);
  const jobId = await until('the job to be named', () => /DEPLOY job ([0-9a-f-]{36}) queued/.exec(first.stderr())?.[1]);
  await until('the apply to start', async () => (await status(jobId)) === 'PROCESSING' && /Creating|Still creating/.test(first.stdout()), 90_000);
  first.child.kill('SIGINT');
  await until('the question', () => /Cancel DEPLOY job .*\? \[y\/N\]/.test(first.stderr()));
  t.equal(first.child.exitCode, null, 'still waiting while it asks');
  first.child.stdin!.end('y\n');
  const r1 = await first.done;
  t.equal(r1.code, 1, 'the cancelled job: exit 1');
  t.match(r1.stderr, /Cancel requested/, 'says it asked for the cancel');
  t.match(r1.stderr, /DEPLOY job [0-9a-f-]{36} CANCELLED/, 'and how it ended');
  t.equal(await status(jobId), 'CANCELLED', 'the job is CANCELLED');

  const second = spawnGrape(['harvest', 'acme/shop', '--wait'], env);
  const job2 = await until('the second job to be named', () => /DEPLOY job ([0-9a-f-]{36}) queued/.exec(second.stderr())?.[1]);
  await until('it to run', async () => (await status(job2)) === 'PROCESSING', 90_000);
  second.child.stdin!.end(); // nobody to answer
  second.child.kill('SIGINT');
  const r2 = await second.done;
  t.equal(r2.code, 130, 'no answer possible: exit 130');
  t.match(r2.stderr, /Stopped waiting; job .* goes on/, 'says the job goes on');
  t.equal(await status(job2), 'PROCESSING', 'the job still runs');
  const cancelled = await grape(['cancel', job2], env);
  t.equal(cancelled.code, 0, 'grape cancel: exit 0');
  t.match(cancelled.stdout, /cancel requested/);
  await until('the job to stop', async () => (await status(job2)) === 'CANCELLED', 60_000);
  t.pass('grape cancel stopped it');
});
