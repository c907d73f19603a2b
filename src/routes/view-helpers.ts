/**
 * Small formatting functions the templates call as `it.h.…`: times, durations, labels. Pure, so
 * pages and the fragments sent over SSE format the same way.
 */
import { resourceCounts } from '../domain/identities/schema.js';
import { componentKind } from '../domain/components/catalogue.js';
import { VineStatus } from '../domain/vines/status.js';

/** The order statuses are listed in on the dashboard. */
export const VINE_STATUSES_SHOWN = [VineStatus.ACTIVE, VineStatus.PROVISIONING, VineStatus.QUEUED, VineStatus.DESTROYING, VineStatus.FAILED, VineStatus.DRAFT, VineStatus.DESTROYED];

const toDate = (d: Date | string | null | undefined) => (d ? (d instanceof Date ? d : new Date(d)) : null);

/** "12 s", "4 min 05 s", "2 h 10 min". */
export function duration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${h} h ${m % 60} min` : `${Math.floor(h / 24)} days`;
}

export function ago(d: Date | string | null | undefined, now = Date.now()): string {
  const date = toDate(d);
  if (!date) return 'never';
  const ms = now - date.getTime();
  if (ms < 5000) return 'just now';
  return `${duration(ms)} ago`;
}

/**
 * `ago` as a <time> element that public/app.js keeps current, so a page left open — or served
 * from the page cache a few seconds after it was rendered — never shows a stale "… ago".
 */
export function agoTag(d: Date | string | null | undefined, now = Date.now()): string {
  const date = toDate(d);
  if (!date || Number.isNaN(date.getTime())) return 'never';
  return `<time datetime="${date.toISOString()}" data-ago>${ago(date, now)}</time>`;
}

export function between(a: Date | string | null | undefined, b: Date | string | null | undefined, now = Date.now()): string {
  const from = toDate(a);
  if (!from) return '–';
  return duration((toDate(b)?.getTime() ?? now) - from.getTime());
}

/** ISO with minutes, UTC: the same on the server and every reader's machine. */
export function dateTime(d: Date | string | null | undefined): string {
  const date = toDate(d);
  return date ? `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC` : '–';
}

export const kindLabel = (kind: string) => componentKind(kind)?.displayName ?? kind;
export const itemLabel = (kind: string) => componentKind(kind)?.itemName ?? kind;

const WORDS: Record<string, string> = {
  cidr: 'CIDR', az: 'AZ', nat: 'NAT', id: 'ID', dns: 'DNS', url: 'URL', gb: 'GB', ttl: 'TTL', fifo: 'FIFO', argocd: 'Argo CD', arn: 'ARN',
};
/** `cidr_block` → "CIDR block", `node_min` → "Node min". */
export function humanize(key: string): string {
  const words = key.split('_').map((w) => WORDS[w] ?? w);
  const first = words[0] ?? '';
  return [first === first.toLowerCase() ? first.charAt(0).toUpperCase() + first.slice(1) : first, ...words.slice(1)].join(' ');
}

/** A settings or output value as short text. */
export function show(v: unknown): string {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (Array.isArray(v)) return v.length ? v.map(show).join(', ') : '—';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export function money(n: unknown, currency = 'USD'): string {
  const v = typeof n === 'number' ? n : Number(n);
  if (!Number.isFinite(v)) return '–';
  return `${currency === 'USD' ? '$' : `${currency} `}${v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ESC[c]!);

/** A status badge: colour from the class, and always the status's name as text. */
export const badge = (status: string, extra = '') => `<span class="badge s-${esc(status)}${extra ? ` ${esc(extra)}` : ''}">${esc(status)}</span>`;

/** "must be …" reads as a predicate of its field: "Storage GB must be …"; sentences stand alone. */
export function fieldError(label: string, message: string): string {
  return /^(must|is|are|should|cannot|does|has) /.test(message) ? `${label} ${message}` : message.charAt(0).toUpperCase() + message.slice(1);
}

/** A spec path as people read it: `databases.0.storage_gb` → "Databases #1 › Storage GB". */
export function fieldLabel(path: string): string {
  const special: Record<string, string> = { name: 'Vine name', stage: 'Stage', identity: 'Cloud identity', options: 'Sandbox knobs' };
  return path
    .split('.')
    .map((part, i) => (i === 0 ? (special[part] ?? kindLabel(part)) : /^\d+$/.test(part) ? `#${Number(part) + 1}` : humanize(part)))
    .join(' › ')
    .replace(/ › (#\d+)/g, ' $1');
}

/** An adoptable resource as an option reads: "shop — 10.20.0.0/16 — eu-west-1 (vpc-0shop)". */
export function resourceLabel(r: { name: string | null; external_id: string; region: string | null; data: Record<string, unknown> }): string {
  const cidrs = Array.isArray(r.data.cidr_blocks) ? (r.data.cidr_blocks as unknown[]).join(', ') : typeof r.data.cidr === 'string' ? r.data.cidr : '';
  const zone = typeof r.data.domain_name === 'string' ? `${r.data.domain_name}${r.data.private === true ? ' (private)' : ' (public)'}` : '';
  const short = r.external_id.split('/').pop() ?? r.external_id;
  const name = r.name && r.name !== r.data.domain_name ? r.name : '';
  const parts = [zone || name, zone && name ? name : '', cidrs, r.region ?? '', r.data.is_default === true ? 'default' : ''].filter(Boolean);
  return `${parts.join(' — ')} (${short})`;
}

export const h = { resourceCounts, resourceLabel, badge, fieldError, fieldLabel, duration, ago, agoTag, between, dateTime, kindLabel, itemLabel, humanize, show, money };
