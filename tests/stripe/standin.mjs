#!/usr/bin/env node
// standin.mjs - a local stand-in for Stripe, for `make run` and the tests
// (not part of the product; in the spirit of cognito-local).
//
// It keeps state, in memory and in STANDIN_STATE (a JSON file) when set,
// for exactly the calls GrowVRD makes: the worker's C client (GET
// /v1/prices by lookup_key, POST /v1/checkout/sessions and .../expire,
// POST /v1/subscriptions/{id}, POST /v1/billing_portal/sessions) and
// scripts/provision (products, prices, webhook endpoints).  Anything
// else is a 404 as Stripe answers an unknown route.  It serves a
// checkout page that pays or cancels, a small billing portal page, and
// sends webhook events signed as Stripe signs them to the endpoints
// provision registered.
//
// Faithfulness: with STANDIN_VALIDATE=1 (the default) every request is
// checked against Stripe's published OpenAPI description (oas.mjs) and
// so is every answer and every event it sends; what fails is logged and
// listed at GET /_standin/violations (the tests require it empty).
//
// Test controls (no authentication; bound to 127.0.0.1):
//   POST /_standin/subscriptions/{sub}/renew|fail|delete[?deliver=0]
//        an invoice.paid for the next period, an invoice.payment_failed
//        for it, or customer.subscription.deleted; the answer lists the
//        events and their signed headers ({events:[{id,type,payload,
//        header}]}); deliver=0 only makes them (the test delivers).
//   POST /checkout/{cs}/pay[?deliver=0]   as the page's Pay button
//   POST /_standin/fault {next:N, status:500, delay_ms:0, path?}  the next
//        N API calls (of the OpenAPI path, if given) wait delay_ms, then
//        fail with status (0: answer normally)
//   POST /_standin/autopay {next:N}  the next N checkout sessions are paid,
//        and their events delivered, before the create is answered
//   POST /_standin/sign {payload, secret?}  a Stripe-Signature made by
//        Stripe's own SDK (webhooks.generateTestHeaderString)
//   GET  /_standin/violations, GET /_standin/requests (the C client's
//        requests: method, path, Stripe-Version, Idempotency-Key)
//
// Settings: STANDIN_PORT (12111), STANDIN_SECRET_KEY (sk_test_standin),
// STANDIN_URL (http://127.0.0.1:PORT, for checkout and portal URLs),
// GROWVRD_CA (CA of the app's TLS for deliveries), STANDIN_STATE.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import Stripe from 'stripe';

const PORT = Number(process.env.STANDIN_PORT || 12111);
const KEY = process.env.STANDIN_SECRET_KEY || 'sk_test_standin';
const BASE = process.env.STANDIN_URL || `http://127.0.0.1:${PORT}`;
const CA = process.env.GROWVRD_CA ? fs.readFileSync(process.env.GROWVRD_CA) : undefined;
const STATE = process.env.STANDIN_STATE || '';
const VALIDATE = process.env.STANDIN_VALIDATE !== '0';
const VERSION = '2024-04-10';
const sdk = new Stripe(KEY);
const oas = VALIDATE ? await import('./oas.mjs') : null;

const now = () => Math.floor(Date.now() / 1000);
const rid = (prefix) => `${prefix}_${crypto.randomBytes(12).toString('hex')}`;
const log = (...a) => console.log(new Date().toISOString(), ...a);

// ---------------------------------------------------------------- state

let S = { products: {}, prices: {}, customers: {}, sessions: {}, subscriptions: {},
  invoices: {}, endpoints: {}, events: {}, idem: {} };
if (STATE && fs.existsSync(STATE)) S = { ...S, ...JSON.parse(fs.readFileSync(STATE, 'utf8')) };
const violations = [];
let autopay = 0;        // sessions to pay before answering their create
let fault = { next: 0, status: 500, delay_ms: 0 };  // the next API calls
const requests = [];
function save() {
  if (!STATE) return;
  fs.writeFileSync(`${STATE}.tmp`, JSON.stringify(S));
  fs.renameSync(`${STATE}.tmp`, STATE);
}
function violation(msgs, where) {
  for (const m of msgs) {
    violations.push(`${where}: ${m}`);
    log('VIOLATION', where, m);
  }
}

