/**
 * Work directories of Terraform runs: `<tmp>/vintner-job-<job>-<pid>-XXXXXX`, mode 0700, holding
 * the module, the (secret-free) tfvars and, for a moment, a plan file. A run removes its own; a
 * Tendril killed mid-run cannot, so every Tendril, when it starts, removes the directories of runs
 * whose process is gone — after handing over an `errored.tfstate` found there (the state Terraform
 * could not save) to be kept with its job.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
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

export interface CleanedDir {
  dir: string;
  jobId: string | null;
  keptState: boolean;
}

/**
 * Removes the work directories of runs whose process is gone. `keep(jobId, state)` receives an
 * errored.tfstate found in one first (the directory stays if it throws: nothing is lost).
 */
export async function cleanLeftoverWorkDirs(keep: (jobId: string, state: Buffer) => Promise<void>, parent = tmpdir()): Promise<CleanedDir[]> {
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
    if (pid === undefined || pid === process.pid || alive(pid)) continue;
    const jobId = typeof owner.job === 'string' ? owner.job : null;
    let keptState = false;
    const state = await readFile(join(dir, ERRORED_STATE)).catch(() => undefined);
    if (state && jobId) {
      try {
        await keep(jobId, state);
        keptState = true;
      } catch {
        continue; // keep the directory: its state is not saved anywhere else
      }
    }
    await rm(dir, { recursive: true, force: true });
    cleaned.push({ dir, jobId, keptState });
  }
  return cleaned;
}
