#!/usr/bin/env node
// check.mjs - the Stripe stand-in checked against Stripe's own npm SDK
// (stripe 23.x) and Stripe's OpenAPI description, without the rest of
// the stack: it starts a stand-in on a free port, registers a webhook
// endpoint served here, pays a checkout, runs the lifecycle controls and
// checks that every delivered event verifies with
// stripe.webhooks.constructEvent (and fails when tampered with, signed
// with another secret, or stale), that the SDK's own client can read the
// stand-in's answers, and that the stand-in saw no OpenAPI violation.
// Ends with "N passed, N failed".
import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Stripe from 'stripe';
import { decodeForm } from './oas.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
let passed = 0;
let failed = 0;
function check(name, ok, detail = '') {
  if (ok) { passed += 1; console.log(`ok - ${name}`); } else { failed += 1; console.log(`FAIL - ${name} ${detail}`); }
}

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const port = await freePort();
const key = 'sk_test_check';
const child = spawn(process.execPath, [path.join(here, 'standin.mjs')], {
  env: { ...process.env, STANDIN_PORT: String(port), STANDIN_SECRET_KEY: key, STANDIN_STATE: '' },
  stdio: ['ignore', 'pipe', 'inherit'] });
const base = `http://127.0.0.1:${port}`;
const received = [];
const hook = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    received.push({ body: Buffer.concat(chunks).toString('utf8'), header: req.headers['stripe-signature'] });
    res.writeHead(200);
    res.end('{}');
  });
});
await new Promise((r) => hook.listen(0, '127.0.0.1', r));

try {
  for (let i = 0; i < 100; i++) {
    try { if ((await fetch(`${base}/health`)).ok) break; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  // Stripe's SDK as the client, pointed at the stand-in.
  const u = new URL(base);
  const sdk = new Stripe(key, { apiVersion: '2024-04-10', host: u.hostname, port: Number(u.port),
    protocol: 'http', maxNetworkRetries: 0 });

  check('form: nested keys decode as Stripe reads them',
    JSON.stringify(decodeForm('a[0][b]=1&a[1][b]=2&m[k]=v&x=y')) ===
    JSON.stringify({ a: [{ b: '1' }, { b: '2' }], m: { k: 'v' }, x: 'y' }));

  const ep = await sdk.webhookEndpoints.create({ url: `http://127.0.0.1:${hook.address().port}/hook`,
    enabled_events: ['checkout.session.completed', 'invoice.paid', 'invoice.payment_failed',
      'customer.subscription.deleted'] });
  check('SDK: a webhook endpoint with its secret', /^whsec_/.test(ep.secret));
  await sdk.products.create({ id: 'growvrd_check', name: 'Check' });
  const price = await sdk.prices.create({ product: 'growvrd_check', currency: 'usd', unit_amount: 499,
    recurring: { interval: 'month' }, lookup_key: 'growvrd_check_monthly' });
  const found = await sdk.prices.list({ lookup_keys: ['growvrd_check_monthly'], active: true, limit: 1 });
  check('SDK: the price is found again by lookup_key', found.data[0]?.id === price.id);
  const session = await sdk.checkout.sessions.create({ mode: 'subscription',
    line_items: [{ price: price.id, quantity: 1 }], client_reference_id: 'user-1',
    success_url: 'https://app.test/#/billing/return?result=success', cancel_url: 'https://app.test/',
    metadata: { user_id: 'user-1', subscription_id: 'sub_x' },
    subscription_data: { metadata: { user_id: 'user-1', subscription_id: 'sub_x' } } });
  check('SDK: a checkout session with a URL', session.url?.startsWith(`${base}/checkout/cs_`));
  const paid = await (await fetch(`${session.url}/pay?json=1`, { method: 'POST' })).json();
  const subId = paid.events[0] && JSON.parse(paid.events[0].payload).data.object.subscription;
  for (const what of ['renew', 'fail', 'delete']) await fetch(`${base}/_standin/subscriptions/${subId}/${what}`, { method: 'POST' });
  const types = received.map((r) => JSON.parse(r.body).type);
  check('deliveries: every lifecycle event arrived', JSON.stringify(types) === JSON.stringify(
    ['checkout.session.completed', 'invoice.paid', 'invoice.paid', 'invoice.payment_failed',
      'customer.subscription.deleted']), JSON.stringify(types));
  let allGood = received.length > 0;
  for (const r of received) {
    try {
      const ev = sdk.webhooks.constructEvent(r.body, r.header, ep.secret);
      allGood &&= ev.id === JSON.parse(r.body).id;
    } catch (e) { allGood = false; console.log(`  ${e.message}`); }
  }
  check("signatures: the stand-in's verify with Stripe's SDK (constructEvent)", allGood);
  const r0 = received[0];
  const throws = (fn) => { try { fn(); return false; } catch { return true; } };
  check('signatures: a changed body fails constructEvent',
    throws(() => sdk.webhooks.constructEvent(r0.body.replace('"id"', '"iD"'), r0.header, ep.secret)));
  check('signatures: another secret fails constructEvent',
    throws(() => sdk.webhooks.constructEvent(r0.body, r0.header, 'whsec_other')));
  const stale = sdk.webhooks.generateTestHeaderString({ payload: r0.body, secret: ep.secret,
    timestamp: Math.floor(Date.now() / 1000) - 400 });
  check('signatures: a stale SDK header fails constructEvent (300 s)',
    throws(() => sdk.webhooks.constructEvent(r0.body, stale, ep.secret)));
  const { header } = await (await fetch(`${base}/_standin/sign`, { method: 'POST',
    body: JSON.stringify({ payload: r0.body, secret: ep.secret }) })).json();
  check("signatures: /_standin/sign is the SDK's generateTestHeaderString",
    !throws(() => sdk.webhooks.constructEvent(r0.body, header, ep.secret)));
  const portal = await sdk.billingPortal.sessions.create({ customer: JSON.parse(r0.body).data.object.customer,
    return_url: 'https://app.test/' });
  check('SDK: a billing portal session', portal.url?.startsWith(`${base}/portal/bps_`));
  const again = await sdk.checkout.sessions.create({ mode: 'subscription', line_items: [{ price: price.id, quantity: 1 }],
    success_url: 'https://app.test/' }, { idempotencyKey: 'same-key' });
  const replay = await sdk.checkout.sessions.create({ mode: 'subscription', line_items: [{ price: price.id, quantity: 1 }],
    success_url: 'https://app.test/' }, { idempotencyKey: 'same-key' });
  check('idempotency: the same key answers the first answer', again.id === replay.id);
  let refused = false;
  try {
    await sdk.checkout.sessions.create({ mode: 'subscription', line_items: [{ price: price.id, quantity: 2 }],
      success_url: 'https://app.test/' }, { idempotencyKey: 'same-key' });
  } catch (e) { refused = e.type === 'StripeIdempotencyError'; }
  check('idempotency: the same key with other parameters is refused', refused);
  const v = await (await fetch(`${base}/_standin/violations`)).json();
  check('OpenAPI: no request or answer of this run violated the description', v.violations.length === 0,
    JSON.stringify(v.violations.slice(0, 5)));
} catch (e) {
  check('the run', false, e.stack);
} finally {
  child.kill('SIGTERM');
  hook.close();
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