// ---------------------------------------------------------------- objects

function productObj(id, name, metadata = {}) {
  return { id, object: 'product', active: true, created: now(), updated: now(), images: [],
    livemode: false, marketing_features: [], metadata, name, description: null,
    default_price: null, tax_code: null, unit_label: null, url: null, type: 'service' };
}

function priceObj(p) {
  return { id: rid('price'), object: 'price', active: true, billing_scheme: 'per_unit', created: now(),
    currency: p.currency, livemode: false, lookup_key: p.lookup_key || null, metadata: p.metadata || {},
    nickname: p.nickname || null, product: p.product, tax_behavior: 'unspecified',
    recurring: p.recurring ? { interval: p.recurring.interval, interval_count: Number(p.recurring.interval_count || 1),
      usage_type: 'licensed', aggregate_usage: null, trial_period_days: null } : null,
    type: p.recurring ? 'recurring' : 'one_time', unit_amount: Number(p.unit_amount),
    unit_amount_decimal: String(p.unit_amount), tiers_mode: null, transform_quantity: null,
    custom_unit_amount: null };
}

function sessionObj(b) {
  const id = rid('cs_test');
  return { id, object: 'checkout.session', mode: b.mode, status: 'open', payment_status: 'unpaid',
    url: `${BASE}/checkout/${id}`, success_url: b.success_url, cancel_url: b.cancel_url || null,
    client_reference_id: b.client_reference_id || null, customer: null,
    customer_email: b.customer_email || null, metadata: b.metadata || {}, subscription: null,
    expires_at: Number(b.expires_at || now() + 86400), created: now(), livemode: false,
    automatic_tax: { enabled: false, liability: null, status: null }, custom_fields: [],
    custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
    payment_method_types: ['card'], shipping_options: [], currency: null, locale: null,
    // kept for paying, not part of Stripe's answer
    _line_items: b.line_items, _subscription_data: b.subscription_data || {} };
}

const publicOf = (o) => Object.fromEntries(Object.entries(o).filter(([k]) => !k.startsWith('_')));

function addPeriod(t, interval, count = 1) {
  const d = new Date(t * 1000);
  if (interval === 'year') d.setUTCFullYear(d.getUTCFullYear() + count);
  else if (interval === 'month') d.setUTCMonth(d.getUTCMonth() + count);
  else d.setUTCDate(d.getUTCDate() + (interval === 'week' ? 7 : 1) * count);
  return Math.floor(d.getTime() / 1000);
}

function subscriptionObj(session, customer, price) {
  const id = rid('sub');
  const start = now();
  const end = addPeriod(start, price.recurring.interval, price.recurring.interval_count);
  return { id, object: 'subscription', status: 'active', customer, created: start, start_date: start,
    billing_cycle_anchor: start, current_period_start: start, current_period_end: end,
    cancel_at_period_end: false, cancel_at: null, canceled_at: null, ended_at: null,
    collection_method: 'charge_automatically', currency: price.currency, livemode: false,
    automatic_tax: { enabled: false, liability: null }, discounts: [],
    metadata: session._subscription_data.metadata || {},
    items: { object: 'list', has_more: false, url: `/v1/subscription_items?subscription=${id}`,
      data: [{ id: rid('si'), object: 'subscription_item', created: start, discounts: [], metadata: {},
        price: publicOf(price), quantity: 1, subscription: id, tax_rates: [] }] } };
}

