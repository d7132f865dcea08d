// test_admin.mjs - the catalog admin: an admin creates, edits and
// deletes a plant through the app; an ordinary user sees no admin
// controls and gets 403 by URL.

import {
  apiCall, apiLogin, check, control, env, expect, expectClean, fill, go, openTab, press,
  screenshot, setValue, tabSession, test, waitHeading, waitText,
} from './lib.mjs';

/** Log in through the app's form; ends on "My plants". */
export async function logIn(page, email, password) {
  await go(page, '#/login', 'Log in');
  await fill(page, 'Email address', email);
  await fill(page, 'Password', password);
  await press(page, 'Log in', 'button');
  await waitHeading(page, 'My plants');
}

async function findRow(page, id) {
  for (let i = 0; i < 10; i++) {
    await page.waitForSelector('main table, main .problem');
    if (await page.$(`main tr[data-plant="${id}"]`)) return;
    const next = await page.$('main a[rel="next"]');
    if (!next) break;
    await next.click();
    await page.waitForFunction(() => /cursor=/.test(location.hash));
    await page.waitForFunction(() => !document.querySelector('main [aria-busy="true"]'));
  }
  throw new Error(`no row for ${id} in the admin list`);
}

test('admin: creates, edits and deletes a plant in the catalog admin', async () => {
  const tab = await openTab();
  const { page } = tab;
  const id = `web-${Date.now().toString(36)}`;
  try {
    await logIn(page, env('GROWVRD_ADMIN_EMAIL'), env('GROWVRD_ADMIN_PASSWORD'));
    await press(page, 'Admin', 'link');
    await waitHeading(page, 'Catalog admin');
    await page.waitForSelector('main table tbody tr');
    await screenshot(page, 'admin');
    await press(page, 'Add a plant', 'link');
    await waitHeading(page, 'Add a plant');
    await fill(page, 'Id', id);
    await fill(page, 'Name', 'web_test_fern');
    await fill(page, 'Scientific name', 'testus_fernus');
    await setValue(page, 'Description', 'A fern the web tests add, edit and delete.');
    await setValue(page, 'Good places', 'bathroom, shelf');
    await check(page, 'Toxic to pets', false);
    await screenshot(page, 'admin-edit');
    await press(page, 'Add plant');
    await waitHeading(page, 'Catalog admin');
    await waitText(page, '#notice', 'Web test fern is in the catalog now.');
    let r = await apiCall('GET', `/api/v1/plants/${id}`);
    expect(r.status === 200 && r.json.name === 'web_test_fern' && r.json.version === 1
      && r.json.compatible_locations.join() === 'bathroom,shelf', `created: ${r.status} ${r.text.slice(0, 200)}`);

    await findRow(page, id);
    await (await page.$(`main tr[data-plant="${id}"] a[aria-label^="Edit"]`)).click();
    await waitHeading(page, 'Edit Web test fern');
    const idField = await control(page, 'Id');
    expect(await idField.evaluate((e) => e.readOnly), 'the id can be changed on edit');
    await setValue(page, 'Description', 'Edited by the web test.');
    await fill(page, 'Water every (days)', '5');
    await press(page, 'Save changes');
    await waitText(page, '#notice', 'Web test fern is saved.');
    r = await apiCall('GET', `/api/v1/plants/${id}`);
    expect(r.json.version === 2 && r.json.description === 'Edited by the web test.'
      && r.json.water_frequency_days === 5, `after edit: ${r.text.slice(0, 300)}`);

    // someone else saves first: the form's If-Match is stale -> 412
    await go(page, `#/admin/plants/${id}`, 'Edit Web test fern');
    const s = await tabSession(page);
    const other = { ...r.json, description: 'Saved by someone else.' };
    delete other.version;
    const put = await apiCall('PUT', `/api/v1/plants/${id}`, { token: s.id_token, body: other });
    expect(put.status === 200, `concurrent PUT: ${put.status}`);
    await setValue(page, 'Description', 'Mine.');
    await press(page, 'Save changes');
    await waitText(page, 'main .problem', 'Someone changed this plant after you opened it');

    await go(page, '#/admin', 'Catalog admin');
    await findRow(page, id);
    await press(page, 'Delete Web test fern');
    await press(page, 'Yes, delete');
    await waitText(page, 'main .ok', 'Web test fern was deleted from the catalog.');
    expect(!await page.$(`main tr[data-plant="${id}"]`), 'the row is still listed');
    r = await apiCall('GET', `/api/v1/plants/${id}`);
    expect(r.status === 404, `after delete: ${r.status}`);
    await go(page, `#/plants/${id}`, 'Plant not found');
    expectClean(tab.seen, [404, 412]);
  } finally {
    const t = await apiLogin(env('GROWVRD_ADMIN_EMAIL'), env('GROWVRD_ADMIN_PASSWORD')).catch(() => null);
    if (t) await apiCall('DELETE', `/api/v1/plants/${id}`, { token: t.id_token }).catch(() => {});
    await tab.close();
  }
});

test('admin: an ordinary user sees no admin controls and gets 403 by URL', async () => {
  const tab = await openTab();
  const { page } = tab;
  try {
    await logIn(page, env('GROWVRD_USER_EMAIL'), env('GROWVRD_USER_PASSWORD'));
    const links = await page.$$eval('nav a, nav button', (l) => l.map((a) => a.textContent));
    expect(!links.includes('Admin'), `menu: ${links}`);
    await go(page, '#/plants/p001', 'Snake plant');
    const text = await page.$eval('main', (m) => m.innerText);
    expect(!/admin/i.test(text), 'the plant page shows an admin control');
    expect(!await page.$('main a[href^="#/admin"]'), 'a link into the admin');
    for (const route of ['#/admin', '#/admin/new', '#/admin/plants/p001']) {
      await go(page, route, 'Admin only');
      await waitText(page, 'main', '403 Forbidden');
      expect(!await page.$('main form, main table'), `${route} shows admin content`);
    }
    // the API agrees: the same token is refused by the catalog writes
    const status = await page.evaluate(async () => {
      const s = JSON.parse(sessionStorage.getItem('growvrd.session'));
      const r = await fetch('/api/v1/plants/p001', { method: 'DELETE', headers: { Authorization: `Bearer ${s.id_token}` } });
      return r.status;
    });
    expect(status === 403, `DELETE with the user's token: ${status}`);
    expectClean(tab.seen, [403]);
  } finally {
    await tab.close();
  }
});
