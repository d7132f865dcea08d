// test_people.mjs - the app for people: labels on every field, keyboard
// use with visible focus, readable contrast, 360 px wide phones, and a
// loading state while an answer is slow (the catalog's of the size of
// the page it stands for).

import {
  env, expect, expectClean, fill, go, openTab, press, screenshot, test, waitHeading, waitText,
} from './lib.mjs';
import { logIn } from './test_admin.mjs';

const PUBLIC = [
  ['#/catalog', 'Plant catalog'], ['#/plants/p004', 'Mint'], ['#/plans', 'Plans and subscription'],
  ['#/login', 'Log in'], ['#/signup', 'Create an account'], ['#/confirm', 'Confirm your email address'],
  ['#/forgot', 'Reset your password'], ['#/reset', 'Choose a new password'], ['#/nowhere', 'Page not found'],
];
const PRIVATE = [
  ['#/my-plants', 'My plants'], ['#/recommendations', 'Recommendations'], ['#/profile', 'Profile'],
  ['#/plants/p004', 'Mint'], ['#/plans', 'Plans and subscription'],
];

// Controls without a label, buttons and links without a name, images
// without alt text.
function unlabelled() {
  const bad = [];
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (el.type === 'hidden') continue;
    if (!(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby')) {
      bad.push(`${el.tagName.toLowerCase()}[name=${el.name}]`);
    }
  }
  for (const el of document.querySelectorAll('button, a')) {
    if (!el.textContent.trim() && !el.getAttribute('aria-label')) bad.push(el.outerHTML.slice(0, 60));
  }
  for (const el of document.querySelectorAll('img')) {
    if (!el.hasAttribute('alt')) bad.push(el.outerHTML.slice(0, 60));
  }
  return bad;
}

test('people: every field has a label and every control a name, on every view', async () => {
  const tab = await openTab();
  const { page } = tab;
  try {
    for (const [route, heading] of PUBLIC) {
      await go(page, route, heading);
      await page.waitForFunction(() => !document.querySelector('main [aria-busy="true"]'));
      const bad = await page.evaluate(unlabelled);
      expect(!bad.length, `${route}: ${bad.join(', ')}`);
    }
    await logIn(page, env('GROWVRD_USER_EMAIL'), env('GROWVRD_USER_PASSWORD'));
    for (const [route, heading] of PRIVATE) {
      await go(page, route, heading);
      await page.waitForFunction(() => !document.querySelector('main [aria-busy="true"]'));
      const bad = await page.evaluate(unlabelled);
      expect(!bad.length, `${route}: ${bad.join(', ')}`);
    }
    await press(page, 'Log out');
    await waitHeading(page, 'Log in');
    await logIn(page, env('GROWVRD_ADMIN_EMAIL'), env('GROWVRD_ADMIN_PASSWORD'));
    for (const [route, heading] of [['#/admin', 'Catalog admin'], ['#/admin/new', 'Add a plant'],
      ['#/admin/plants/p004', 'Edit Mint']]) {
      await go(page, route, heading);
      await page.waitForFunction(() => !document.querySelector('main [aria-busy="true"]'));
      const bad = await page.evaluate(unlabelled);
      expect(!bad.length, `${route}: ${bad.join(', ')}`);
    }
    expectClean(tab.seen);
  } finally {
    await tab.close();
  }
});

test('people: keyboard only: log in with Tab and Enter, focus always visible', async () => {
  const tab = await openTab();
  const { page } = tab;
  try {
    await go(page, '#/login', 'Log in');
    const focused = () => page.evaluate(() => {
      const el = document.activeElement;
      const cs = getComputedStyle(el);
      return {
        tag: el.tagName.toLowerCase(), name: el.name || el.textContent.trim().slice(0, 30),
        outline: cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2,
      };
    });
    const visited = [];
    for (let i = 0; i < 25; i++) {
      await page.keyboard.press('Tab');
      const f = await focused();
      visited.push(`${f.tag}:${f.name}`);
      expect(f.outline, `no visible focus on ${f.tag} "${f.name}"`);
      if (f.tag === 'input' && f.name === 'email') break;
    }
    expect(visited[0] === 'a:Skip to content', `the first Tab reaches ${visited[0]}`);
    expect(visited.at(-1) === 'input:email', `Tab never reached the email field: ${visited.join(', ')}`);
    await page.keyboard.type(env('GROWVRD_USER_EMAIL'));
    await page.keyboard.press('Tab');
    expect((await focused()).name === 'password', 'Tab does not lead to the password');
    await page.keyboard.type(env('GROWVRD_USER_PASSWORD'));
    await page.keyboard.press('Enter');
    await waitHeading(page, 'My plants');
    const f = await page.evaluate(() => document.activeElement.tagName);
    expect(f === 'H1', `focus after the route change is on ${f}, not the new heading`);
    // the menu toggles with the keyboard on a narrow screen
    await page.setViewport({ width: 390, height: 844 });
    const toggle = await page.$('#menu-toggle');
    await toggle.focus();
    await page.keyboard.press('Enter');
    expect(await page.$eval('#menu-toggle', (b) => b.getAttribute('aria-expanded')) === 'true', 'menu not open');
    expect(await page.$eval('#nav', (n) => getComputedStyle(n).display !== 'none'), 'menu not shown');
    expectClean(tab.seen);
  } finally {
    await tab.close();
  }
});

