// lighthouse.mjs - the checks of tests/web/lighthouse (the entry, which
// starts the stack and imports the plants):
//
//   node tests/web/lighthouse.mjs PLANTS.json   (STACK_DIR, LH_OUT, LH_RUNS,
//                                               LH_MIN_PERFORMANCE set)
//   node tests/web/lighthouse.mjs --generate N  N seeded plants as JSON
//
// Waits until the API lists the last imported plant, checks that the
// catalog page at that size asks for one page of 12 (and the next one
// when asked), then scores https://<stack>/#/catalog with Lighthouse,
// mobile and desktop, LH_RUNS runs each, and keeps each one's median run.

import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PAGE = 12;   // the catalog view's page size (web/js/views/catalog.js)

// ---------------------------------------------------------- generating

// A small seeded generator (mulberry32), used when tests/gen_plants.py
// is not there: plants of the seed catalog's shape with varied names and
// filter values.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generate(count, seed = 8) {
  const r = rng(seed);
  const pick = (xs) => xs[Math.floor(r() * xs.length)];
  const int = (lo, hi) => lo + Math.floor(r() * (hi - lo + 1));
  const ADJ = ['golden', 'silver', 'dwarf', 'giant', 'creeping', 'weeping', 'variegated', 'velvet', 'striped', 'royal'];
  const NOUN = ['fern', 'fig', 'palm', 'ivy', 'lily', 'orchid', 'cactus', 'aloe', 'begonia', 'calathea', 'pothos', 'hoya'];
  const LIGHT = ['low_indirect', 'indirect', 'bright_indirect', 'direct'];
  const PLACES = ['office', 'bedroom', 'shelf', 'hanging_planter', 'living_room', 'kitchen', 'balcony',
    'sunny_window', 'terrace', 'windowsill', 'bathroom', 'desk'];
  const LEVEL = ['low', 'moderate', 'high'];
  const out = [];
  for (let i = 0; i < count; i++) {
    const n = String(i).padStart(6, '0');
    const name = `${pick(ADJ)}_${pick(NOUN)}_${int(1, 99)}`;
    const water = int(1, 30);
    const tmin = int(40, 60);
    out.push({
      id: `lh-${n}`, name, scientific_name: `${pick(NOUN)}_${pick(ADJ)}`,
      natural_sunlight_needs: pick(LIGHT), natural_sunlight_required: r() < 0.5,
      led_light_requirements: pick(LEVEL), recommended_light_wattage: int(10, 50),
      led_wattage_min: 10, led_wattage_max: 60, water_frequency_days: water,
      humidity_preference: pick(LEVEL), difficulty: int(1, 10), maintenance: pick(LEVEL),
      indoor_compatible: true, description: `A synthetic plant, number ${i}.`,
      compatible_locations: [pick(PLACES), pick(PLACES)].filter((v, k, a) => a.indexOf(v) === k),
      size: pick(['small', 'medium', 'large']), temperature_min: tmin, temperature_max: tmin + 30,
      temperature_ideal: tmin + 15, watering_method_preference: 'top_watering', drought_tolerance: int(1, 10),
      overwatering_sensitivity: int(1, 10), soil_preference: 'standard_potting_soil',
      soil_replacement_days: 365, fertilizer_days: 30, functions: ['decoration'], growth_rate_days: 60,
      toxic_to_pets: r() < 0.4, propagation_methods: ['stem_cutting'], common_pests: ['aphids'],
      image_url: `https://example.com/plants/lh/${n}.jpg`, product_ids: [], care_history: {},
      perenual_id: 200000 + i, perenual_verified: false, created_at: '2025-01-01', updated_at: '2025-01-01',
      searchable_text: `${name.replace(/_/g, ' ')} synthetic`, last_updated: '2025-01-01',
    });
  }
  return out;
}

if (process.argv[2] === '--generate') {
  const n = Number(process.argv[3]);
  if (!Number.isInteger(n) || n < 0) throw new Error('--generate N');
  process.stdout.write(`[\n${generate(n).map((p) => JSON.stringify(p)).join(',\n')}\n]\n`);
  process.exit(0);
}

// ---------------------------------------------------------- the stack

