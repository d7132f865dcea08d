// test_journey.mjs - one new person's whole journey, step by step in one
// tab: sign up -> confirm (code from cognito-local's state) -> log in ->
// search the catalog -> add a plant -> water it -> recommendations until
// the quota answers -> subscribe -> the quota grows -> cancel -> profile
// (If-Match) -> log out, and back shows no private page.  A step after a
// failed one fails as skipped.

import {
  apiCall, check, choose, confirmationCode, control, expect, expectClean, fill, go,
  mainText, openTab, press, screenshot, tabSession, test, uniqueEmail, wait, waitHeading, waitText,
} from './lib.mjs';

const J = { broken: false };
const PASSWORD = 'Grow-Web-Pw1!';

function step(name, fn) {
  test(`journey: ${name}`, async () => {
    if (J.broken) throw new Error('skipped: an earlier journey step failed');
    try {
      await fn(J.tab && J.tab.page);
    } catch (err) {
      J.broken = true;
      if (J.tab) await J.tab.page.screenshot({ path: '/tmp/growvrd-web-journey-failure.png' }).catch(() => {});
      throw err;
    }
  });
}

const cards = (page) => page.$$eval('main .cards > li', (l) => l.map((x) => x.dataset.plant));
const quotaText = (page) => page.$eval('main .quota', (e) => e.textContent).catch(() => '');

step('sign up with live feedback on the password policy', async () => {
  J.tab = await openTab();
  const { page } = J.tab;
  J.email = uniqueEmail('robin');
  await go(page, '#/signup', 'Create an account');
  await fill(page, 'Your name (optional)', 'Robin Gardener');
  await fill(page, 'Email address', J.email);
  await fill(page, 'Password', 'grow');
  const met = () => page.$$eval('main .rules li.met', (l) => l.map((x) => x.dataset.rule));
  expect(JSON.stringify(await met()) === '["lower"]', `rules met for "grow": ${await met()}`);
  await screenshot(page, 'signup');
  await press(page, 'Create account');
  await waitText(page, 'main .field-error', 'does not meet every rule');
  expect(!J.tab.seen.apiCalls.some((c) => c.url.startsWith('/api/v1/auth/register')),
    'a weak password was sent to the server');
  await fill(page, 'Password', PASSWORD);
  expect((await met()).length === 5, `rules met: ${await met()}`);
  await press(page, 'Create account');
  await waitHeading(page, 'Confirm your email address');
  await waitText(page, '#notice', `We sent a confirmation code to ${J.email}`);
});

step('confirm the email address with the code from cognito-local', async (page) => {
  const code = await confirmationCode(J.email);
  const email = await control(page, 'Email address');
  expect(await email.evaluate((e) => e.value) === J.email, 'the address is not carried over');
  await fill(page, 'Confirmation code', code);
  await press(page, 'Confirm');
  await waitHeading(page, 'Log in');
  await waitText(page, '#notice', 'Your email address is confirmed');
});

step('log in; the tokens stay in sessionStorage only', async (page) => {
  const email = await control(page, 'Email address');
  expect(await email.evaluate((e) => e.value) === J.email, 'the address is not carried over');
  await fill(page, 'Password', 'Wrong-Pw-1!');
  await press(page, 'Log in', 'button');
  await waitText(page, 'main .problem', 'do not match an account');
  await screenshot(page, 'login');
  await fill(page, 'Password', PASSWORD);
  await press(page, 'Log in', 'button');
  await waitHeading(page, 'My plants');
  await waitText(page, 'main', 'You have no plants here yet');
  const s = await tabSession(page);
  expect(s && s.email === J.email && s.id_token && s.refresh_token, 'no session in sessionStorage');
  const other = await page.evaluate(() => [localStorage.length, document.cookie]);
  expect(other[0] === 0 && other[1] === '', `tokens leaked to localStorage/cookies: ${other}`);
  await waitText(page, '#who', J.email);
});