// Contrast ratio (WCAG 2) of each visible text element against the
// first opaque background behind it.
function contrastProblems(selectors) {
  const rgb = (s) => (s.match(/[\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (c) => { const v = c / 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const bg = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.9)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const bad = [];
  let checked = 0;
  for (const sel of selectors) {
    for (const el of document.querySelectorAll(sel)) {
      if (!el.textContent.trim() || !el.offsetParent) continue;
      const a = lum(rgb(getComputedStyle(el).color));
      const b = lum(bg(el));
      const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
      checked += 1;
      if (ratio < 4.5) bad.push(`${sel} "${el.textContent.trim().slice(0, 20)}" ${ratio.toFixed(2)}`);
    }
  }
  return { bad, checked };
}

test('people: text and controls have readable contrast (4.5:1 or more)', async () => {
  const tab = await openTab();
  const { page } = tab;
  const sel = ['main p', 'main h1', 'main h2', 'main h3', 'main a', 'main button', 'main label', 'main .badge',
    'main dt', 'main dd', 'main .hint', 'main .sci', 'nav a', 'nav button', '.brand', '#notice', 'footer p',
    'main .problem p', 'main li'];
  try {
    for (const [route, heading] of [['#/catalog', 'Plant catalog'], ['#/plants/p001', 'Snake plant'],
      ['#/signup', 'Create an account'], ['#/plans', 'Plans and subscription']]) {
      await go(page, route, heading);
      await page.waitForFunction(() => !document.querySelector('main [aria-busy="true"]'));
      const r = await page.evaluate(contrastProblems, sel);
      expect(r.checked > 10, `${route}: only ${r.checked} elements checked`);
      expect(!r.bad.length, `${route}: ${r.bad.join('; ')}`);
    }
    expectClean(tab.seen);
  } finally {
    await tab.close();
  }
});

test('people: 360 px wide phones: nothing scrolls sideways, the menu opens', async () => {
  const tab = await openTab({ width: 360, height: 740 });
  const { page } = tab;
  const wide = () => page.evaluate(() => document.documentElement.scrollWidth);
  try {
    for (const [route, heading] of PUBLIC) {
      await go(page, route, heading);
      await page.waitForFunction(() => !document.querySelector('main [aria-busy="true"]'));
      expect(await wide() <= 360, `${route} is ${await wide()} px wide`);
    }
    expect(!await page.$eval('#nav', (n) => n.offsetParent), 'the menu is open before asked');
    await press(page, 'Menu');
    await page.waitForFunction(() => document.querySelector('#nav').offsetParent !== null);
    await press(page, 'Catalog', 'link');
    await waitHeading(page, 'Plant catalog');
    expect(!await page.$eval('#nav', (n) => n.offsetParent), 'the menu stays open after choosing');
    await logIn(page, env('GROWVRD_USER_EMAIL'), env('GROWVRD_USER_PASSWORD'));
    for (const [route, heading] of PRIVATE) {
      await go(page, route, heading);
      await page.waitForFunction(() => !document.querySelector('main [aria-busy="true"]'));
      expect(await wide() <= 360, `${route} is ${await wide()} px wide`);
    }
    expectClean(tab.seen);
  } finally {
    await tab.close();
  }
});

test('people: a slow answer shows a loading state of the final size', async () => {
  const tab = await openTab();
  const { page } = tab;
  // the catalog's list and the log in wait until the test has looked
  // (no race with a timer on a busy machine)
  const gates = { list: null, login: null };
  const open = { list: null, login: null };
  for (const k of Object.keys(gates)) gates[k] = new Promise((r) => { open[k] = r; });
  try {
    await page.setRequestInterception(true);
    page.on('request', async (req) => {
      if (req.url().includes('/api/v1/plants?')) await gates.list;
      else if (req.url().endsWith('/auth/login')) await gates.login;
      await req.continue();
    });
    await go(page, '#/catalog', 'Plant catalog');
    await waitText(page, 'main [aria-busy="true"] .count', 'Loading plants…');
    const bones = await page.$$eval('main .catalog-cards > li.skeleton', (l) => l.map((x) => x.getBoundingClientRect().height));
    expect(bones.length === 12, `${bones.length} placeholder cards while loading`);
    await screenshot(page, 'catalog-loading');
    open.list();
    await waitText(page, 'main .count', 'Page 1: plants 1–12.');
    expect(!await page.$('main [aria-busy="true"]'), 'still busy after the answer');
    const real = await page.$$eval('main .catalog-cards > li', (l) => l.map((x) => x.getBoundingClientRect().height));
    expect(real.length === 12 && real.every((v, i) => Math.abs(v - bones[i]) < 1),
      `cards of ${real.join(', ')} px took the place of placeholders of ${bones.join(', ')} px`);
    // a button says what it does while its request runs
    await go(page, '#/login', 'Log in');
    await fill(page, 'Email address', 'nobody@growvrd.test');
    await fill(page, 'Password', 'Not-The-Pw-1!');
    await press(page, 'Log in', 'button');
    const b = await page.$eval('main button[type="submit"]', (e) => [e.textContent, e.disabled]);
    expect(b[0] === 'Logging in…' && b[1] === true, `the button while logging in: ${b}`);
    open.login();
    await waitText(page, 'main .problem', 'do not match an account');
    expectClean(tab.seen, [401]);
  } finally {
    for (const k of Object.keys(open)) open[k]();
    await tab.close();
  }
});
