/**
 * Log lines as HTML, the same on a first render and over SSE. ANSI colour codes (SGR) become
 * spans with classes; every other escape sequence is dropped; all text is HTML-escaped, so a log
 * line can never inject markup.
 */
import type { StoredLogLine } from '../domain/jobs/log-writer.js';

/** HTML-escapes text; most log text has nothing to escape and comes back as it is. */
export function escapeHtml(s: string): string {
  let out = '';
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    let r: string;
    switch (s.charCodeAt(i)) {
      case 34: r = '&quot;'; break;
      case 38: r = '&amp;'; break;
      case 39: r = '&#39;'; break;
      case 60: r = '&lt;'; break;
      case 62: r = '&gt;'; break;
      default: continue;
    }
    if (i > last) out += s.slice(last, i);
    out += r;
    last = i + 1;
  }
  return last === 0 ? s : last < s.length ? out + s.slice(last) : out;
}

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

/** Applies an SGR sequence's parameters to `style` (in place). */
function apply(style: Style, params: string): void {
  const codes = params === '' ? [0] : params.split(';').map(Number);
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i] || 0;
    if (c === 0) {
      style.bold = style.dim = style.underline = false;
      style.fg = null;
    } else if (c === 1) style.bold = true;
    else if (c === 2) style.dim = true;
    else if (c === 4) style.underline = true;
    else if (c === 22) style.bold = style.dim = false;
    else if (c === 24) style.underline = false;
    else if (c >= 30 && c <= 37) style.fg = COLOURS[c - 30]!;
    else if (c >= 90 && c <= 97) style.fg = `bright-${COLOURS[c - 90]!}`;
    else if (c === 39) style.fg = null;
    else if (c === 38 || c === 48) i += codes[i + 1] === 5 ? 2 : codes[i + 1] === 2 ? 4 : 0; // 256 / true colour: skipped
  }
}

const classes = (s: Style) => [s.bold && 'a-bold', s.dim && 'a-dim', s.underline && 'a-u', s.fg && `a-${s.fg}`].filter(Boolean).join(' ');

/** The classes a style has, read back (they name it completely). */
function styleOf(cls: string): Style {
  const style: Style = { bold: false, dim: false, underline: false, fg: null };
  for (const c of cls ? cls.split(' ') : []) {
    if (c === 'a-bold') style.bold = true;
    else if (c === 'a-dim') style.dim = true;
    else if (c === 'a-u') style.underline = true;
    else style.fg = c.slice(2);
  }
  return style;
}

// The classes after an SGR sequence, by the classes before it and its parameters: a log repeats
// the same few sequences on every line.
const transitions = new Map<string, string>();

function nextClasses(cls: string, params: string): string {
  const key = `${cls}|${params}`;
  let next = transitions.get(key);
  if (next === undefined) {
    const style = styleOf(cls);
    apply(style, params);
    next = classes(style);
    if (transitions.size >= 1000) transitions.clear();
    transitions.set(key, next);
  }
  return next;
}

const span = (cls: string, chunk: string) => (cls ? `<span class="${cls}">${escapeHtml(chunk)}</span>` : escapeHtml(chunk));

/**
 * One line of text with ANSI codes → escaped HTML with colour spans. A page of a running job
 * renders hundreds of these on every visit: a line without an escape sequence is only escaped.
 */
export function ansiToHtml(text: string): string {
  if (!text.includes('\u001b')) return escapeHtml(text);
  let cls = '';
  let out = '';
  let last = 0;
  ANSI.lastIndex = 0;
  for (let m = ANSI.exec(text); m !== null; m = ANSI.exec(text)) {
    if (m.index > last) out += span(cls, text.slice(last, m.index));
    last = m.index + m[0].length;
    if (m[2] === 'm') cls = nextClasses(cls, m[1] ?? '');
  }
  if (last < text.length) out += span(cls, text.slice(last));
  return out;
}

/** A stored line as the log view's row; `data-seq` lets a test (and a person) check ordering. */
export function logLineHtml(l: Pick<StoredLogLine, 'seq' | 'stream' | 'level' | 'line'>): string {
  const cls = `ln ln-${l.stream} ln-${l.level}`;
  return `<div class="${cls}" data-seq="${l.seq}"><span class="ln-no" aria-hidden="true">${l.seq}</span><span class="ln-text">${ansiToHtml(l.line)}</span></div>`;
}

export const logLinesHtml = (lines: Array<Pick<StoredLogLine, 'seq' | 'stream' | 'level' | 'line'>>) => lines.map(logLineHtml).join('');

/**
 * A log's tail as the pages show it, from its last `limit + 1` lines: the last `limit` as HTML,
 * the last seq shown (where a live stream resumes), and whether earlier lines were left out.
 */
export function logTailView(tail: Array<Pick<StoredLogLine, 'seq' | 'stream' | 'level' | 'line'>>, limit: number): { logHtml: string; lastSeq: number; truncated: boolean } {
  const truncated = tail.length > limit;
  const shown = truncated ? tail.slice(tail.length - limit) : tail;
  return { logHtml: logLinesHtml(shown), lastSeq: shown.at(-1)?.seq ?? 0, truncated };
}
