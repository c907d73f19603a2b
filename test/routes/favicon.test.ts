/** Every page names its icon, and /favicon.ico answers the browsers that ask for it by name. */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { buildTestApp } from '../helpers.js';

t.test('the favicon', async (t) => {
  const { app } = await buildTestApp(t);
  const home = await app.inject({ method: 'GET', url: '/', headers: { accept: 'text/html' } });
  t.match(home.body, /<link rel="icon" href="\/static\/favicon\.svg" type="image\/svg\+xml">/, 'the layout links the SVG icon');
  t.match(home.body, /<link rel="icon" href="\/favicon\.ico"/, 'and the .ico');

  const ico = await app.inject({ method: 'GET', url: '/favicon.ico' });
  t.equal(ico.statusCode, 200, '/favicon.ico answers');
  t.match(ico.headers['content-type'], /^image\/(x-icon|vnd\.microsoft\.icon)/, 'as an icon');
  t.match(ico.headers['cache-control'], /max-age=86400/, 'kept a day');
  t.same(ico.rawPayload, readFileSync(new URL('../../public/favicon.ico', import.meta.url)), 'public/favicon.ico');
  t.same([...ico.rawPayload.subarray(0, 4)], [0, 0, 1, 0], 'an ICO file');

  const svg = await app.inject({ method: 'GET', url: '/static/favicon.svg' });
  t.equal(svg.statusCode, 200, 'the SVG answers');
  t.match(svg.headers['content-type'], /^image\/svg\+xml/, 'as SVG');
});
