// test_xss.mjs - values from the API holding markup (a plant's name,
// description and places, a nickname and a place of one's own) show as
// text in every view and run nothing.

import {
  apiCall, apiLogin, env, expect, expectClean, fill, go, openTab, press, test,
  waitHeading, waitText,
} from './lib.mjs';
import { logIn } from './test_admin.mjs';

const NAME = '<img src=x onerror="window.pwned=1">"><script>window.pwned=2</script>';
const DESC = '<b id="xss-b">bold</b><img src=x onerror=window.pwned=3> & <iframe src="/"></iframe>';
const PLACE = '<svg onload=window.pwned=4>';
const NICK = '"><script>window.pwned=5</script><img src=x onerror=window.pwned=6>';

// Nothing ran and no element came from the values.
async function inert(page, where) {
  const r = await page.evaluate(() => ({
    xss: window.pwned,
    nodes: document.querySelectorAll('main img, main script, main svg, main iframe, main b, #xss-b').length,
  }));
  expect(r.xss === undefined, `${where}: a value ran (window.pwned = ${r.xss})`);
  expect(r.nodes === 0, `${where}: ${r.nodes} element(s) made from a value`);
}

test('xss: a plant name and a nickname holding markup show as text and run nothing', async () => {
  const admin = await apiLogin(env('GROWVRD_ADMIN_EMAIL'), env('GROWVRD_ADMIN_PASSWORD'));
  const base = (await apiCall('GET', '/api/v1/plants/p011')).json;
  const id = `xss-${Date.now().toString(36)}`;
  const plant = { ...base, id, name: NAME, description: DESC, compatible_locations: [PLACE, 'shelf'],
    searchable_text: 'xsstest' };
  delete plant.version;
  const made = await apiCall('POST', '/api/v1/plants', { token: admin.id_token, body: plant });
  expect(made.status === 201, `creating the plant: ${made.status} ${made.text}`);
  const tab = await openTab();
  const { page } = tab;
  let userToken = null;
  try {
    await logIn(page, env('GROWVRD_USER_EMAIL'), env('GROWVRD_USER_PASSWORD'));
    userToken = (await page.evaluate(() => JSON.parse(sessionStorage.getItem('growvrd.session')))).id_token;
    await go(page, '#/catalog?q=xsstest', 'Plant catalog');
    await waitText(page, 'main .cards', NAME);
    await inert(page, 'catalog');

    await page.click(`main li[data-plant="${id}"] a`);
    await waitHeading(page, NAME);
    await waitText(page, 'main', DESC);
    await waitText(page, 'main', PLACE);
    const title = await page.title();
    expect(title.startsWith(NAME), `document title: ${title}`);
    await inert(page, 'plant page');

    await fill(page, 'Nickname (optional)', NICK);
    await fill(page, 'Where it lives (optional)', PLACE);
    await press(page, 'Add to my plants');
    await waitText(page, 'main .ok', `${NICK} is in your plants now`);
    await inert(page, 'added message');

    await press(page, 'My plants', 'link');
    await waitHeading(page, 'My plants');
    await waitText(page, `main li[data-plant="${id}"] h2`, NICK);
    await waitText(page, `main li[data-plant="${id}"]`, NAME);
    await inert(page, 'my plants');
    await (await page.$(`main li[data-plant="${id}"] button`)).click();
    await waitText(page, 'main .ok', `${NICK} is watered`);
    await inert(page, 'watered message');

    await go(page, '#/recommendations', 'Recommendations');
    await inert(page, 'recommendations');
    expectClean(tab.seen);
  } finally {
    if (userToken) await apiCall('DELETE', `/api/v1/users/me/plants/${id}`, { token: userToken }).catch(() => {});
    await apiCall('DELETE', `/api/v1/plants/${id}`, { token: admin.id_token }).catch(() => {});
    await tab.close();
  }
});

test('xss: the admin list and edit form show the name as text', async () => {
  const admin = await apiLogin(env('GROWVRD_ADMIN_EMAIL'), env('GROWVRD_ADMIN_PASSWORD'));
  const base = (await apiCall('GET', '/api/v1/plants/p011')).json;
  const id = `xssa-${Date.now().toString(36)}`;
  const plant = { ...base, id, name: NAME, description: DESC };
  delete plant.version;
  const made = await apiCall('POST', '/api/v1/plants', { token: admin.id_token, body: plant });
  expect(made.status === 201, `creating the plant: ${made.status}`);
  const tab = await openTab();
  const { page } = tab;
  try {
    await logIn(page, env('GROWVRD_ADMIN_EMAIL'), env('GROWVRD_ADMIN_PASSWORD'));
    await go(page, `#/admin/plants/${id}`, `Edit ${NAME}`);
    const v = await page.$eval('main input[name="name"]', (e) => e.value);
    expect(v === NAME, `name field: ${v}`);
    await inert(page, 'edit form');
    await go(page, '#/admin', 'Catalog admin');
    await page.waitForSelector('main table tbody tr');
    await inert(page, 'admin list');
    expectClean(tab.seen);
  } finally {
    await apiCall('DELETE', `/api/v1/plants/${id}`, { token: admin.id_token }).catch(() => {});
    await tab.close();
  }
});