function invoiceObj(sub, price, start, end, paid) {
  const id = rid('in');
  const amount = price.unit_amount;
  return { id, object: 'invoice', customer: sub.customer, subscription: sub.id,
    subscription_details: { metadata: sub.metadata }, status: paid ? 'paid' : 'open', paid,
    amount_due: amount, amount_paid: paid ? amount : 0, amount_remaining: paid ? 0 : amount,
    amount_shipping: 0, attempt_count: 1, attempted: true, automatic_tax: { enabled: false, liability: null, status: null },
    billing_reason: 'subscription_cycle', collection_method: 'charge_automatically', created: now(),
    currency: price.currency, default_tax_rates: [], discounts: [], issuer: { type: 'self' },
    livemode: false, paid_out_of_band: false, payment_settings: {}, period_start: start, period_end: start,
    post_payment_credit_notes_amount: 0, pre_payment_credit_notes_amount: 0, starting_balance: 0,
    status_transitions: { finalized_at: now(), marked_uncollectible_at: null, paid_at: paid ? now() : null, voided_at: null },
    subtotal: amount, total: amount, total_tax_amounts: [],
    lines: { object: 'list', has_more: false, url: `/v1/invoices/${id}/lines`,
      data: [{ id: rid('il'), object: 'line_item', amount, currency: price.currency, discountable: true,
        discounts: [], livemode: false, metadata: sub.metadata, period: { start, end }, proration: false,
        type: 'subscription', price: publicOf(price), quantity: 1 }] } };
}

// ---------------------------------------------------------------- events

function makeEvent(type, object) {
  const ev = { id: rid('evt'), object: 'event', api_version: VERSION, created: now(),
    data: { object: publicOf(object) }, livemode: false, pending_webhooks: 1,
    request: { id: null, idempotency_key: null }, type };
  if (oas) {
    violation(oas.checkObject('event', ev), `event ${type}`);
    const schema = { 'checkout.session.completed': 'checkout.session', 'invoice.paid': 'invoice',
      'invoice.payment_failed': 'invoice', 'customer.subscription.deleted': 'subscription',
      'customer.subscription.updated': 'subscription' }[type];
    if (schema) violation(oas.checkObject(schema, ev.data.object), `event ${type} data.object`);
  }
  S.events[ev.id] = ev;
  return ev;
}

// Stripe's scheme, written here on its own; tests check it with the SDK.
function signature(payload, secret, t = now()) {
  const mac = crypto.createHmac('sha256', secret).update(`${t}.${payload}`).digest('hex');
  return `t=${t},v1=${mac}`;
}

