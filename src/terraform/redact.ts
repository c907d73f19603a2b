export const REDACTED = '[redacted]';

export type Redactor = (text: string) => string;

/**
 * Replaces every secret (and its JSON-escaped form, as Terraform quotes values) by '[redacted]'.
 * Longest first, so a secret containing another is not half-redacted. Every length counts: a
 * value the user made a secret is hidden even when short (the one redactor for Terraform's lines,
 * Vintner's own log lines and error messages alike).
 */
export function createRedactor(secrets: Iterable<string | null | undefined>): Redactor {
  const forms = new Set<string>();
  for (const s of secrets) {
    if (typeof s !== 'string' || s.length === 0) continue;
    forms.add(s);
    const escaped = JSON.stringify(s).slice(1, -1);
    if (escaped !== s) forms.add(escaped);
  }
  const list = [...forms].sort((a, b) => b.length - a.length);
  if (list.length === 0) return (text) => text;
  return (text) => {
    let out = text;
    for (const s of list) if (out.includes(s)) out = out.split(s).join(REDACTED);
    return out;
  };
}

/** The same redaction over every string (keys included) of a JSON value. */
export function redactDeep<T>(value: T, redact: (s: string) => string): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redact(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [redact(k), walk(x)]));
    }
    return v;
  };
  return walk(value) as T;
}
