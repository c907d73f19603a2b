/**
 * Waiting for a job: its log streamed to stdout, a progress line on stderr, and Ctrl-C asking
 * whether to cancel the job (yes: cancel and keep waiting for it to stop; no: keep waiting; no
 * answer possible, or a second Ctrl-C: stop waiting and leave the job running). The exit code is
 * the job's outcome: 0 for SUCCESS, 1 for FAILED or CANCELLED.
 */
import type { Context } from './command.js';
import { EXIT, GrapeError } from './errors.js';
import { followJobLogs, type LogLineJson } from './follow.js';
import { duration, paint, printJson, progress, status as paintStatus } from './output.js';
import { ask } from './prompt.js';
import type { JobJson } from './resolve.js';
import { JOB_TERMINAL } from '../domain/jobs/status.js';


/** `quiet`: print no closing line (nor JSON): the caller reports the outcome its own way. */
export async function waitForJob(ctx: Context, job: JobJson, opts: { printLogs: boolean; json: boolean; quiet?: boolean }): Promise<number> {
  const { io } = ctx;
  const api = ctx.api();
  const started = Date.now();
  const bar = progress(io);
  let current = job.status;
  const label = () => `${job.type} job ${job.id} ${current}`;
  bar.update(label());
  const ticker = setInterval(() => bar.tick(`${label()} ${duration(Date.now() - started)}`), 1000);
  ticker.unref();

  let prompting = false;
  const held: LogLineJson[] = [];
  const print = (l: LogLineJson) => {
    if (!opts.printLogs) return;
    if (prompting) return void held.push(l);
    bar.clear();
    io.stdout.write(`${l.line}\n`);
  };

  const stop = new AbortController();
  let interrupted = false;
  const onSigint = () => {
    if (prompting) {
      // Ctrl-C at the question: leave the job alone and go.
      interrupted = true;
      stop.abort();
      return;
    }
    prompting = true;
    bar.stop();
    void ask(io, `\nCancel ${job.type} job ${job.id}? [y/N] `).then(async (answer) => {
      if (stop.signal.aborted) return;
      if (answer === undefined) {
        interrupted = true;
        stop.abort();
        return;
      }
      if (/^y(es)?$/i.test(answer)) {
        try {
          await api.call('POST', `/jobs/${job.id}/cancel`);
          io.stderr.write('Cancel requested; waiting for the job to stop…\n');
        } catch (err) {
          io.stderr.write(`Could not cancel: ${(err as Error).message}\n`);
        }
      }
      prompting = false;
      held.splice(0).forEach(print);
      bar.update(label());
    });
  };
  process.on('SIGINT', onSigint);

  try {
    const final = JOB_TERMINAL.includes(job.status)
      ? job.status
      : await followJobLogs(api, job.id, {
          onLine: print,
          onStatus: (s) => {
            current = s;
            if (!prompting) bar.update(label());
          },
          onRetry: (reason, n) => {
            if (n === 1 && !prompting) bar.update(`${label()} (reconnecting: ${reason})`);
          },
        }, { signal: stop.signal });
    current = final;
  } catch (err) {
    if (interrupted) {
      bar.stop();
      io.stderr.write(`\nStopped waiting; job ${job.id} goes on. Follow it with grape logs ${job.id} --follow, or stop it with grape cancel ${job.id}\n`);
      return EXIT.INTERRUPTED;
    }
    throw err;
  } finally {
    clearInterval(ticker);
    process.removeListener('SIGINT', onSigint);
    bar.stop();
  }
  held.splice(0).forEach((l) => io.stdout.write(`${l.line}\n`));
  const done = await api.call<JobJson>('GET', `/jobs/${job.id}`);
  const ok = done.status === 'SUCCESS';
  if (opts.quiet) {
    // the caller prints the outcome
  } else if (opts.json) printJson(io, done);
  else {
    const mark = ok ? paint(ctx.color, 'green', '✔') : paint(ctx.color, 'red', '✘');
    const why = done.error ? `: ${done.error.split('\n')[0]}` : '';
    io.stderr.write(`${mark} ${done.type} job ${done.id} ${paintStatus(ctx.color, done.status)} in ${duration(Date.now() - started)}${why}\n`);
  }
  if (!JOB_TERMINAL.includes(done.status)) throw new GrapeError(`job ${done.id} is still ${done.status}`);
  return ok ? EXIT.OK : EXIT.FAILED;
}