function post(url, body, headers) {
  return new Promise((resolve) => {
    const u = new URL(url);
    const mod = u.protocol === 'https:' ? https : http;
    const req = mod.request(u, { method: 'POST', headers: { ...headers, 'Content-Length': Buffer.byteLength(body) },
      ca: CA, timeout: 10000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end(body);
  });
}

// deliver: to every endpoint enabled for the type; retried (Stripe retries
// for days; here 5 times, 1 s apart).  Returns [{id,type,payload,header}].
async function deliverAll(events, deliver) {
  const out = [];
  for (const ev of events) {
    const payload = JSON.stringify(ev, null, 2);
    for (const ep of Object.values(S.endpoints)) {
      if (!ep.enabled_events.includes(ev.type) && !ep.enabled_events.includes('*')) continue;
      const header = signature(payload, ep.secret);
      out.push({ id: ev.id, type: ev.type, payload, header, url: ep.url });
      if (!deliver) continue;
      let status = 0;
      for (let i = 0; i < 5 && !(status >= 200 && status < 300); i++) {
        if (i > 0) await new Promise((r) => setTimeout(r, 1000));
        status = await post(ep.url, payload, { 'Content-Type': 'application/json; charset=utf-8',
          'Stripe-Signature': header, 'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)' });
      }
      log('delivered', ev.type, ev.id, 'to', ep.url, '->', status);
    }
  }
  return out;
}

// ---------------------------------------------------------------- API

class ApiError extends Error {
  constructor(status, type, message, code, param) {
    super(message);
    Object.assign(this, { status, type, code, param });
  }
}
const missing = (what, id) => new ApiError(404, 'invalid_request_error',
  `No such ${what}: '${id}'`, 'resource_missing', 'id');
const invalid = (message, param) => new ApiError(400, 'invalid_request_error', message, 'parameter_invalid', param);

function list(url, data) {
  return { object: 'list', data, has_more: false, url };
}

// [method, regexp, OpenAPI path, handler(match, query, form)]
const ROUTES = [
  ['GET', /^\/v1\/prices$/, '/v1/prices', (m, q) => {
    let data = Object.values(S.prices);
    const keys = [].concat(q.lookup_keys || []);
    if (keys.length) data = data.filter((p) => keys.includes(p.lookup_key));
    if (q.active !== undefined) data = data.filter((p) => String(p.active) === String(q.active));
    return list('/v1/prices', data.slice(0, Number(q.limit || 10)).map(publicOf));
  }],
  ['POST', /^\/v1\/prices$/, '/v1/prices', (m, q, b) => {
    if (!S.products[b.product]) throw missing('product', b.product);
    if (b.lookup_key && Object.values(S.prices).some((p) => p.lookup_key === b.lookup_key && p.active))
      throw invalid(`A price (${b.lookup_key}) already uses that lookup key.`, 'lookup_key');
    const p = priceObj(b);
    S.prices[p.id] = p;
    return p;
  }],
  ['GET', /^\/v1\/products\/([^/]+)$/, '/v1/products/{id}', (m) => {
    if (!S.products[m[1]]) throw missing('product', m[1]);
    return S.products[m[1]];
  }],
  ['POST', /^\/v1\/products$/, '/v1/products', (m, q, b) => {
    const id = b.id || rid('prod');
    if (S.products[id]) throw new ApiError(400, 'invalid_request_error', `Product already exists.`, 'resource_already_exists', 'id');
    S.products[id] = productObj(id, b.name, b.metadata || {});
    return S.products[id];
  }],
  ['GET', /^\/v1\/webhook_endpoints$/, '/v1/webhook_endpoints', () =>
    list('/v1/webhook_endpoints', Object.values(S.endpoints).map(publicOf))],
  ['POST', /^\/v1\/webhook_endpoints$/, '/v1/webhook_endpoints', (m, q, b) => {
    const ep = { id: rid('we'), object: 'webhook_endpoint', url: b.url, enabled_events: b.enabled_events || [],
      api_version: b.api_version || null, application: null, created: now(), description: b.description || null,
      livemode: false, metadata: b.metadata || {}, status: 'enabled', secret: `whsec_${crypto.randomBytes(24).toString('hex')}` };
    S.endpoints[ep.id] = ep;
    return ep;       // the secret is shown once, at creation
  }],
  ['POST', /^\/v1\/webhook_endpoints\/([^/]+)$/, '/v1/webhook_endpoints/{webhook_endpoint}', (m, q, b) => {
    const ep = S.endpoints[m[1]];
    if (!ep) throw missing('webhook endpoint', m[1]);
    if (b.enabled_events) ep.enabled_events = b.enabled_events;
    if (b.url) ep.url = b.url;
    return publicOf({ ...ep, secret: undefined });
  }],
  ['POST', /^\/v1\/checkout\/sessions$/, '/v1/checkout/sessions', (m, q, b) => {
    const items = b.line_items || [];
    if (b.mode !== 'subscription' || items.length !== 1) throw invalid('Only one subscription line item is supported here.', 'line_items');
    if (!S.prices[items[0].price]) throw missing('price', items[0].price);
    const exp = Number(b.expires_at || 0);
    if (b.expires_at !== undefined && (exp < now() + 1800 || exp > now() + 86400))
      throw invalid('The `expires_at` timestamp must be between 30 minutes and 24 hours from now.', 'expires_at');
    const s = sessionObj(b);
    S.sessions[s.id] = s;
    if (autopay > 0) {
      // Paid, and its events delivered, before this answer leaves.
      autopay -= 1;
      const answer = structuredClone(s);
      return pay(s, true).then(() => answer);
    }
    return s;
  }],
  ['POST', /^\/v1\/checkout\/sessions\/([^/]+)\/expire$/, '/v1/checkout/sessions/{session}/expire', (m) => {
    const s = S.sessions[m[1]];
    if (!s) throw missing('checkout.session', m[1]);
    if (s.status !== 'open') throw invalid(`Only Checkout Sessions with a status in ["open"] can be expired.`, 'session');
    s.status = 'expired';
    s.url = null;
    return s;
  }],
  ['POST', /^\/v1\/subscriptions\/([^/]+)$/, '/v1/subscriptions/{subscription_exposed_id}', (m, q, b) => {
    const sub = S.subscriptions[m[1]];
    if (!sub) throw missing('subscription', m[1]);
    if (b.cancel_at_period_end !== undefined) {
      sub.cancel_at_period_end = String(b.cancel_at_period_end) === 'true';
      sub.cancel_at = sub.cancel_at_period_end ? sub.current_period_end : null;
      sub.canceled_at = sub.cancel_at_period_end ? now() : null;
    }
    return sub;
  }],
  ['POST', /^\/v1\/billing_portal\/sessions$/, '/v1/billing_portal/sessions', (m, q, b) => {
    if (!S.customers[b.customer]) throw missing('customer', b.customer);
    const id = rid('bps');
    const ps = { id, object: 'billing_portal.session', configuration: 'bpc_standin', created: now(),
      customer: b.customer, livemode: false, locale: null, on_behalf_of: null, flow: null,
      return_url: b.return_url || null, url: `${BASE}/portal/${id}` };
    S.portal = S.portal || {};
    S.portal[id] = ps;
    return ps;
  }],
];

function answerJson(res, status, obj, extra = {}) {
  const body = JSON.stringify(obj, null, 2);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Request-Id': rid('req'),
    'Stripe-Version': VERSION, ...extra });
  res.end(body);
}

