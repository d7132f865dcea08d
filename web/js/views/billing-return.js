// billing-return.js - back from Stripe Checkout (#/billing/return?result=
// success|canceled&subscription_id=...): a canceled checkout says that
// nothing was charged; a paid one waits for Stripe's webhook to make the
// subscription active (it is "pending" until then), then says so.

import * as api from '../api.js';
import { h, loaded, loading, okBox, problemBox, replace, title } from '../dom.js';
import { dateText, humanize } from '../format.js';

const ID = /^sub_\d{8}T\d{9}Z_[0-9a-f]{8}$/;
const TRIES = 40;          // 20 s of polling, 0.5 s apart

/** Renders the view into ctx.main. */
export function render(ctx) {
  ctx.setTitle('Payment');
  const body = h('div', { class: 'billing-return' });
  const result = ctx.query.get('result');
  const id = ctx.query.get('subscription_id') || '';
  const back = h('p', {}, h('a', { href: '#/plans' }, 'Back to plans'));
  if (result !== 'success' || !ID.test(id)) {
    replace(ctx.main, title('Payment canceled'), body);
    replace(body, h('p', { class: 'panel' }, 'You left the payment page. Nothing was charged, and your plan is unchanged.'), back);
    return;
  }
  replace(ctx.main, title('Thank you'), body);
  wait(ctx, body, id, back, 0);
}

async function wait(ctx, body, id, back, n) {
  loading(body, 'Confirming your payment with Stripe…');
  let s;
  try {
    s = (await api.get(`/subscriptions/${encodeURIComponent(id)}`, { auth: true, signal: ctx.signal })).data;
  } catch (err) {
    if (!ctx.isCurrent()) return;
    loaded(body);
    replace(body, problemBox(err), back);
    return;
  }
  if (!ctx.isCurrent()) return;
  if (s.status === 'pending' && n < TRIES) {
    setTimeout(() => { if (ctx.isCurrent()) wait(ctx, body, id, back, n + 1); }, 500);
    return;
  }
  loaded(body);
  if (s.status === 'active' || s.status === 'past_due') {
    replace(body, okBox(`You are subscribed to ${humanize(s.plan)}.`),
      h('p', { class: 'panel status-line' }, `Status: ${humanize(s.status)}`,
        s.current_period_end ? `, paid until ${dateText(s.current_period_end)}.` : '.'), back);
    return;
  }
  replace(body, h('p', { class: 'panel status-line' }, s.status === 'pending'
    ? 'Your payment is still being confirmed. This page will show it on the plans page once Stripe tells us.'
    : `This subscription is ${humanize(s.status)}.`), back);
}
