/**
 * Log lines as HTML, the same on a first render and over SSE. ANSI colour codes (SGR) become
 * spans with classes; every other escape sequence is dropped; all text is HTML-escaped, so a log
 * line can never inject markup.
 */
import type { StoredLogLine } from '../domain/jobs/log-writer.js';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

const COLOURS = ['black', 'red', 'green', 'yellow', 'blue', 'magenta', 'cyan', 'white'];
// CSI sequences (colours, cursor moves, clears) and OSC sequences (titles, links).
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[([0-9;?]*)([A-Za-z])|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g;

interface Style {
  bold: boolean;
  dim: boolean;
  underline: boolean;
  fg: string | null;
}

function apply(style: Style, params: string): Style {
  const next = { ...style };
  const codes = params === '' ? [0] : params.split(';').map((p) => Number(p) || 0);
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i]!;
    if (c === 0) Object.assign(next, { bold: false, dim: false, underline: false, fg: null });
    else if (c === 1) next.bold = true;
    else if (c === 2) next.dim = true;
    else if (c === 4) next.underline = true;
    else if (c === 22) next.bold = next.dim = false;
    else if (c === 24) next.underline = false;
    else if (c >= 30 && c <= 37) next.fg = COLOURS[c - 30]!;
    else if (c >= 90 && c <= 97) next.fg = `bright-${COLOURS[c - 90]!}`;
    else if (c === 39) next.fg = null;
    else if (c === 38 || c === 48) i += codes[i + 1] === 5 ? 2 : codes[i + 1] === 2 ? 4 : 0; // 256 / true colour: skipped
  }
  return next;
}

const classes = (s: Style) => [s.bold && 'a-bold', s.dim && 'a-dim', s.underline && 'a-u', s.fg && `a-${s.fg}`].filter(Boolean).join(' ');

/** One line of text with ANSI codes → escaped HTML with colour spans. */
export function ansiToHtml(text: string): string {
  let out = '';
  let style: Style = { bold: false, dim: false, underline: false, fg: null };
  let last = 0;
  const emit = (chunk: string) => {
    if (!chunk) return;
    const cls = classes(style);
    out += cls ? `<span class="${cls}">${escapeHtml(chunk)}</span>` : escapeHtml(chunk);
  };
  for (const m of text.matchAll(ANSI)) {
    emit(text.slice(last, m.index));
    last = m.index + m[0].length;
    if (m[2] === 'm') style = apply(style, m[1] ?? '');
  }
  emit(text.slice(last));
  return out;
}

/** A stored line as the log view's row; `data-seq` lets a test (and a person) check ordering. */
export function logLineHtml(l: Pick<StoredLogLine, 'seq' | 'stream' | 'level' | 'line'>): string {
  const cls = `ln ln-${l.stream} ln-${l.level}`;
  return `<div class="${cls}" data-seq="${l.seq}"><span class="ln-no" aria-hidden="true">${l.seq}</span><span class="ln-text">${ansiToHtml(l.line)}</span></div>`;
}

export const logLinesHtml = (lines: Array<Pick<StoredLogLine, 'seq' | 'stream' | 'level' | 'line'>>) => lines.map(logLineHtml).join('');
