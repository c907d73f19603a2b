/**
 * `terraform init` done once per module, not once per job. Every job of a Tendril prepares a fresh
 * work directory and, without this, spent ~90 ms (a quarter of a small harvest) in an init whose
 * result — `.terraform/` with the backend settings, and `.terraform.lock.hcl` — is the same for
 * every job of the same module, backend schema and Terraform binary. The first job's result is
 * kept and copied into the next jobs' directories.
 *
 * Safe because:
 * - the key covers everything init depends on: the module's files, the backend schema, and the
 *   Terraform binary (path, size, mtime) — a changed module or an upgraded binary inits afresh;
 * - what is kept holds no secret: the connection string reaches Terraform as PG_CONN_STR, never
 *   in `.terraform/`; the pg backend creates its schema and table on every command anyway;
 * - a command that still asks for init (see `needsInit`) makes the run forget the entry, init for
 *   real and run the command again — init errors come before Terraform changes anything.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, isAbsolute, join } from 'node:path';

export interface InitCache {
  /** The directory to copy into a work directory, if this key was initialised before. */
  get(key: string): string | undefined;
  /** Keeps what init left in `workDir` under `key` (copied; the work directory is not changed). */
  put(key: string, workDir: string): void;
  forget(key: string): void;
  /** Removes everything kept (a Tendril stopping). */
  clear(): void;
}

/** What init leaves in a work directory. */
const KEPT = ['.terraform', '.terraform.lock.hcl'];

/** Terraform's own answer when a directory's init is missing or out of date. */
export const needsInit = (text: string) =>
  /terraform init|Backend initialization required|Required plugins are not installed|Inconsistent dependency lock file|Module not installed/i.test(text);

export function createInitCache(root = mkdtempSync(join(tmpdir(), 'vintner-tf-init-'))): InitCache {
  const entries = new Map<string, string>();
  let n = 0;
  return {
    get(key) {
      const dir = entries.get(key);
      return dir && existsSync(dir) ? dir : undefined;
    },
    put(key, workDir) {
      if (entries.has(key)) return;
      // Copied aside first, then renamed into place: a job copying from the entry never sees half of it.
      const staging = join(root, `staging-${process.pid}-${n++}`);
      const final = join(root, key.slice(0, 32));
      try {
        mkdirSync(staging, { recursive: true, mode: 0o700 });
        for (const name of KEPT) if (existsSync(join(workDir, name))) cpSync(join(workDir, name), join(staging, name), { recursive: true });
        if (existsSync(final)) rmSync(staging, { recursive: true, force: true });
        else renameSync(staging, final);
        entries.set(key, final);
      } catch {
        rmSync(staging, { recursive: true, force: true }); // nothing kept: the next job inits itself
      }
    },
    forget(key) {
      const dir = entries.get(key);
      entries.delete(key);
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
    clear() {
      entries.clear();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** The key of an init: the module's files, the backend schema, the binary and where providers come from. */
export function initKey(moduleDir: string, schemaName: string, bin: string, providerMirror = ''): string {
  const h = createHash('sha256').update(`schema:${schemaName}\0mirror:${providerMirror}\0`);
  const walk = (dir: string, rel: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.name === '.terraform' || e.name.endsWith('.tfstate')) continue;
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path, `${rel}${e.name}/`);
      else if (e.isFile()) h.update(`file:${rel}${e.name}\0`).update(readFileSync(path)).update('\0');
    }
  };
  walk(moduleDir, '');
  const binPath = resolveBin(bin);
  const st = binPath ? statSync(binPath) : undefined;
  h.update(`bin:${binPath ?? bin}:${st?.size ?? ''}:${st?.mtimeMs ?? ''}`);
  return h.digest('hex');
}

function resolveBin(bin: string): string | undefined {
  if (isAbsolute(bin)) return existsSync(bin) ? bin : undefined;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const p = join(dir, bin);
    if (dir && existsSync(p)) return p;
  }
  return undefined;
}
