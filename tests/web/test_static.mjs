// test_static.mjs - the app's files and headers, without a browser: no
// HTML sinks, eval, other origins or persistent token storage in web/,
// and nginx's Content-Security-Policy for the app.

import fs from 'node:fs';
import path from 'node:path';
import { ROOT, apiCall, expect, test } from './lib.mjs';

const WEB = path.join(ROOT, 'web');

function files(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory()
    ? files(path.join(dir, d.name)) : [path.join(dir, d.name)]));
}

test('web/ uses no HTML sinks, eval, localStorage or cookies', () => {
  const bad = [
    [/\.innerHTML\b|\.outerHTML\b|insertAdjacentHTML|document\.write|createContextualFragment|DOMParser/, 'parses HTML'],
    [/\beval\s*\(|new\s+Function\s*\(|setTimeout\s*\(\s*['"`]|setInterval\s*\(\s*['"`]/, 'evaluates strings'],
    [/localStorage|document\.cookie|indexedDB/, 'stores outside sessionStorage'],
    [/\.setAttribute\(\s*['"](?:on\w+|style)['"]/, 'sets a handler or style attribute'],
  ];
  const hits = [];
  for (const f of files(path.join(WEB, 'js'))) {
    const text = fs.readFileSync(f, 'utf8');
    for (const [re, why] of bad) {
      const code = text.split('\n').filter((l) => !/^\s*\/\//.test(l)).join('\n');
      if (re.test(code)) hits.push(`${path.relative(ROOT, f)} ${why}`);
    }
  }
  expect(!hits.length, hits.join('; '));
});

test('web/ loads nothing from another origin and has no inline script or style', () => {
  const hits = [];
  for (const f of files(WEB)) {
    const text = fs.readFileSync(f, 'utf8');
    if (/\b(?:src|href)\s*=\s*["']?(?:https?:)?\/\//i.test(text) || /@import|url\(\s*['"]?(?:https?:)?\/\//i.test(text)
      || /\bimport\s*\(?\s*['"](?:https?:)?\/\//.test(text) || /fetch\(\s*['"`]https?:/.test(text)) {
      hits.push(`${path.relative(ROOT, f)} refers to another origin`);
    }
    if (f.endsWith('.html')) {
      if (/<script(?![^>]*\bsrc=)[^>]*>/i.test(text)) hits.push(`${f}: inline <script>`);
      if (/<style|\sstyle\s*=|\son[a-z]+\s*=/i.test(text)) hits.push(`${f}: inline style or handler`);
    }
  }
  expect(!hits.length, hits.join('; '));
});

test('nginx sends the app a CSP without unsafe-inline or unsafe-eval, with frame-ancestors none', async () => {
  for (const p of ['/', '/index.html', '/js/app.js', '/css/app.css']) {
    const r = await apiCall('GET', p);
    expect(r.status === 200, `${p}: status ${r.status}`);
    const csp = r.headers['content-security-policy'] || '';
    expect(csp, `${p}: no Content-Security-Policy`);
    expect(!/unsafe-inline|unsafe-eval|\*/.test(csp), `${p}: weak CSP: ${csp}`);
    expect(/frame-ancestors 'none'/.test(csp), `${p}: no frame-ancestors 'none': ${csp}`);
    const dflt = /default-src 'self'/.test(csp);
    for (const d of ['script-src', 'style-src', 'connect-src', 'img-src']) {
      const m = new RegExp(`${d} ([^;]*)`).exec(csp);
      expect(m ? m[1].trim() === "'self'" || m[1].trim() === "'none'" : dflt,
        `${p}: ${d} is not limited to 'self': ${csp}`);
    }
    expect(r.headers['x-content-type-options'] === 'nosniff', `${p}: no nosniff`);
  }
  const js = await apiCall('GET', '/js/views/catalog.js');
  expect(/javascript/.test(js.headers['content-type'] || ''), `module type: ${js.headers['content-type']}`);
});
