/**
 * Work directories of Terraform runs: `<tmp>/vintner-job-<job>-<pid>-XXXXXX`, mode 0700, holding
 * the module, the (secret-free) tfvars and, for a moment, a plan file. A run removes its own; a
 * Tendril killed mid-run cannot, so every Tendril, when it starts and then every minute, removes
 * the directories of runs whose process is gone and whose Terraform has exited — after handing over
 * an `errored.tfstate` found there (the state Terraform, stopped by the watchdog, could not save).
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PREFIX = 'vintner-job-';
const OWNER = '.vintner-run';
export const ERRORED_STATE = 'errored.tfstate';

export async function createWorkDir(jobId: string, parent = tmpdir()): Promise<string> {
  const dir = await mkdtemp(join(parent, `${PREFIX}${jobId.slice(0, 8)}-${process.pid}-`));
  await writeFile(join(dir, OWNER), JSON.stringify({ job: jobId, pid: process.pid }), { mode: 0o600 });
  return dir;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A live pid that is no Node process was reused by something else: its run is gone.
  try {
    return /node|tsx/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
  } catch {
    return true;
  }
}

/** Whether any process still works in `dir` (its cwd there: a Terraform stopping after its Tendril died). Linux's /proc; elsewhere none is seen. */
function busy(dir: string): boolean {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return false;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const cwd = readlinkSync(`/proc/${e}/cwd`);
      if (cwd === dir || cwd.startsWith(`${dir}/`)) return true;
    } catch {
      // gone, or not ours to read
    }
  }
  return false;
}

export interface CleanedDir {
  dir: string;
  jobId: string | null;
  /** What became of an errored.tfstate found there (keep's answer), if one was. */
  state?: string;
}

/**
 * Removes the work directories of runs whose process is gone (and nothing works in them any more).
 * `keep(jobId, state)` receives an errored.tfstate found in one first and says what it did with it
 * (the directory stays if it throws: nothing is lost).
 */
export async function cleanLeftoverWorkDirs(keep: (jobId: string, state: Buffer) => Promise<string>, parent = tmpdir()): Promise<CleanedDir[]> {
  const cleaned: CleanedDir[] = [];
  for (const name of await readdir(parent).catch(() => [] as string[])) {
    if (!name.startsWith(PREFIX)) continue;
    const dir = join(parent, name);
    let owner: { job?: unknown; pid?: unknown } = {};
    try {
      owner = JSON.parse(await readFile(join(dir, OWNER), 'utf8')) as typeof owner;
    } catch {
      // an older directory without its owner file: its pid is in its name
      const pid = Number(/^vintner-job-[0-9a-f]{8}-(\d+)-/.exec(name)?.[1]);
      if (Number.isInteger(pid)) owner = { pid };
    }
    const pid = typeof owner.pid === 'number' ? owner.pid : undefined;
    if (pid === undefined || pid === process.pid || alive(pid) || busy(dir)) continue;
    const jobId = typeof owner.job === 'string' ? owner.job : null;
    let kept: string | undefined;
    const state = await readFile(join(dir, ERRORED_STATE)).catch(() => undefined);
    if (state && jobId) {
      try {
        kept = await keep(jobId, state);
      } catch {
        continue; // keep the directory: its state is not saved anywhere else
      }
    }
    await rm(dir, { recursive: true, force: true });
    cleaned.push({ dir, jobId, ...(kept ? { state: kept } : {}) });
  }
  return cleaned;
}