function stackEnv(dir) {
  const env = {};
  for (const line of fs.readFileSync(path.join(dir, 'local.env'), 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (m) env[m[1]] = m[2];
  }
  return env;
}

const S = stackEnv(process.env.STACK_DIR);
const BASE = S.GROWVRD_URL;
const CA = fs.readFileSync(S.GROWVRD_CA);
const OUT = process.env.LH_OUT;
const RUNS = Math.max(1, Number(process.env.LH_RUNS) || 3);
const MIN_PERF = Number(process.env.LH_MIN_PERFORMANCE) || 95;

function get(p) {
  const u = new URL(BASE);
  return new Promise((resolve, reject) => {
    const req = https.request({ host: u.hostname, port: u.port, path: p, ca: CA, timeout: 60000,
      headers: { Accept: 'application/json' } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json = null;
        try { json = JSON.parse(text); } catch { json = null; }
        resolve({ status: res.statusCode, json, text });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${p} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let passed = 0;
let failed = 0;
function check(name, ok, why) {
  if (ok) {
    passed += 1;
    console.log(`ok - ${name}`);
  } else {
    failed += 1;
    console.log(`FAIL - ${name}: ${why}`);
  }
}

function spkiHash() {
  const pub = execFileSync('openssl', ['x509', '-in', path.join(path.dirname(S.GROWVRD_CA), 'server.pem'),
    '-pubkey', '-noout']);
  const der = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'der'], { input: pub });
  return execFileSync('openssl', ['dgst', '-sha256', '-binary'], { input: der }).toString('base64');
}

const plants = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));

// 1. the list holds the catalog: an import writes the table directly,
// and the workers' catalog takes it in from there; wait until a search
// for the first and for the last imported plant's name lists it
async function listed(p) {
  const q = encodeURIComponent(String(p.name).replace(/_/g, ' '));
  let cursor = '';
  for (let i = 0; i < 5; i++) {
    const r = await get(`/api/v1/plants?limit=100&q=${q}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
      .catch(() => ({ status: 0 }));
    if (r.status !== 200 || !r.json) return false;
    if (r.json.items.some((x) => x.id === p.id)) return true;
    if (!r.json.next_cursor) return false;
    cursor = r.json.next_cursor;
  }
  return false;
}
if (plants.length) {
  const ends = [plants[0], plants[plants.length - 1]];
  const t0 = Date.now();
  let seen = false;
  while (!seen && Date.now() - t0 < 300000) {
    seen = (await listed(ends[0])) && (await listed(ends[1]));
    if (!seen) await sleep(1000);
  }
  check(`the list holds the first and the last of ${plants.length} imported plants`
    + ` (after ${((Date.now() - t0) / 1000).toFixed(0)} s)`, seen, `${ends.map((p) => p.id).join(' and ')} never listed`);
}
const first = await get(`/api/v1/plants?limit=${PAGE}`);
check(`the catalog lists at size (GET /api/v1/plants?limit=${PAGE})`,
  first.status === 200 && first.json && first.json.items.length === PAGE,
  `${first.status} ${first.text.slice(0, 200)}`);

// 2. the page at size: one page per view, never the catalog
const spki = spkiHash();
const CHROME_FLAGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
  '--disable-background-networking', '--disable-component-update', '--no-first-run', '--lang=en-US',
  `--ignore-certificate-errors-spki-list=${spki}`];
{
  const { default: puppeteer } = await import('puppeteer-core');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'growvrd-lh-'));
  const browser = await puppeteer.launch({ executablePath: '/usr/bin/chromium', headless: true,
    args: [...CHROME_FLAGS.filter((f) => f !== '--headless=new'), `--user-data-dir=${dir}`] });
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 412, height: 823 });
    page.setDefaultTimeout(60000);
    const lists = [];
    let bytes = 0;
    page.on('response', async (res) => {
      if (!res.url().startsWith(`${BASE}/api/v1/plants?`)) return;
      lists.push(res.url().slice(BASE.length));
      bytes += (await res.buffer().catch(() => Buffer.alloc(0))).length;
    });
    const settled = () => page.waitForFunction(() => !document.querySelector('main [aria-busy="true"]')
      && document.querySelector('main .count') && !/Loading/.test(document.querySelector('main .count').textContent));
    await page.goto(`${BASE}/#/catalog`, { waitUntil: 'domcontentloaded' });
    await settled();
    const count1 = await page.$eval('main .count', (e) => e.textContent);
    const cards1 = await page.$$eval('main .catalog-cards > li', (l) => l.length);
    await page.click('main a[rel="next"]');
    await page.waitForFunction(() => /cursor=/.test(location.hash));
    await settled();
    const count2 = await page.$eval('main .count', (e) => e.textContent);
    await sleep(300);
    check('the catalog page at size shows page 1 of 12, then page 2',
      count1 === 'Page 1: plants 1–12.' && cards1 === PAGE && count2 === 'Page 2: plants 13–24.',
      `"${count1}" with ${cards1} cards, then "${count2}"`);
    check('it asked the API for one page per view (limit=12), never the whole catalog',
      lists.length === 2 && lists.every((u) => new URL(u, BASE).searchParams.get('limit') === String(PAGE)),
      `list requests: ${lists.join(', ')}`);
    console.log(`# 2 page views: ${lists.length} list requests, ${bytes} bytes of plants for a catalog of ${plants.length}`);
  } catch (err) {
    check('the catalog page at size', false, err.message.replace(/\s+/g, ' ').slice(0, 300));
  } finally {
    await browser.close().catch(() => {});
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// 3. Lighthouse, LH_RUNS runs per form factor, the median one kept
const { computeMedianRun } = await import('lighthouse/core/lib/median-run.js');
const CLI = path.join(ROOT, 'node_modules', 'lighthouse', 'cli', 'index.js');
const url = `${BASE}/#/catalog`;
for (const form of ['mobile', 'desktop']) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    const file = path.join(OUT, `catalog-${form}-${i + 1}.json`);
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'growvrd-lh-'));
    const args = [CLI, url, '--quiet', '--output=json', `--output-path=${file}`,
      '--only-categories=performance,accessibility,best-practices,seo',
      `--chrome-flags=${[...CHROME_FLAGS, `--user-data-dir=${profile}`].join(' ')}`];
    if (form === 'desktop') args.push('--preset=desktop');
    const r = spawnSync(process.execPath, args, {
      env: { ...process.env, CHROME_PATH: '/usr/bin/chromium' }, encoding: 'utf8', timeout: 300000,
    });
    fs.rmSync(profile, { recursive: true, force: true });
    if (r.status !== 0 || !fs.existsSync(file)) {
      console.log(`# lighthouse ${form} run ${i + 1} failed (exit ${r.status}): ${(r.stderr || '').slice(-400)}`);
      continue;
    }
    runs.push(JSON.parse(fs.readFileSync(file, 'utf8')));
  }
  if (!runs.length) {
    check(`lighthouse ${form}`, false, 'no run finished');
    continue;
  }
  const lhr = computeMedianRun(runs);
  fs.writeFileSync(path.join(OUT, `catalog-${form}.json`), JSON.stringify(lhr));
  const score = (id) => Math.round((lhr.categories[id] && lhr.categories[id].score) * 100);
  const a = (id) => lhr.audits[id] && lhr.audits[id].numericValue;
  const cls = a('cumulative-layout-shift');
  const perfs = runs.map((x) => Math.round(x.categories.performance.score * 100));
  console.log(`lighthouse ${form} #/catalog, ${plants.length} plants, median of ${runs.length} (performance ${perfs.join(', ')}): `
    + `performance ${score('performance')}, accessibility ${score('accessibility')}, `
    + `best practices ${score('best-practices')}, SEO ${score('seo')}, CLS ${cls.toFixed(3)} `
    + `(FCP ${Math.round(a('first-contentful-paint'))} ms, LCP ${Math.round(a('largest-contentful-paint'))} ms, `
    + `TBT ${Math.round(a('total-blocking-time'))} ms, SI ${Math.round(a('speed-index'))} ms)`);
  if (lhr.runtimeError) console.log(`# runtime error: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
  check(`lighthouse ${form}: performance ${score('performance')} >= ${MIN_PERF}`, score('performance') >= MIN_PERF,
    `performance ${score('performance')}`);
  for (const id of ['accessibility', 'best-practices', 'seo']) {
    const failing = Object.values(lhr.audits).filter((x) => x.score !== null && x.score < 1
      && lhr.categories[id].auditRefs.some((ref) => ref.id === x.id && ref.weight > 0)).map((x) => x.id);
    check(`lighthouse ${form}: ${id} ${score(id)} = 100`, score(id) === 100, `failing audits: ${failing.join(', ')}`);
  }
  check(`lighthouse ${form}: CLS ${cls.toFixed(3)} < 0.1`, cls < 0.1, `CLS ${cls}`);
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
