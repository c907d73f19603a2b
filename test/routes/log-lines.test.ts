import t from 'tap';
import { ansiToHtml, logLineHtml } from '../../src/routes/log-lines.js';

t.test('ANSI colours become classes; other escapes go; everything is escaped', async (t) => {
  t.equal(ansiToHtml('plain & <simple>'), 'plain &amp; &lt;simple&gt;');
  t.equal(ansiToHtml('\u001b[1m\u001b[32mApply complete!\u001b[0m done'), '<span class="a-bold a-green">Apply complete!</span> done');
  t.equal(ansiToHtml('\u001b[91mbright\u001b[39m normal'), '<span class="a-bright-red">bright</span> normal');
  t.equal(ansiToHtml('\u001b[2K\u001b[1Gprogress \u001b]0;title\u0007ok'), 'progress ok', 'cursor moves and titles are stripped');
  t.equal(ansiToHtml('\u001b[38;5;196mred-ish\u001b[0m'), 'red-ish', '256 colours are dropped, not misread');
  t.equal(ansiToHtml('\u001b[31m<script>\u001b[0m'), '<span class="a-red">&lt;script&gt;</span>');
  t.equal(
    logLineHtml({ seq: 7, stream: 'stderr', level: 'error', line: 'boom "x"' }),
    '<div class="ln ln-stderr ln-error" data-seq="7"><span class="ln-no" aria-hidden="true">7</span><span class="ln-text">boom &quot;x&quot;</span></div>',
  );
});

/** The straightforward rendering the fast one replaced (issue 14): the reference for the fuzz below. */
function referenceAnsiToHtml(text: string): string {
  const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
  const escape = (s: string) => s.replace(/[&<>"']/g, (c) => ESC[c]!);
  const COLOURS = ['black', 'red', 'green', 'yellow', 'blue', 'magenta', 'cyan', 'white'];
  // eslint-disable-next-line no-control-regex
  const ANSI = /\u001b\[([0-9;?]*)([A-Za-z])|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g;
  type Style = { bold: boolean; dim: boolean; underline: boolean; fg: string | null };
  const apply = (style: Style, params: string): Style => {
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
      else if (c === 38 || c === 48) i += codes[i + 1] === 5 ? 2 : codes[i + 1] === 2 ? 4 : 0;
    }
    return next;
  };
  const classes = (s: Style) => [s.bold && 'a-bold', s.dim && 'a-dim', s.underline && 'a-u', s.fg && `a-${s.fg}`].filter(Boolean).join(' ');
  let out = '';
  let style: Style = { bold: false, dim: false, underline: false, fg: null };
  let last = 0;
  const emit = (chunk: string) => {
    if (!chunk) return;
    const cls = classes(style);
    out += cls ? `<span class="${cls}">${escape(chunk)}</span>` : escape(chunk);
  };
  for (const m of text.matchAll(ANSI)) {
    emit(text.slice(last, m.index));
    last = m.index + m[0].length;
    if (m[2] === 'm') style = apply(style, m[1] ?? '');
  }
  emit(text.slice(last));
  return out;
}

t.test('the fast rendering gives what the straightforward one gives, for any line', async (t) => {
  // Pieces that exercise every branch: SGR codes (reset, bold, dim, underline, colours, 256 and
  // true colour, odd parameters), other CSI and OSC sequences, lone escapes, text to escape.
  const pieces = ['\u001b[0m', '\u001b[m', '\u001b[1m', '\u001b[2m', '\u001b[4m', '\u001b[22m', '\u001b[24m', '\u001b[31m', '\u001b[1;32m', '\u001b[93m', '\u001b[39m',
    '\u001b[38;5;196m', '\u001b[48;2;1;2;3m', '\u001b[38m', '\u001b[;1m', '\u001b[x;31m', '\u001b[2K', '\u001b[1G', '\u001b[?25l', '\u001b]0;title\u0007', '\u001b]8;;http://x\u001b\\',
    '\u001b', '\u001bM', 'plain', ' ', '<', '>', '&', '"', "'", 'Apply complete!', 'é—…', ''];
  let seed = 14;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let i = 0; i < 5000; i++) {
    const line = Array.from({ length: Math.floor(random() * 12) }, () => pieces[Math.floor(random() * pieces.length)]).join('');
    if (ansiToHtml(line) !== referenceAnsiToHtml(line)) {
      t.equal(ansiToHtml(line), referenceAnsiToHtml(line), `line ${JSON.stringify(line)}`);
      return;
    }
  }
  t.pass('5,000 random lines render alike');
});
