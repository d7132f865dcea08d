// lib.mjs - the web tests' small framework: Debian's chromium driven by
// puppeteer-core against the stack of the environment (GROWVRD_URL,
// GROWVRD_CA, STACK_DIR, COGNITO_*; scripts/stack writes them into
// $STACK_DIR/local.env), plus helpers to fill fields by their labels,
// watch for console errors and CSP violations, and take screenshots.
//
// A test file calls test(name, fn); main.mjs runs them in order and
// prints "ok - name" / "FAIL - name: reason", then "N passed, N failed".

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const tests = [];

/** Register a test; fn gets nothing and throws to fail. */
export function test(name, fn) {
  tests.push({ name, fn });
}

/** Fail unless cond holds. */
export function expect(cond, message) {
  if (!cond) throw new Error(message);
}

export function env(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (source the stack's local.env or set STACK_DIR)`);
  return v;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Waits are bounds for a stuck page, not speed checks: generous, so a
// busy machine (2 cores shared with builds and other stacks) passes.
// WEB_TIMEOUT_SCALE multiplies every one of them.
const SCALE = Math.max(1, Number(process.env.WEB_TIMEOUT_SCALE) || 1);
/** A wait of ms milliseconds on an idle machine, as this run allows it. */
export const wait = (ms) => Math.round(ms * SCALE);

// ------------------------------------------------------------ browser

let browser = null;
let userDataDir = null;

// The SPKI hash of the stack's server certificate: chromium trusts that
// one key and still checks every other certificate (it takes no CA file).
function spkiHash() {
  const tls = path.dirname(env('GROWVRD_CA'));
  const pem = path.join(tls, 'server.pem');
  const pub = execFileSync('openssl', ['x509', '-in', pem, '-pubkey', '-noout']);
  const der = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'der'], { input: pub });
  return execFileSync('openssl', ['dgst', '-sha256', '-binary'], { input: der }).toString('base64');
}

/** The one browser of the run (launched on first use). */
export async function getBrowser() {
  if (browser) return browser;
  userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'growvrd-web-'));
  browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    defaultViewport: { width: 1280, height: 800 },
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-dev-shm-usage', '--lang=en-US',
      `--ignore-certificate-errors-spki-list=${spkiHash()}`,
      `--user-data-dir=${userDataDir}`,
    ],
  });
  return browser;
}

export async function closeBrowser() {
  if (browser) await browser.close().catch(() => {});
  browser = null;
  if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
}

// Every problem seen in any page, for the run's closing check.
export const totals = { console: [], csp: [], pageErrors: [], apiErrors: [] };

/**
 * A new browser tab in its own incognito context (its own
 * sessionStorage), watched: returns {page, context, seen, close}.
 * seen.console: console errors and warnings other than the browser's own
 * "Failed to load resource" lines for API answers, which go to
 * seen.apiErrors as {status, url} (the app handles those by design; each
 * test says which it expects); seen.csp: CSP violations reported by the
 * page; seen.pageErrors: uncaught exceptions.
 */
