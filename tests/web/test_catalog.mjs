// test_catalog.mjs - the catalog page at more than one page: it asks
// the API for one page of 12 at a time (never the whole catalog), with
// the filters; numbers its pages; goes forward, back and to the first
// page; and nothing on screen moves while a page loads (the layout-shift
// score, CLS, that Lighthouse weighs; tests/web/lighthouse scores the
// page itself).  25 plants of its own, found by one search word, make
// three pages: 12, 12 and 1.

import {
  apiCall, apiLogin, env, expect, expectClean, openTab, press, sleep, test, wait, waitText,
} from './lib.mjs';

const PAGE = 12;
const COUNT = 25;

/** Make COUNT plants named "Pager <stamp> NN" sharing a search word. */
async function makePlants(token, word) {
  const base = (await apiCall('GET', '/api/v1/plants/p004')).json;
  const ids = [];
  for (let i = 1; i <= COUNT; i++) {
    const nn = String(i).padStart(2, '0');
    const plant = { ...base, id: `${word}-${nn}`, name: `pager_${word}_${nn}`, searchable_text: word };
    delete plant.version;
    const r = await apiCall('POST', '/api/v1/plants', { token, body: plant });
    expect(r.status === 201, `creating ${plant.id}: ${r.status} ${r.text}`);
    ids.push(plant.id);
  }
  // every worker serves an admin write within 2 s (API.md 1.1): wait
  // until an anonymous reader, as the page is, lists all of them
  const end = Date.now() + wait(30000);
  for (;;) {
    const r = await apiCall('GET', `/api/v1/plants?q=${word}&limit=100`);
    if (r.status === 200 && r.json.items.length === COUNT) break;
    expect(Date.now() < end, `the list shows ${r.status === 200 ? r.json.items.length : r.status} of the ${COUNT} plants`);
    await sleep(250);
  }
  return ids;
}

const cards = (page) => page.$$eval('main .catalog-cards > li:not(.skeleton)', (l) => l.map((x) => x.dataset.plant));
const links = (page) => page.$$eval('main nav.pager', (navs) => navs.map((n) => [...n.querySelectorAll('a')]
  .map((a) => a.textContent).join('+')));

async function settled(page) {
  await page.waitForFunction(() => !document.querySelector('main [aria-busy="true"]')
    && document.querySelector('main .catalog-cards, main .problem'));
}

// The layout shifts of one fresh load of url, by the browser's own
// measure (what Lighthouse sums up as CLS).
async function shiftsOfLoad(page, url) {
  await page.goto('about:blank');
  await page.evaluateOnNewDocument(() => {
    if (window.__shiftSeen) return;   // one observer, however often added
    window.__shiftSeen = true;
    window.__shift = 0;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (!e.hadRecentInput) window.__shift += e.value;
    }).observe({ type: 'layout-shift', buffered: true });
  });
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  await settled(page);
  // two frames, so a shift of the last render is reported
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  return page.evaluate(() => window.__shift);
}

test('catalog: pages of 12 through the API with the filters, numbered, forward, back and first', async () => {
  const admin = await apiLogin(env('GROWVRD_ADMIN_EMAIL'), env('GROWVRD_ADMIN_PASSWORD'));
  const word = `pg${Date.now().toString(36)}`;
  let ids = [];
  const tab = await openTab({ width: 390, height: 844 });
  const { page } = tab;
  try {
    ids = await makePlants(admin.id_token, word);
    const url = `${env('GROWVRD_URL')}/#/catalog?q=${word}`;
    await page.goto(url, { waitUntil: 'domcontentloaded' });
    await settled(page);
    await waitText(page, 'main .count', 'Page 1: plants 1–12.');
    const p1 = await cards(page);
    expect(p1.length === PAGE, `page 1 holds ${p1.length} plants`);
    expect(JSON.stringify(await links(page)) === '["Next page","Next page"]',
      `page 1 pagers: ${JSON.stringify(await links(page))}`);

    await press(page, 'Next page', 'link');
    await page.waitForFunction(() => /cursor=/.test(location.hash));
    await settled(page);
    await waitText(page, 'main .count', 'Page 2: plants 13–24.');
    const p2 = await cards(page);
    expect(JSON.stringify(await links(page)) === '["First page+Next page","First page+Next page"]',
      `page 2 pagers: ${JSON.stringify(await links(page))}`);

    const before = await page.evaluate(() => location.hash);
    await press(page, 'Next page', 'link');
    await page.waitForFunction((b) => location.hash !== b, {}, before);
    await waitText(page, 'main .count', 'Page 3: plants 25–25 (the last page).');
    await settled(page);
    const p3 = await cards(page);
    expect(p3.length === COUNT - 2 * PAGE, `page 3 holds ${p3.length} plants`);
    expect(JSON.stringify(await links(page)) === '["First page+Previous page"]',
      `page 3 pagers: ${JSON.stringify(await links(page))}`);

    const seen = [...p1, ...p2, ...p3];
    expect(new Set(seen).size === COUNT && ids.every((id) => seen.includes(id)),
      `the three pages hold ${seen.length} plants (${new Set(seen).size} distinct), not the ${COUNT} made`);

    await press(page, 'Previous page', 'link');
    await waitText(page, 'main .count', 'Page 2: plants 13–24.');
    await settled(page);
    expect(JSON.stringify(await cards(page)) === JSON.stringify(p2), 'page 2 differs when come back to');
    await press(page, 'First page', 'link');
    await page.waitForFunction(() => !/cursor=/.test(location.hash));
    await waitText(page, 'main .count', 'Page 1: plants 1–12.');
    await settled(page);
    expect(JSON.stringify(await cards(page)) === JSON.stringify(p1), 'page 1 differs when come back to');

    // every list request asked for one page, with the search
    const lists = tab.seen.apiCalls.filter((c) => c.url.startsWith('/api/v1/plants?'));
    expect(lists.length === 5, `${lists.length} list requests for 5 page views`);
    for (const c of lists) {
      const q = new URL(c.url, 'https://x').searchParams;
      expect(q.get('limit') === String(PAGE) && q.get('q') === word && c.status === 200,
        `list request ${c.url}: ${c.status}`);
    }
    expectClean(tab.seen);
  } finally {
    await tab.close();
    for (const id of ids) {
      await apiCall('DELETE', `/api/v1/plants/${id}`, { token: admin.id_token }).catch(() => {});
    }
  }
});

test('catalog: nothing moves while a page loads, at 390 and 1280 px (layout shift 0)', async () => {
  const tab = await openTab({ width: 390, height: 844 });
  const { page } = tab;
  try {
    const base = env('GROWVRD_URL');
    const got = [];
    for (const [w, hgt] of [[390, 844], [1280, 800]]) {
      await page.setViewport({ width: w, height: hgt });
      for (const route of ['#/catalog', '#/catalog?pet_safe=true&difficulty_max=3']) {
        const cls = await shiftsOfLoad(page, `${base}/${route}`);
        got.push(`${w} px ${route}: ${cls.toFixed(4)}`);
      }
    }
    // a skeleton of the right size shifts nothing; 0.01 is far below
    // any shift a person sees (Lighthouse's "good" is below 0.1)
    const bad = got.filter((g) => Number(g.split(': ')[1]) > 0.01);
    expect(!bad.length, `layout shifts: ${got.join('; ')}`);
    expectClean(tab.seen);
  } finally {
    await tab.close();
  }
});