step('search the catalog, filter, and page with the cursor', async (page) => {
  await press(page, 'Catalog', 'link');
  await waitHeading(page, 'Plant catalog');
  await waitText(page, 'main .count', 'Page 1: plants 1–12.');
  const first = await cards(page);
  expect(first.length === 12, `first page: ${first.length} plants`);
  await screenshot(page, 'catalog');
  await press(page, 'Next page', 'link');
  await page.waitForFunction(() => /cursor=/.test(location.hash));
  await waitText(page, 'main .count', /^Page 2: plants 13–/);
  const second = await cards(page);
  expect(second.length > 0 && !second.some((id) => first.includes(id)), `second page repeats: ${second}`);
  await page.evaluate(() => history.back());
  await page.waitForFunction(() => !/cursor=/.test(location.hash));
  await waitText(page, 'main .count', 'Page 1: plants 1–12.');
  await fill(page, 'Search', 'lily');
  await press(page, 'Search');
  await page.waitForFunction(() => /q=lily/.test(location.hash));
  await waitText(page, 'main .cards', 'Peace lily');
  await fill(page, 'Search', '');
  await choose(page, 'Light', 'direct');
  await check(page, 'Only plants safe for pets');
  await press(page, 'Search');
  await page.waitForFunction(() => /light=direct/.test(location.hash) && /pet_safe=true/.test(location.hash));
  await waitText(page, 'main .cards', 'Basil');
  const text = await page.$$eval('main .cards > li', (l) => l.map((x) => x.textContent));
  expect(text.length >= 2 && text.every((t) => /Safe for pets/.test(t) && /Direct sun/.test(t)),
    `filtered cards: ${text}`);
});

step('add plants from the catalog with a nickname and a place', async (page) => {
  await press(page, 'Basil', 'link');
  await waitHeading(page, 'Basil');
  const text = await mainText(page);
  for (const want of ['Every 2 days', 'Safe for pets', 'Direct sun', 'Difficulty', 'Temperature', 'Humidity']) {
    expect(text.toLowerCase().includes(want.toLowerCase()), `plant page lacks "${want}"`);
  }
  await screenshot(page, 'plant');
  await fill(page, 'Nickname (optional)', 'Kitchen basil');
  await fill(page, 'Where it lives (optional)', 'kitchen');
  await press(page, 'Add to my plants');
  await waitText(page, 'main .ok', 'Kitchen basil is in your plants now');
  // a second plant, watered a month ago (the API's last_watered), is overdue
  await go(page, '#/plants/p001', 'Snake plant');
  await press(page, 'Add to my plants');
  await waitText(page, 'main .ok', 'Snake plant is in your plants now');
  const s = await tabSession(page);
  const month = new Date(Date.now() - 30 * 86400000).toISOString().replace(/\.\d+Z$/, 'Z');
  const r = await apiCall('PUT', '/api/v1/users/me/plants/p001',
    { token: s.id_token, body: { location: 'office', last_watered: month } });
  expect(r.status === 200, `PUT last_watered: ${r.status} ${r.text}`);
});

step('my plants: overdue first and marked; "watered now" moves the date; remove', async (page) => {
  await press(page, 'My plants', 'link');
  await waitHeading(page, 'My plants');
  await waitText(page, 'main .cards', 'Kitchen basil');
  expect(JSON.stringify(await cards(page)) === '["p001","p012"]', `order: ${await cards(page)}`);
  const late = await page.$eval('main .cards > li[data-plant="p001"]', (e) => e.textContent);
  expect(/Overdue/.test(late) && /Overdue by 16 days/.test(late), `overdue card: ${late}`);
  await waitText(page, 'main .count', '1 overdue');
  await screenshot(page, 'my-plants');
  const button = await page.$('main li[data-plant="p001"] button');
  await button.click();
  await waitText(page, 'main .ok', 'Snake plant is watered');
  await waitText(page, 'main li[data-plant="p001"]', 'Water in 14 days');
  expect(JSON.stringify(await cards(page)) === '["p012","p001"]', `order after watering: ${await cards(page)}`);
  const after = await page.$eval('main li[data-plant="p001"]', (e) => e.textContent);
  expect(!/Overdue/.test(after), 'still overdue after watering');
  await (await page.$('main li[data-plant="p001"] button.secondary')).click();
  await press(page, 'Keep it');
  expect(JSON.stringify(await cards(page)) === '["p012","p001"]', 'removed without the confirmation');
  await (await page.$('main li[data-plant="p001"] button.secondary')).click();
  await press(page, 'Yes, remove Snake plant');
  await waitText(page, 'main .ok', 'Snake plant was removed from your plants.');
  expect(JSON.stringify(await cards(page)) === '["p012"]', `after removing: ${await cards(page)}`);
});

