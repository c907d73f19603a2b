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
