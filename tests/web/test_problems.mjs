// test_problems.mjs - human sentences for problem documents: 503 "try
// again" (after the client's own retries of a read), 429 with its wait,
// 500 with its reference, and offline.  The answers are made by
// intercepting the browser's requests.

import {
  expect, expectClean, fill, go, openTab, press, test, waitHeading, waitText,
} from './lib.mjs';

function problem(status, title, requestId = 'test-request-id') {
  return JSON.stringify({ type: 'about:blank', title, status, detail: `${title}.`, request_id: requestId });
}

// Answer requests whose URL holds part with fn(req) -> response or null.
async function intercept(page, part, fn) {
  const hits = [];
  await page.setRequestInterception(true);
  page.on('request', (req) => {
    if (req.isInterceptResolutionHandled()) return;
    const answer = req.url().includes(part) ? fn(req) : null;
    if (answer) {
      hits.push(req.url());
      req.respond(answer);
    } else {
      req.continue();
    }
  });
  return hits;
}

test('problems: 503 says "try again", after the client retried the read itself', async () => {
  const tab = await openTab();
  const { page } = tab;
  let down = true;
  try {
    const hits = await intercept(page, '/api/v1/plants?', () => (down ? {
      status: 503, contentType: 'application/problem+json', body: problem(503, 'Service Unavailable'),
    } : null));
    await go(page, '#/catalog', 'Plant catalog');
    await waitText(page, 'main .problem', 'GrowVRD is briefly unavailable. Please try again in a moment.');
    expect(hits.length === 3, `the read was tried ${hits.length} times, not 1 + 2 retries`);
    await waitText(page, 'main .problem .ref', 'Reference: test-request-id');
    down = false;
    await press(page, 'Try again');
    await waitText(page, 'main .count', 'Page 1: plants 1–12.');
    expectClean(tab.seen, [503]);
  } finally {
    await tab.close();
  }
});

test('problems: 429 names its wait; a write is not retried', async () => {
  const tab = await openTab();
  const { page } = tab;
  try {
    const hits = await intercept(page, '/api/v1/auth/login', () => ({
      status: 429, contentType: 'application/problem+json', headers: { 'Retry-After': '7' },
      body: problem(429, 'Too Many Requests'),
    }));
    await go(page, '#/login', 'Log in');
    await fill(page, 'Email address', 'someone@growvrd.test');
    await fill(page, 'Password', 'Some-Pw-123!');
    await press(page, 'Log in', 'button');
    await waitText(page, 'main .problem', 'Too many requests at once. Please wait 7 seconds and try again.');
    expect(hits.length === 1, `the log in was sent ${hits.length} times`);
    expectClean(tab.seen, [429]);
  } finally {
    await tab.close();
  }
});

test('problems: 500 says something went wrong, with the reference', async () => {
  const tab = await openTab();
  const { page } = tab;
  try {
    await intercept(page, '/api/v1/plants/p001', () => ({
      status: 500, contentType: 'application/problem+json', body: problem(500, 'Internal Server Error', 'rid-500'),
    }));
    await go(page, '#/plants/p001', 'Plant');
    await waitText(page, 'main .problem', 'Something went wrong on our side. Please try again.');
    await waitText(page, 'main .problem', 'Reference: rid-500');
    expectClean(tab.seen, [500]);
  } finally {
    await tab.close();
  }
});

test('problems: offline says so, and the page recovers when back online', async () => {
  const tab = await openTab();
  const { page } = tab;
  try {
    await go(page, '#/catalog', 'Plant catalog');
    await waitText(page, 'main .count', 'Page 1: plants 1–12.');
    tab.seen.offlineExpected = true;
    await page.setOfflineMode(true);
    await waitText(page, '#notice', 'You are offline');
    await fill(page, 'Search', 'fern');
    await press(page, 'Search');
    await waitText(page, 'main .problem', 'You seem to be offline. Check your connection, then try again.');
    await page.setOfflineMode(false);
    await waitText(page, '#notice', 'You are back online');
    await press(page, 'Try again');
    await waitText(page, 'main .cards', 'Boston fern');
    await waitHeading(page, 'Plant catalog');
    expectClean(tab.seen);
  } finally {
    await tab.close();
  }
});

test('problems: the real 501 of "send a new code" (cognito-local lacks it) reads as a sentence', async () => {
  const tab = await openTab();
  const { page } = tab;
  try {
    await go(page, '#/confirm?email=someone%40growvrd.test', 'Confirm your email address');
    await press(page, 'Send a new code');
    await waitText(page, 'main .problem', /cannot send new codes|new code is on its way/);
    expectClean(tab.seen, [501]);
  } finally {
    await tab.close();
  }
});
