import t from 'tap';
import { ago, agoTag, badge, between, duration, fieldError, fieldLabel, humanize, money, show } from '../../src/routes/view-helpers.js';

t.test('formatting for the pages', async (t) => {
  t.equal(duration(12_400), '12 s');
  t.equal(duration(245_000), '4 min 05 s');
  t.equal(duration(7_800_000), '2 h 10 min');
  t.equal(ago(new Date(Date.now() - 2000)), 'just now');
  const at = new Date('2026-11-26T10:00:00.000Z');
  t.equal(agoTag(at, at.getTime() + 65_000), '<time datetime="2026-11-26T10:00:00.000Z" data-ago>1 min 05 s ago</time>', 'a <time> the page keeps current');
  t.equal(agoTag(null), 'never');
  t.equal(agoTag('not a date'), 'never');
  t.equal(ago(null), 'never');
  t.equal(between(new Date(0), new Date(61_000)), '1 min 01 s');
  t.equal(humanize('cidr_block'), 'CIDR block');
  t.equal(humanize('storage_gb'), 'Storage GB');
  t.equal(show(true), 'yes');
  t.equal(show(['a', 'b']), 'a, b');
  t.equal(show(null), '—');
  t.equal(money(1234.5), '$1,234.50');
  t.equal(money(3, 'EUR'), 'EUR 3.00');
  t.equal(badge('ACTIVE'), '<span class="badge s-ACTIVE">ACTIVE</span>', 'a badge always carries its text');
  t.equal(badge('<x>'), '<span class="badge s-&lt;x&gt;">&lt;x&gt;</span>', 'and escapes it');
  t.equal(fieldError('Storage GB', 'must be an integer'), 'Storage GB must be an integer');
  t.equal(fieldError('Name', 'a vine named "x" already exists'), 'A vine named "x" already exists');
  t.equal(fieldLabel('databases.0.storage_gb'), 'Databases #1 › Storage GB');
  t.equal(fieldLabel('network.cidr_block'), 'Network › CIDR block');
  t.equal(fieldLabel('name'), 'Vine name');
});