step('recommendations until the quota answers, with its wait and a way to upgrade', async (page) => {
  await press(page, 'Recommendations', 'link');
  await waitHeading(page, 'Recommendations');
  await waitText(page, 'main .quota', '10 of 10 recommendations left this month');
  await choose(page, 'Place', 'kitchen');
  await choose(page, 'Light there', 'bright');
  await choose(page, 'Your experience', 'beginner');
  for (let i = 1; i <= 10; i++) {
    await press(page, 'Recommend plants');
    await waitText(page, 'main .quota', `${10 - i} of 10 recommendations left`);
    if (i === 1) {
      await waitText(page, 'main ol.ranked', 'kitchen');
      const n = await page.$$eval('main ol.ranked > li', (l) => l.length);
      expect(n >= 1, 'no ranked plants');
      const reasons = await page.$$eval('main ol.ranked > li:first-child ul li', (l) => l.length);
      expect(reasons >= 1, 'the first plant has no reasons');
      await screenshot(page, 'recommendations');
    }
  }
  await press(page, 'Recommend plants');
  await waitText(page, 'main .problem', /used all the recommendations your plan gives you this month\. They renew in \d+ (day|hour|minute)s?/);
  await control(page, 'Upgrade for more recommendations', 'link');
  expect((await quotaText(page)).includes('No recommendations left'), `quota: ${await quotaText(page)}`);
  await screenshot(page, 'recommendations-quota');
  const r = J.tab.seen.apiCalls.filter((c) => c.url.startsWith('/api/v1/recommendations'));
  expect(r.length === 11 && r[10].status === 429, `answers: ${r.map((c) => c.status)}`);
});

step('subscribe, and the quota grows', async (page) => {
  await press(page, 'Upgrade for more recommendations', 'link');
  await waitHeading(page, 'Plans and subscription');
  await waitText(page, 'main .current-plan', 'Recommendations this month: 10 used of 10, 0 left.');
  await waitText(page, 'main .plans', '$4.99 a month');
  await waitText(page, 'main .plans', '$99.99 a year');
  await press(page, 'Subscribe to Subscriber');
  await waitText(page, 'main .ok', 'You are subscribed to Subscriber. You get 30 plant recommendations a month.');
  await waitText(page, 'main .current-plan', 'Subscriber — $4.99 a month');
  await waitText(page, 'main .current-plan', '10 used of 30, 20 left');
  await screenshot(page, 'plans');
  await press(page, 'Recommendations', 'link');
  await waitText(page, 'main .quota', '20 of 30 recommendations left this month');
  await press(page, 'Recommend plants');
  await waitText(page, 'main .quota', '19 of 30 recommendations left');
  await page.waitForSelector('main ol.ranked > li');
});

step('cancel the subscription; the plan falls back to free', async (page) => {
  await press(page, 'Plans', 'link');
  await waitHeading(page, 'Plans and subscription');
  await press(page, 'Cancel subscription');
  await press(page, 'Yes, cancel it now');
  await waitText(page, 'main .ok', 'Your subscription is canceled');
  await waitText(page, 'main .current-plan', 'Free — no subscription');
  await waitText(page, 'main table', 'Canceled');
  const s = await tabSession(page);
  const e = await apiCall('GET', '/api/v1/entitlements', { token: s.id_token });
  expect(e.json && e.json.tier === 'free', `tier after cancel: ${e.text}`);
});

