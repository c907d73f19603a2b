/** Replaces every occurrence of the given secret values with `[redacted]`. */
export type Redactor = (s: string) => string;

export function createRedactor(secrets: Iterable<string | null | undefined>): Redactor {
  // Longest first, so a secret that contains another is replaced whole. Very short values would
  // mangle ordinary text and are not secrets worth the name.
  const list = [...new Set([...secrets].filter((s): s is string => typeof s === 'string' && s.length >= 4))].sort((a, b) => b.length - a.length);
  if (list.length === 0) return (s) => s;
  const re = new RegExp(list.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
  return (s) => s.replace(re, '[redacted]');
}
