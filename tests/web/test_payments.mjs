// test_payments.mjs - the paying journey through Stripe (API 1.1) in one
// tab, against the local Stripe stand-in: pick a plan -> Stripe Checkout
// (the stand-in's page) -> Pay -> back in the app -> active; "Manage
// billing" opens the portal and returns; cancel keeps the plan "until
// <date>"; Stripe ends it -> Free; a canceled checkout comes back as
// canceled and leaves the subscription pending.  Screenshots at 1280 and
// 390 px.  Registered only with PAYMENTS=on (tests/run-all runs it while
// the workers have the stand-in's key: `tests/web/run payments`).

import {
  apiCall, confirmationCode, expect, fill, go, press, screenshot, test, uniqueEmail,
  waitHeading, waitText, openTab,
} from './lib.mjs';

const PASSWORD = 'Pay-Web-Pw1!';
const P = { broken: false };

function step(name, fn) {
  if (process.env.PAYMENTS !== 'on') return;
  test(`payments: ${name}`, async () => {
    if (P.broken) throw new Error('skipped: an earlier payments step failed');
    try {
      await fn(P.tab && P.tab.page);
    } catch (err) {
      P.broken = true;
      if (P.tab) await P.tab.page.screenshot({ path: '/tmp/growvrd-web-payments-failure.png' }).catch(() => {});
      throw err;
    }
  });
}

async function standin(method, p) {
  const r = await fetch(`${process.env.STANDIN_URL}${p}`, { method });
  return r.json();
}

step('log in and pick a plan: Stripe Checkout opens', async () => {
  P.email = uniqueEmail('payer');
  const r = await apiCall('POST', '/api/v1/auth/register', { body: { email: P.email, password: PASSWORD } });
  expect(r.status === 201, `register: ${r.status} ${r.text}`);
  const code = await confirmationCode(P.email);
  const c = await apiCall('POST', '/api/v1/auth/confirm', { body: { email: P.email, code } });
  expect(c.status === 204, `confirm: ${c.status}`);
  P.tab = await openTab();
  const { page } = P.tab;
  await go(page, '#/login', 'Log in');
  await fill(page, 'Email address', P.email);
  await fill(page, 'Password', PASSWORD);
  await press(page, 'Log in', 'button');
  await waitHeading(page, 'My plants');
  await press(page, 'Plans', 'link');
  await waitHeading(page, 'Plans and subscription');
  await waitText(page, 'main .current-plan', 'Free — no subscription');
  await Promise.all([page.waitForNavigation(), press(page, 'Subscribe to Premium')]);
  await page.waitForSelector('#pay');
  const text = await page.$eval('#amount', (e) => e.textContent);
  expect(text.includes('9.99 USD per month'), `checkout amount: ${text}`);
  await screenshot(page, 'checkout');
});

step('pay: back in the app, the subscription is active', async (page) => {
  await Promise.all([page.waitForNavigation(), page.click('#pay')]);
  await waitHeading(page, 'Thank you');
  await waitText(page, 'main .ok', 'You are subscribed to Premium', 20000);
  await waitText(page, 'main .status-line', 'paid until');
  await screenshot(page, 'billing-return');
  await press(page, 'Back to plans', 'link');
  await waitHeading(page, 'Plans and subscription');
  await waitText(page, 'main .current-plan', 'Premium — $9.99 a month');
  await waitText(page, 'main .current-plan .status-line', 'Active');
  await waitText(page, 'main .entitlement', 'of 100');
  await screenshot(page, 'plans-active');
});

step('Manage billing opens the portal and comes back', async (page) => {
  await Promise.all([page.waitForNavigation(), press(page, 'Manage billing')]);
  await page.waitForSelector('#return');
  const t = await page.$eval('#title', (e) => e.textContent);
  expect(t === 'Your billing', `portal: ${t}`);
  await Promise.all([page.waitForNavigation(), page.click('#return')]);
  await waitHeading(page, 'Plans and subscription');
});

step('cancel: the plan is kept until the period ends', async (page) => {
  await press(page, 'Cancel subscription');
  await press(page, 'Yes, cancel at the period end');
  await waitText(page, 'main .ok', 'You keep Premium until');
  await waitText(page, 'main .current-plan .status-line', 'Canceled — active until');
  await waitText(page, 'main .current-plan', 'Premium');
  await screenshot(page, 'plans-canceled-until');
});

step('Stripe ends it at the period end: Free again', async (page) => {
  const list = await standin('GET', '/_standin/requests');
  const cancel = list.requests.filter((q) => q.oas_path === '/v1/subscriptions/{subscription_exposed_id}').pop();
  expect(cancel, 'the cancel reached Stripe');
  await standin('POST', `/_standin/subscriptions/${cancel.path.split('/').pop()}/delete`);
  for (let i = 0; i < 40; i++) {
    await page.reload();
    await waitHeading(page, 'Plans and subscription');
    await page.waitForSelector('main .current-plan');
    const t = await page.$eval('main .current-plan', (e) => e.textContent).catch(() => '');
    if (t.includes('Free — no subscription')) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  await waitText(page, 'main .current-plan', 'Free — no subscription');
  await waitText(page, 'main table', 'Canceled');
});

step('a canceled checkout comes back as canceled; the subscription waits for payment', async (page) => {
  await Promise.all([page.waitForNavigation(), press(page, 'Subscribe to Subscriber')]);
  await page.waitForSelector('#cancel');
  await Promise.all([page.waitForNavigation(), page.click('#cancel')]);
  await waitHeading(page, 'Payment canceled');
  await waitText(page, 'main', 'Nothing was charged');
  await screenshot(page, 'billing-canceled');
  await press(page, 'Back to plans', 'link');
  await waitHeading(page, 'Plans and subscription');
  await waitText(page, 'main .current-plan .status-line', 'Waiting for payment');
  await page.waitForSelector('main .current-plan a.button');
  await screenshot(page, 'plans-pending');
  await P.tab.close();
});