step('profile: saved with If-Match, and a clear message when another tab saved first', async (page) => {
  await press(page, 'Profile', 'link');
  await waitHeading(page, 'Profile');
  const name = await control(page, 'Name');
  expect(await name.evaluate((e) => e.value) === 'Robin Gardener', 'the name from sign-up is not shown');
  await fill(page, 'Name', 'Robin G.');
  await choose(page, 'Experience with plants', 'intermediate');
  await check(page, 'Care tips');
  await choose(page, 'Light in your home', 'bright');
  await press(page, 'Save profile');
  await waitText(page, 'main .ok', 'Your profile is saved.');
  const patch = J.tab.seen.apiCalls.filter((c) => c.method === 'PATCH');
  expect(patch.length === 1 && patch[0].status === 200, `PATCH: ${JSON.stringify(patch)}`);
  await screenshot(page, 'profile');
  // "another tab": the same person changes the profile meanwhile
  const s = await tabSession(page);
  const r = await apiCall('PATCH', '/api/v1/users/me', { token: s.id_token, body: { name: 'Changed elsewhere' } });
  expect(r.status === 200, `PATCH elsewhere: ${r.status}`);
  await fill(page, 'Name', 'Robin Again');
  await press(page, 'Save profile');
  await waitText(page, 'main .problem', 'changed in another tab or device after you opened this page');
  await page.waitForFunction(() => {
    const el = [...document.querySelectorAll('main input[name="name"]')][0];
    return el && el.value === 'Changed elsewhere';
  });
});

step('log out; back shows no private page and the refresh token is revoked', async (page) => {
  const s = await tabSession(page);
  await press(page, 'Log out');
  await waitHeading(page, 'Log in');
  await waitText(page, '#notice', 'You are logged out.');
  expect(await tabSession(page) === null, 'the session is still in sessionStorage');
  const seen = [];
  const origin = new URL(page.url()).origin;
  for (let i = 0; i < 10; i++) {
    const before = await page.evaluate(() => location.hash);
    await page.evaluate(() => history.back());
    await page.waitForFunction((b) => location.hash !== b, { timeout: wait(5000) }, before).catch(() => {});
    if (!page.url().startsWith(origin)) break;   // before the first page
    await page.waitForFunction(() => document.querySelector('main h1'), { timeout: wait(30000) });
    await new Promise((r) => setTimeout(r, 150));
    const now = await page.evaluate(() => [location.hash, document.querySelector('main h1').textContent]);
    const text = await mainText(page);
    seen.push(`${now[0]} → ${now[1]}`);
    expect(!['My plants', 'Recommendations', 'Profile'].includes(now[1]), `back showed ${now[1]} at ${now[0]}`);
    expect(!text.includes('Kitchen basil') && !text.includes(J.email) && !text.includes('Your plan'),
      `back showed private data at ${now[0]}: ${text.slice(0, 200)}`);
    expect(!/^#\/(my-plants|recommendations|profile)/.test(now[0]), `a private URL stayed on screen: ${now[0]}`);
  }
  expect(seen.some((x) => /Log in$/.test(x)), `back never led to log in: ${seen.join(', ')}`);
  const r = await apiCall('POST', '/api/v1/auth/refresh', { body: { refresh_token: s.refresh_token, email: J.email } });
  expect(r.status === 401, `refresh after log out: ${r.status}`);
  expectClean(J.tab.seen, [401, 412, 429]);
  const unexpected401 = J.tab.seen.apiErrors.filter((e) => e.status === 401 && !/auth\/login/.test(e.url));
  expect(!unexpected401.length, `401s: ${JSON.stringify(unexpected401)}`);
  await J.tab.close();
});