function errorBody(e) {
  return { error: { type: e.type, message: e.message, code: e.code, param: e.param,
    doc_url: `https://stripe.com/docs/error-codes/${e.code}` } };
}

async function api(req, res, url, raw) {
  const auth = req.headers.authorization || '';
  if (auth !== `Bearer ${KEY}`) {
    answerJson(res, 401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided.' } });
    return;
  }
  const route = ROUTES.find(([m, re]) => m === req.method && re.test(url.pathname));
  if (!route) {
    answerJson(res, 404, { error: { type: 'invalid_request_error', message: `Unrecognized request URL (${req.method}: ${url.pathname}).` } });
    return;
  }
  const [method, re, oasPath, fn] = route;
  if (fault.next > 0 && (!fault.path || fault.path === oasPath)) {
    // An outage (or a slow Stripe) for the next calls, as tests ask.
    fault.next -= 1;
    if (fault.delay_ms) await new Promise((r) => setTimeout(r, fault.delay_ms));
    if (fault.status) {
      answerJson(res, fault.status, { error: { type: 'api_error', message: 'stand-in fault' } });
      return;
    }
  }
  const query = oas ? oas.decodeForm(url.search.slice(1)) : {};
  const form = oas ? oas.decodeForm(raw) : Object.fromEntries(new URLSearchParams(raw));
  requests.push({ method, path: url.pathname, oas_path: oasPath, stripe_version: req.headers['stripe-version'] || null,
    idempotency_key: req.headers['idempotency-key'] || null, query, form });
  if (oas) {
    violation(oas.checkRequest(method, oasPath, query, form), `request ${method} ${oasPath}`);
    if (req.headers['stripe-version'] !== VERSION)
      violation([`Stripe-Version is ${req.headers['stripe-version']}, not ${VERSION}`], `request ${method} ${oasPath}`);
    if (method === 'POST' && !req.headers['idempotency-key'])
      violation(['a POST without an Idempotency-Key'], `request ${method} ${oasPath}`);
  }
  // Idempotency: the same key answers the first answer; other
  // parameters with it are an error (as Stripe, for 24 hours).
  const key = method === 'POST' ? req.headers['idempotency-key'] : null;
  if (key && S.idem[key]) {
    const first = S.idem[key];
    if (first.path !== url.pathname || first.body !== raw) {
      answerJson(res, 400, { error: { type: 'idempotency_error', message: 'Keys for idempotent requests can only be used with the same parameters they were first used with.' } },
        { 'Stripe-Should-Retry': 'false' });
      return;
    }
    answerJson(res, first.status, first.answer, { 'Idempotent-Replayed': 'true' });
    return;
  }
  let status = 200;
  let answer;
  try {
    answer = publicOf(await fn(url.pathname.match(re), query, form));
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    status = e.status;
    answer = errorBody(e);
  }
  if (oas) violation(oas.checkAnswer(method, oasPath, status, answer), `answer ${method} ${oasPath} ${status}`);
  if (key) S.idem[key] = { path: url.pathname, body: raw, status, answer };
  save();
  answerJson(res, status, answer);
}

// ---------------------------------------------------------------- pages

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(res, title, body) {
  res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8',
    'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action *" });
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(title)}</title>
<style>body{font:16px system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#1a1a1a}
.card{border:1px solid #ddd;border-radius:8px;padding:1.5rem}h1{font-size:1.3rem}
button{font:inherit;padding:.6rem 1.2rem;border-radius:6px;border:1px solid #635bff;cursor:pointer;margin:.3rem .3rem 0 0}
.pay{background:#635bff;color:#fff}.muted{color:#666;font-size:.9rem}</style></head>
<body><div class="card">${body}</div><p class="muted">Local Stripe stand-in: no card is charged.</p></body></html>`);
}

function checkoutPage(res, s) {
  const price = S.prices[s._line_items[0].price];
  const product = S.products[price.product];
  const amount = (price.unit_amount / 100).toFixed(2);
  if (s.status !== 'open') {
    page(res, 'Checkout', `<h1>This checkout is ${esc(s.status)}</h1>`);
    return;
  }
  page(res, `Pay ${product?.name || ''}`, `<h1 id="title">Subscribe to ${esc(product?.name || price.product)}</h1>
<p id="amount">${esc(amount)} ${esc(price.currency.toUpperCase())} per ${esc(price.recurring.interval)}</p>
<p class="muted">${esc(s.customer_email || '')}</p>
<form method="post" action="/checkout/${esc(s.id)}/pay" style="display:inline"><button class="pay" id="pay">Pay</button></form>
<form method="post" action="/checkout/${esc(s.id)}/cancel" style="display:inline"><button id="cancel">Cancel</button></form>`);
}

async function pay(s, deliver) {
  if (s.status !== 'open') throw invalid('This Checkout Session is no longer open.', 'session');
  const price = S.prices[s._line_items[0].price];
  const customer = { id: rid('cus'), object: 'customer', email: s.customer_email, created: now() };
  S.customers[customer.id] = customer;
  const sub = subscriptionObj(s, customer.id, price);
  S.subscriptions[sub.id] = sub;
  const inv = invoiceObj(sub, price, sub.current_period_start, sub.current_period_end, true);
  inv.billing_reason = 'subscription_create';
  S.invoices[inv.id] = inv;
  Object.assign(s, { status: 'complete', payment_status: 'paid', customer: customer.id, subscription: sub.id, url: null });
  save();
  return deliverAll([makeEvent('checkout.session.completed', s), makeEvent('invoice.paid', inv)], deliver);
}

// renew | fail | delete of a subscription (test controls).
function lifecycle(sub, what) {
  const price = S.prices[sub.items.data[0].price.id];
  if (what === 'delete') {
    Object.assign(sub, { status: 'canceled', ended_at: now(), canceled_at: sub.canceled_at || now() });
    return [makeEvent('customer.subscription.deleted', sub)];
  }
  const start = sub.current_period_end;
  const end = addPeriod(start, price.recurring.interval, price.recurring.interval_count);
  const inv = invoiceObj(sub, price, start, end, what === 'renew');
  S.invoices[inv.id] = inv;
  if (what === 'renew') {
    Object.assign(sub, { status: 'active', current_period_start: start, current_period_end: end });
    return [makeEvent('invoice.paid', inv)];
  }
  sub.status = 'past_due';
  return [makeEvent('invoice.payment_failed', inv)];
}

function readBody(req, max = 1 << 20) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let n = 0;
    req.on('data', (c) => {
      n += c.length;
      if (n > max) reject(new Error('body too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function route(req, res) {
  const url = new URL(req.url, BASE);
  const raw = await readBody(req);
  let m;
  if (url.pathname === '/health') return answerJson(res, 200, { ok: true });
  if (url.pathname.startsWith('/v1/')) return api(req, res, url, raw);
  const deliver = url.searchParams.get('deliver') !== '0';
  if ((m = url.pathname.match(/^\/checkout\/([^/]+)(?:\/(pay|cancel))?$/))) {
    const s = S.sessions[m[1]];
    if (!s) return page(res, 'Checkout', '<h1>No such checkout</h1>');
    if (!m[2]) return checkoutPage(res, s);
    if (req.method !== 'POST') return answerJson(res, 405, { error: 'POST' });
    if (m[2] === 'cancel') {
      res.writeHead(303, { Location: s.cancel_url });
      return res.end();
    }
    try {
      const events = await pay(s, deliver);
      if (!deliver || url.searchParams.get('json') === '1') return answerJson(res, 200, { events });
      res.writeHead(303, { Location: s.success_url });
      return res.end();
    } catch (e) {
      return answerJson(res, 400, errorBody(e));
    }
  }
  if ((m = url.pathname.match(/^\/portal\/([^/]+)$/))) {
    const ps = S.portal?.[m[1]];
    if (!ps) return page(res, 'Billing', '<h1>No such session</h1>');
    const subs = Object.values(S.subscriptions).filter((x) => x.customer === ps.customer);
    return page(res, 'Billing', `<h1 id="title">Your billing</h1>
<ul>${subs.map((x) => `<li>${esc(x.id)}: ${esc(x.status)}${x.cancel_at_period_end ? ', ends at the period end' : ''}, paid until ${esc(new Date(x.current_period_end * 1000).toISOString().slice(0, 10))}</li>`).join('')}</ul>
<p><a id="return" href="${esc(ps.return_url || '/')}">Return to GrowVRD</a></p>`);
  }
  if ((m = url.pathname.match(/^\/_standin\/subscriptions\/([^/]+)\/(renew|fail|delete)$/)) && req.method === 'POST') {
    const sub = S.subscriptions[m[1]];
    if (!sub) return answerJson(res, 404, errorBody(missing('subscription', m[1])));
    const events = lifecycle(sub, m[2]);
    save();
    return answerJson(res, 200, { events: await deliverAll(events, deliver) });
  }
  if (url.pathname === '/_standin/sign' && req.method === 'POST') {
    const b = JSON.parse(raw);
    const secret = b.secret || Object.values(S.endpoints)[0]?.secret;
    return answerJson(res, 200, { header: sdk.webhooks.generateTestHeaderString({
      payload: b.payload, secret, timestamp: b.timestamp }) });
  }
  if (url.pathname === '/_standin/fault' && req.method === 'POST') {
    const b = JSON.parse(raw || '{}');
    fault = { next: Number(b.next ?? 1), status: Number(b.status ?? 500), delay_ms: Number(b.delay_ms || 0),
      path: b.path || null };
    return answerJson(res, 200, fault);
  }
  if (url.pathname === '/_standin/autopay' && req.method === 'POST') {
    autopay = Number(JSON.parse(raw || '{}').next || 1);
    return answerJson(res, 200, { autopay });
  }
  if (url.pathname === '/_standin/violations') return answerJson(res, 200, { violations });
  if (url.pathname === '/_standin/requests') return answerJson(res, 200, { requests });
  if (url.pathname === '/_standin/endpoints') return answerJson(res, 200, { endpoints: Object.values(S.endpoints) });
  return answerJson(res, 404, { error: { type: 'invalid_request_error', message: 'Unrecognized request URL.' } });
}

const server = http.createServer((req, res) => {
  route(req, res).catch((e) => {
    log('error', e.stack || e);
    if (!res.headersSent) answerJson(res, 500, { error: { type: 'api_error', message: 'stand-in failure' } });
  });
});
server.listen(PORT, '127.0.0.1', () => log(`Stripe stand-in on ${BASE} (validation ${VALIDATE ? 'on' : 'off'})`));
if (oas) {
  // Compile the big schemas now, not during the first request.
  setImmediate(() => {
    oas.checkAnswer('POST', '/v1/checkout/sessions', 200, {});
    oas.checkObject('invoice', {});
    log('OpenAPI validators ready');
  });
}
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => { save(); process.exit(0); });