export async function openTab({ width = 1280, height = 800 } = {}) {
  const b = await getBrowser();
  const context = await b.createBrowserContext();
  const page = await context.newPage();
  await page.setViewport({ width, height });
  page.setDefaultTimeout(wait(30000));
  page.setDefaultNavigationTimeout(wait(60000));
  const seen = { console: [], csp: [], pageErrors: [], apiErrors: [], apiCalls: [] };
  const origin = env('GROWVRD_URL');
  page.on('console', (m) => {
    const type = m.type();
    if (type !== 'error' && type !== 'warn' && type !== 'assert') return;
    const text = m.text();
    const url = (m.location() && m.location().url) || '';
    const failed = /^Failed to load resource: the server responded with a status of (\d+)/.exec(text);
    if (failed && url.startsWith(`${origin}/api/`)) {
      const e = { status: Number(failed[1]), url: url.slice(origin.length) };
      seen.apiErrors.push(e);
      totals.apiErrors.push(e);
      return;
    }
    if (/Content.Security.Policy/i.test(text)) {
      seen.csp.push(text);
      totals.csp.push(text);
      return;
    }
    if (/^Failed to load resource: net::ERR_INTERNET_DISCONNECTED/.test(text) && seen.offlineExpected) return;
    seen.console.push(`${type}: ${text} (${url})`);
    totals.console.push(text);
  });
  page.on('pageerror', (e) => {
    seen.pageErrors.push(e.message);
    totals.pageErrors.push(e.message);
  });
  page.on('response', (r) => {
    const u = r.url();
    if (u.startsWith(`${origin}/api/`)) {
      seen.apiCalls.push({ method: r.request().method(), url: u.slice(origin.length), status: r.status() });
    }
  });
  await page.exposeFunction('__growvrdCsp', (v) => {
    seen.csp.push(v);
    totals.csp.push(v);
  });
  await page.evaluateOnNewDocument(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__growvrdCsp(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`);
    });
  });
  return {
    page, context, seen,
    close: async () => { await context.close().catch(() => {}); },
  };
}

/**
 * Fail if the tab saw console errors, page errors or CSP violations, or
 * an API error answer whose status is not in allowed (e.g. [429]).
 */
export function expectClean(seen, allowed = []) {
  expect(!seen.csp.length, `CSP violations: ${seen.csp.join(' | ')}`);
  expect(!seen.pageErrors.length, `page errors: ${seen.pageErrors.join(' | ')}`);
  expect(!seen.console.length, `console errors: ${seen.console.join(' | ')}`);
  const odd = seen.apiErrors.filter((e) => !allowed.includes(e.status));
  expect(!odd.length, `unexpected API answers: ${odd.map((e) => `${e.status} ${e.url}`).join(', ')}`);
}

// ------------------------------------------------------------ the page

/** Open a route of the app ("#/catalog") and wait for its heading. */
export async function go(page, route, heading) {
  await page.goto(`${env('GROWVRD_URL')}/${route}`, { waitUntil: 'domcontentloaded' });
  if (heading) await waitHeading(page, heading);
}

/** Wait until the view's h1 holds text (a string or RegExp). */
export async function waitHeading(page, text, timeout = wait(30000)) {
  const src = text instanceof RegExp ? text.source : null;
  const flags = text instanceof RegExp ? text.flags : '';
  const s = text instanceof RegExp ? null : text;
  try {
    await page.waitForFunction((str, re, fl) => {
      const hh = document.querySelector('main h1');
      if (!hh) return false;
      return re ? new RegExp(re, fl).test(hh.textContent) : hh.textContent.trim() === str;
    }, { timeout }, s, src, flags);
  } catch {
    const now = await page.$eval('main', (m) => m.innerText.slice(0, 300)).catch(() => '?');
    throw new Error(`heading ${text} did not show; the page shows: ${JSON.stringify(now)}`);
  }
}

/** Wait until the selector's element contains text (or matches RegExp). */
export async function waitText(page, selector, text, timeout = wait(30000)) {
  const src = text instanceof RegExp ? text.source : null;
  const flags = text instanceof RegExp ? text.flags : '';
  const s = text instanceof RegExp ? null : text;
  try {
    await page.waitForFunction((sel, str, re, fl) => [...document.querySelectorAll(sel)].some((el) => (re
      ? new RegExp(re, fl).test(el.textContent) : el.textContent.includes(str))),
    { timeout }, selector, s, src, flags);
  } catch {
    const now = await page.$eval('main', (m) => m.innerText.slice(0, 400)).catch(() => '?');
    throw new Error(`"${text}" did not show in ${selector}; the page shows: ${JSON.stringify(now)}`);
  }
}

/** The control whose accessible name (its label) is name. */
export async function control(page, name, role) {
  const q = `::-p-aria([name="${name.replace(/"/g, '\\"')}"]${role ? `[role="${role}"]` : ''})`;
  try {
    return await page.waitForSelector(q, { timeout: wait(20000) });
  } catch {
    throw new Error(`no control labelled "${name}"${role ? ` (${role})` : ''}`);
  }
}

/** Type value into the field labelled name (cleared first). */
export async function fill(page, name, value) {
  const el = await control(page, name);
  await el.evaluate((e) => { e.value = ''; });
  await el.type(String(value));
  return el;
}

/** Set a value without typing each key (long texts), with an input event. */
export async function setValue(page, name, value) {
  const el = await control(page, name);
  await el.evaluate((e, v) => {
    e.value = v;
    e.dispatchEvent(new Event('input', { bubbles: true }));
    e.dispatchEvent(new Event('change', { bubbles: true }));
  }, String(value));
  return el;
}

/** Choose an option (by value) in the select labelled name. */
export async function choose(page, name, value) {
  const el = await control(page, name);
  await el.select(value);
  return el;
}

/** Check or uncheck the checkbox labelled name. */
export async function check(page, name, on = true) {
  const el = await control(page, name);
  if ((await el.evaluate((e) => e.checked)) !== on) await el.click();
  return el;
}

/** Click the button (or link) whose accessible name is name. */
export async function press(page, name, role = 'button') {
  const el = await control(page, name, role);
  await el.click();
  return el;
}

/** The text of main, whitespace squeezed. */
export async function mainText(page) {
  return page.$eval('main', (m) => m.innerText.replace(/\s+/g, ' ').trim());
}

/** sessionStorage's session of the tab (the app's tokens). */
export async function tabSession(page) {
  return page.evaluate(() => JSON.parse(sessionStorage.getItem('growvrd.session') || 'null'));
}

// ----------------------------------------------------------- screenshots

const SHOT_DIR = process.env.WEB_SCREENSHOT_DIR
  ? path.resolve(process.env.WEB_SCREENSHOT_DIR) : path.join(ROOT, 'docs', 'screenshots');
export const shots = [];

/**
 * Screenshots of what the tab shows at 1280 and 390 px wide:
 * <dir>/<name>-1280.png and <name>-390.png (the viewport, not the whole
 * page, to keep them small).  The tab's size is restored afterwards.
 */
export async function screenshot(page, name) {
  fs.mkdirSync(SHOT_DIR, { recursive: true });
  const old = page.viewport();
  for (const [w, hgt] of [[1280, 800], [390, 844]]) {
    await page.setViewport({ width: w, height: hgt });
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.mouse.move(w - 1, hgt - 1);   // no hover effect in the picture
    const file = path.join(SHOT_DIR, `${name}-${w}.png`);
    await page.screenshot({ path: file, captureBeyondViewport: false });
    shots.push(file);
  }
  await page.setViewport(old);
}

// ----------------------------------------------------------- the stack

/** One HTTPS request to the stack, trusting only its CA. */
export function apiCall(method, p, { token, body, headers = {} } = {}) {
  const u = new URL(env('GROWVRD_URL'));
  const data = body === undefined ? null : Buffer.from(JSON.stringify(body));
  const h = { Accept: 'application/json', ...headers };
  if (data) { h['Content-Type'] = 'application/json'; h['Content-Length'] = data.length; }
  if (token) h.Authorization = `Bearer ${token}`;
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: u.hostname, port: u.port || 443, path: p, method, headers: h,
      ca: fs.readFileSync(env('GROWVRD_CA')), timeout: wait(30000),
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json = null;
        try { json = text ? JSON.parse(text) : null; } catch { json = null; }
        resolve({ status: res.statusCode, headers: res.headers, json, text });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${p} timed out`)));
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

/** Log in through the API; returns the token answer. */
export async function apiLogin(email, password) {
  const r = await apiCall('POST', '/api/v1/auth/login', { body: { email, password } });
  expect(r.status === 200, `login of ${email}: ${r.status} ${r.text}`);
  return r.json;
}

/** The code cognito-local keeps for the user with this email. */
export async function confirmationCode(email) {
  const file = path.join(env('STACK_DIR'), 'cognito', '.cognito', 'db',
    `${env('COGNITO_USER_POOL_ID')}.json`);
  const end = Date.now() + wait(30000);
  while (Date.now() < end) {
    try {
      const db = JSON.parse(fs.readFileSync(file, 'utf8'));
      for (const u of Object.values(db.Users || {})) {
        const a = (u.Attributes || []).find((x) => x.Name === 'email');
        if (a && a.Value === email && u.ConfirmationCode) return u.ConfirmationCode;
      }
    } catch {
      // being rewritten
    }
    await sleep(100);
  }
  throw new Error(`no confirmation code for ${email} in ${file}`);
}

let seq = 0;
/** A fresh address for a test person. */
export function uniqueEmail(prefix = 'web') {
  seq += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}${seq}@growvrd.test`;
}
