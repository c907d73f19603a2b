/**
 * Builds Grape into one JavaScript file, dist/grape.cjs (+ its source map), so that a command
 * starts without compiling TypeScript or walking hundreds of module files: `npm ci` runs this as
 * the `prepare` script, `npm test` runs it before the suite, `npm run build` by hand.
 *
 * Next to the bundle, dist/grape.inputs.json lists every file it was built from (size, mtime,
 * SHA-256). bin/grape.cjs checks that list at every start and runs the sources through tsx, with
 * a one-line notice, when the bundle is missing or any input changed since: a stale build never
 * runs unnoticed. CommonJS, like its launcher: an ES module would start Node's ES module loader
 * first (~6 ms of every command).
 */
import { build, type Plugin } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const DIST = join(ROOT, 'dist');
export const BUNDLE = join(DIST, 'grape.cjs');
export const MANIFEST = join(DIST, 'grape.inputs.json');
const SLIM_UNDICI = join(ROOT, 'scripts', 'grape', 'undici-slim.cjs');
const NO_HTTP2 = join(ROOT, 'scripts', 'grape', 'no-http2.cjs');

/** One input of the bundle as bin/grape.cjs checks it: path relative to the repository root. */
export interface BuildInput {
  path: string;
  size: number;
  mtimeMs: number;
  sha256: string;
}

export interface BuildManifest {
  /** Bumped when bin/grape.cjs must read the manifest (or find the bundle) differently. */
  format: 2;
  builtAt: string;
  inputs: BuildInput[];
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

/** Every name src/cli imports (as a value) from undici must be one the slim entry exports. */
function checkUndiciImports(): void {
  const exported = new Set([...readFileSync(SLIM_UNDICI, 'utf8').matchAll(/^module\.exports\.(\w+) =/gm)].map((m) => m[1]!));
  const missing: string[] = [];
  for (const file of walk(join(ROOT, 'src', 'cli')).filter((f) => f.endsWith('.ts'))) {
    for (const m of readFileSync(file, 'utf8').matchAll(/import\s+(type\s+)?\{([^}]*)\}\s+from\s+'undici'/g)) {
      if (m[1]) continue;
      for (const spec of m[2]!.split(',').map((s) => s.trim()).filter(Boolean)) {
        if (spec.startsWith('type ')) continue;
        const name = spec.split(/\s+as\s+/)[0]!;
        if (!exported.has(name)) missing.push(`${relative(ROOT, file)}: ${name}`);
      }
    }
    if (/import\s+\*\s+as\s+\w+\s+from\s+'undici'|import\s+\w+\s+from\s+'undici'/.test(readFileSync(file, 'utf8'))) {
      missing.push(`${relative(ROOT, file)}: a namespace or default import of undici`);
    }
  }
  if (missing.length) {
    throw new Error(`scripts/grape/undici-slim.cjs does not export what Grape imports from undici (add it there): ${missing.join('; ')}`);
  }
}

/** Grape's `undici` is the slim entry, and undici's http2 the stand-in undici itself uses without it. */
const slimUndici: Plugin = {
  name: 'grape-slim-undici',
  setup(b) {
    b.onResolve({ filter: /^undici$/ }, (args) => (args.importer === SLIM_UNDICI ? undefined : { path: SLIM_UNDICI }));
    b.onResolve({ filter: /^node:http2$/ }, (args) => (args.importer.includes(`${sep}undici${sep}`) ? { path: NO_HTTP2 } : undefined));
  },
};

function writeAtomically(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

/** Builds dist/grape.cjs, its map and its input list. Returns the manifest written. */
export async function buildGrape(): Promise<BuildManifest> {
  checkUndiciImports();
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: ['bin/grape.ts'],
    outfile: BUNDLE,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'linked',
    plugins: [slimUndici],
    metafile: true,
    write: false,
    logLevel: 'warning',
  });
  // Own files by content; node_modules by the package.json of each bundled package (npm ci
  // replaces whole packages, and rebuilds anyway through `prepare`).
  const inputs = new Set<string>();
  for (const input of Object.keys(result.metafile.inputs)) {
    const parts = input.split('/');
    const nm = parts.indexOf('node_modules');
    if (nm === -1) inputs.add(input);
    else inputs.add([...parts.slice(0, nm + (parts[nm + 1]!.startsWith('@') ? 3 : 2)), 'package.json'].join('/'));
  }
  const manifest: BuildManifest = {
    format: 2,
    builtAt: new Date().toISOString(),
    inputs: [...inputs].sort().map((path) => {
      const st = statSync(join(ROOT, path));
      return { path, size: st.size, mtimeMs: st.mtimeMs, sha256: sha256(join(ROOT, path)) };
    }),
  };
  mkdirSync(DIST, { recursive: true });
  // The bundle and map first, the manifest last: a bundle is only ever run once its list is there.
  for (const out of result.outputFiles) writeAtomically(out.path, out.contents);
  writeAtomically(MANIFEST, JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = Date.now();
  const manifest = await buildGrape();
  process.stdout.write(`grape: built ${relative(ROOT, BUNDLE).split(sep).join('/')} from ${manifest.inputs.length} files in ${Date.now() - started} ms\n`);
}
