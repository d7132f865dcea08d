// test_session.mjs - the session over time: one silent refresh on a 401
// invalid_token, back to log in when that fails too; forgot and reset
// the password; delete the account after a typed confirmation.

import {
  apiCall, confirmationCode, control, env, expect, expectClean, fill, go, openTab, press,
  sleep, tabSession, test, uniqueEmail, wait, waitHeading, waitText,
} from './lib.mjs';
import { logIn } from './test_admin.mjs';

// A token whose signature no longer matches.
const spoil = (t) => t.replace(/\.([^.]*)$/, (m, sig) => `.${sig.slice(0, -4)}${sig.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`);

async function setSession(page, change) {
  await page.evaluate((c) => {
    const s = JSON.parse(sessionStorage.getItem('growvrd.session'));
    sessionStorage.setItem('growvrd.session', JSON.stringify({ ...s, ...c }));
  }, change);
}

test('session: a 401 invalid_token is refreshed once, silently', async () => {
  const tab = await openTab();
  const { page } = tab;
  try {
    await logIn(page, env('GROWVRD_USER_EMAIL'), env('GROWVRD_USER_PASSWORD'));
    const s = await tabSession(page);
    await setSession(page, { id_token: spoil(s.id_token) });
    await page.evaluate(() => history.replaceState(null, '', '#/profile'));
    tab.seen.apiCalls.length = 0;
    await page.reload({ waitUntil: 'domcontentloaded' });
    await waitHeading(page, 'Profile');
    await waitText(page, 'main', 'Signed in as');
    const calls = tab.seen.apiCalls.map((c) => `${c.method} ${c.url.split('?')[0]} ${c.status}`)
      .filter((c) => / \/api\/v1\/(users\/me|auth\/refresh) /.test(c));
    expect(calls[0] === 'GET /api/v1/users/me 401' && calls[1] === 'POST /api/v1/auth/refresh 200'
      && calls[2] === 'GET /api/v1/users/me 200', `calls: ${calls.join(', ')}`);
    const now = await tabSession(page);
    expect(now.id_token !== spoil(s.id_token) && now.refresh_token === s.refresh_token, 'tokens not renewed');
    expectClean(tab.seen, [401]);
  } finally {
    await tab.close();
  }
});

test('session: when the refresh fails too, back to log in with a sentence', async () => {
  const tab = await openTab();
  const { page } = tab;
  try {
    await logIn(page, env('GROWVRD_USER_EMAIL'), env('GROWVRD_USER_PASSWORD'));
    const s = await tabSession(page);
    await setSession(page, { id_token: spoil(s.id_token), refresh_token: 'not-a-refresh-token' });
    tab.seen.apiCalls.length = 0;
    await page.reload({ waitUntil: 'domcontentloaded' });
    await waitHeading(page, 'Log in');
    await waitText(page, '#notice', 'Your session has ended. Please log in again.');
    expect(await tabSession(page) === null, 'the dead session is kept');
    expect(await page.evaluate(() => location.hash) === '#/login?next=%2Fmy-plants', 'no way back after log in');
    const refreshes = tab.seen.apiCalls.filter((c) => c.url.startsWith('/api/v1/auth/refresh'));
    expect(refreshes.length === 1, `refresh tried ${refreshes.length} times`);
    await fill(page, 'Password', env('GROWVRD_USER_PASSWORD'));
    await fill(page, 'Email address', env('GROWVRD_USER_EMAIL'));
    await press(page, 'Log in', 'button');
    await waitHeading(page, 'My plants');
    expectClean(tab.seen, [401]);
  } finally {
    await tab.close();
  }
});

// A confirmed person made through the API.
async function newPerson(password) {
  const email = uniqueEmail('session');
  const r = await apiCall('POST', '/api/v1/auth/register', { body: { email, password } });
  expect(r.status === 201, `register: ${r.status} ${r.text}`);
  const code = await confirmationCode(email);
  const c = await apiCall('POST', '/api/v1/auth/confirm', { body: { email, code } });
  expect(c.status === 204, `confirm: ${c.status} ${c.text}`);
  return { email, code };
}

test('session: forgot and reset the password, then delete the account after typing DELETE', async () => {
  const first = 'First-Pw-123!';
  const second = 'Second-Pw-456?';
  const { email, code: old } = await newPerson(first);
  const tab = await openTab();
  const { page } = tab;
  try {
    await go(page, '#/login', 'Log in');
    await press(page, 'Forgot your password?', 'link');
    await waitHeading(page, 'Reset your password');
    await fill(page, 'Email address', email);
    await press(page, 'Send me a code');
    await waitHeading(page, 'Choose a new password');
    let code = old;
    const end = Date.now() + wait(30000);
    while (code === old && Date.now() < end) {
      code = await confirmationCode(email);
      if (code === old) await sleep(100);
    }
    expect(code !== old, 'no reset code in cognito-local');
    await fill(page, 'Reset code', code);
    await fill(page, 'New password', second);
    await press(page, 'Save the new password');
    await waitHeading(page, 'Log in');
    await waitText(page, '#notice', 'Your password is changed');
    await fill(page, 'Password', second);
    await press(page, 'Log in', 'button');
    await waitHeading(page, 'My plants');

    await press(page, 'Profile', 'link');
    await waitHeading(page, 'Profile');
    const button = await control(page, 'Delete my account', 'button');
    expect(await button.evaluate((b) => b.disabled), 'delete is possible without the confirmation');
    await fill(page, 'Type DELETE to confirm', 'delete');
    expect(await button.evaluate((b) => b.disabled), 'delete accepts a wrong word');
    await fill(page, 'Type DELETE to confirm', 'DELETE');
    expect(!await button.evaluate((b) => b.disabled), 'delete stays disabled');
    await button.click();
    await waitHeading(page, 'Plant catalog');
    await waitText(page, '#notice', 'Your account is deleted.');
    expect(await tabSession(page) === null, 'the session survived the deletion');
    const r = await apiCall('POST', '/api/v1/auth/login', { body: { email, password: second } });
    expect(r.status === 401, `log in after deletion: ${r.status}`);
    expectClean(tab.seen);
  } finally {
    await tab.close();
  }
});
