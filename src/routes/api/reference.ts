/**
 * A readable reference of the API, rendered on the server from the OpenAPI document (no script,
 * no CDN: the machines Vintner runs on are often offline). Every value is HTML-escaped.
 */
type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
/** `code` spans for text in backticks, the rest escaped. */
const prose = (s: unknown) => esc(s).replace(/`([^`]+)`/g, '<code>$1</code>');
const anchor = (s: string) => s.replace(/[^A-Za-z0-9]+/g, '-');

function typeOf(s: unknown): string {
  if (!isObj(s)) return 'any';
  if (typeof s.$ref === 'string') {
    const name = s.$ref.split('/').pop()!;
    return `<a href="#schema-${anchor(name)}">${esc(name)}</a>`;
  }
  if ('const' in s) return `<code>${esc(JSON.stringify(s.const))}</code>`;
  if (Array.isArray(s.enum)) return s.enum.map((v) => `<code>${esc(JSON.stringify(v))}</code>`).join(' | ');
  if (Array.isArray(s.anyOf)) return s.anyOf.map(typeOf).join(' | ');
  if (s.type === 'array') return `${typeOf(s.items)}[]`;
  const t = Array.isArray(s.type) ? s.type.join(' | ') : String(s.type ?? 'any');
  return esc(s.format ? `${t} (${String(s.format)})` : t);
}

function constraints(s: Json): string {
  const parts: string[] = [];
  const pairs: Array<[string, string]> = [['minLength', 'min length'], ['maxLength', 'max length'], ['minimum', 'min'], ['maximum', 'max'], ['maxItems', 'max items'], ['pattern', 'pattern']];
  for (const [k, label] of pairs) if (s[k] !== undefined) parts.push(`${label} <code>${esc(s[k])}</code>`);
  if (s.uniqueItems) parts.push('unique');
  if (s.writeOnly) parts.push('write-only');
  return parts.join(', ');
}

/** An object's fields as a table; nested anonymous objects inline, named ones linked. */
function fields(s: unknown, depth = 0): string {
  if (!isObj(s)) return '';
  if (s.$ref || !isObj(s.properties)) {
    return `<p>${typeOf(s)}${isObj(s) && s.description ? ` — ${prose(s.description)}` : ''}</p>`;
  }
  const required = new Set((s.required as string[] | undefined) ?? []);
  const rows = Object.entries(s.properties).map(([name, p]) => {
    const ps = isObj(p) ? p : {};
    const nested = depth < 2 && isObj(ps.properties) && Object.keys(ps.properties).length ? fields(ps, depth + 1) : '';
    const items = isObj(ps.items) ? ps.items : undefined;
    const nestedItems = depth < 2 && items && isObj(items.properties) ? fields(items, depth + 1) : '';
    const notes = [ps.description ? prose(ps.description) : '', constraints(ps)].filter(Boolean).join('<br>');
    return `<tr><td><code>${esc(name)}</code>${required.has(name) ? ' <span class="req">required</span>' : ''}</td><td>${typeOf(ps)}</td><td>${notes}${nested}${nestedItems}</td></tr>`;
  });
  const extra = s.additionalProperties === false ? '<p class="note">No other fields are accepted.</p>' : '';
  return `<table><thead><tr><th>field</th><th>type</th><th>notes</th></tr></thead><tbody>${rows.join('')}</tbody></table>${extra}`;
}

function operation(path: string, method: string, op: Json): string {
  const params = (op.parameters as Json[] | undefined) ?? [];
  const body = isObj(op.requestBody) ? ((op.requestBody.content as Json)['application/json'] as Json).schema : undefined;
  const responses = Object.entries((op.responses as Json) ?? {}).map(([code, r]) => {
    const content = isObj(r) && isObj(r.content) ? r.content : {};
    const kinds = Object.entries(content).map(([type, c]) => `${typeOf((c as Json).schema)} <span class="note">${esc(type)}</span>`).join('; ');
    return `<li><code>${esc(code)}</code> ${esc(isObj(r) ? r.description : '')}${kinds ? ` — ${kinds}` : ''}</li>`;
  });
  const auth = Array.isArray(op.security) && op.security.length === 0 ? 'no token needed' : 'needs <code>Authorization: Bearer &lt;token&gt;</code>';
  return `<section class="op" id="${esc(op.operationId)}">
  <h3><span class="m m-${esc(method)}">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code></h3>
  <p>${prose(op.summary ?? '')} <span class="note">(${auth})</span></p>
  ${op.description ? `<p>${prose(op.description)}</p>` : ''}
  ${params.length ? `<h4>Parameters</h4><table><thead><tr><th>name</th><th>in</th><th>type</th><th>notes</th></tr></thead><tbody>${params
    .map((p) => `<tr><td><code>${esc(p.name)}</code>${p.required ? ' <span class="req">required</span>' : ''}</td><td>${esc(p.in)}</td><td>${typeOf(p.schema)}</td><td>${prose((p.description as string) ?? '')}</td></tr>`)
    .join('')}</tbody></table>` : ''}
  ${body ? `<h4>Body</h4>${fields(body)}` : ''}
  <h4>Responses</h4><ul>${responses.join('')}</ul>
</section>`;
}

export function renderReference(doc: Json): string {
  const info = doc.info as Json;
  const paths = doc.paths as Record<string, Record<string, Json>>;
  const ops = Object.entries(paths).flatMap(([path, methods]) => Object.entries(methods).filter(([method]) => !method.startsWith('x-')).map(([method, op]) => ({ path, method, op })));
  const byTag = new Map<string, typeof ops>();
  for (const o of ops) for (const tag of (o.op.tags as string[] | undefined) ?? ['other']) byTag.set(tag, [...(byTag.get(tag) ?? []), o]);
  const schemas = ((doc.components as Json).schemas ?? {}) as Record<string, Json>;
  const toc = [...byTag.entries()]
    .map(([tag, list]) => `<li>${esc(tag)}<ul>${list.map((o) => `<li><a href="#${esc(o.op.operationId)}"><code>${esc(o.method.toUpperCase())} ${esc(o.path)}</code></a></li>`).join('')}</ul></li>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(info.title)} — API reference</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#222}
code{font:13px ui-monospace,monospace;background:#f4f4f4;padding:0 .2em;border-radius:3px}
table{border-collapse:collapse;width:100%;margin:.5rem 0}td,th{border:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#fafafa}.op{border-top:1px solid #ccc;padding-top:.5rem;margin-top:1.5rem}.note{color:#666;font-size:13px}.req{color:#a33;font-size:12px}
.m{display:inline-block;min-width:4.5em;text-align:center;border-radius:3px;color:#fff;font-size:13px;padding:.1em .3em}
.m-get{background:#2a7}.m-post{background:#27a}.m-put{background:#a72}.m-patch{background:#a7a}.m-delete{background:#a33}
</style></head><body>
<h1>${esc(info.title)} <span class="note">v${esc(info.version)}</span></h1>
<p>${prose(info.description)}</p>
<p>The machine-readable document: <a href="openapi.json"><code>openapi.json</code></a> (OpenAPI ${esc(doc.openapi)}).</p>
<h2>Routes</h2><ul>${toc}</ul>
${ops.map((o) => operation(o.path, o.method, o.op)).join('\n')}
<h2>Schemas</h2>
${Object.entries(schemas).map(([name, s]) => `<section class="op" id="schema-${anchor(name)}"><h3>${esc(name)}</h3>${s.description ? `<p>${prose(s.description)}</p>` : ''}${fields(s)}</section>`).join('\n')}
</body></html>`;
}
