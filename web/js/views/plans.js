// plans.js - "Plans and subscription" (#/plans): the plans with their
// prices; for a signed-in person also the current tier and its
// entitlements, subscribe, and cancel.  With payments through Stripe
// (API 1.1) subscribing goes to Stripe Checkout (the answer's
// checkout_url) and comes back to #/billing/return; the subscription is
// then pending, active, past_due or canceled "until <date>", and "Manage
// billing" opens Stripe's Billing Portal.

import * as api from '../api.js';
import { h, busy, loaded, loading, okBox, onSubmit, problemBox, replace, title, uid } from '../dom.js';
import { dateText, humanize, money, perPeriod } from '../format.js';

/** Renders the view into ctx.main. */
export function render(ctx) {
  ctx.setTitle('Plans');
  const status = h('div', { class: 'form-status', 'aria-live': 'polite' });
  const body = h('div', {});
  replace(ctx.main, title('Plans and subscription'), status, body);
  load(ctx, { status, body });
}

async function load(ctx, ui) {
  loading(ui.body, 'Loading plans…');
  const user = api.currentUser();
  let plans; let ent = null; let subs = [];
  try {
    const [p, e, s] = await Promise.all([
      api.get('/plans', { signal: ctx.signal }),
      user ? api.get('/entitlements', { auth: true, signal: ctx.signal }) : null,
      user ? api.get('/subscriptions', { auth: true, signal: ctx.signal, query: { limit: 20 } }) : null,
    ]);
    plans = p.data.items || [];
    if (e) ent = e.data;
    if (s) subs = s.data.items || [];
  } catch (err) {
    if (!ctx.isCurrent()) return;
    loaded(ui.body);
    replace(ui.body, problemBox(err, null,
      h('button', { type: 'button', onclick: () => load(ctx, ui) }, 'Try again')));
    return;
  }
  if (!ctx.isCurrent()) return;
  loaded(ui.body);
  const active = subs.find((s) => LIVE.includes(s.status)) || null;
  const tier = ent ? ent.tier : null;
  replace(ui.body,
    user ? current(ctx, ui, plans, ent, active) : h('p', { class: 'panel' },
      h('a', { href: '#/login?next=%2Fplans' }, 'Log in'), ' or ',
      h('a', { href: '#/signup' }, 'create an account'), ' to subscribe.'),
    h('h2', {}, 'Plans'),
    h('ul', { class: 'plans' }, plans.map((p) => planCard(ctx, ui, p, tier, active, user))),
    user && subs.length ? history(subs, plans) : null);
}

const LIVE = ['active', 'past_due', 'pending'];
const paidThroughStripe = (s) => s && s.payment && s.payment.provider === 'stripe';

/** A subscription's state in words (API 1.1 statuses). */
export function statusText(s) {
  const until = dateText(s.current_period_end);
  if (s.status === 'pending') return 'Waiting for payment';
  if (s.status === 'past_due') return `Payment failed — plan kept until ${until}`;
  if (s.status === 'active' && s.cancel_at_period_end) return `Canceled — active until ${until}`;
  if (s.status === 'canceled' && s.canceled_at) return `Canceled ${dateText(s.canceled_at)}`;
  return humanize(s.status);
}

function planName(plans, id) {
  const p = plans.find((x) => x.id === id);
  return p ? p.name : humanize(id);
}

function recLimit(p) {
  const f = p.features && p.features.plant_recommendations;
  return f ? `${f.limit} plant recommendations a ${f.period || 'month'}` : '';
}

function current(ctx, ui, plans, ent, active) {
  const f = ent && ent.features && ent.features.plant_recommendations;
  const panel = h('section', { class: 'panel current-plan', 'aria-labelledby': 'current-title' },
    h('h2', { id: 'current-title' }, 'Your plan'),
    h('p', { class: 'tier' }, h('strong', {}, planName(plans, ent ? ent.tier : 'free')),
      active && active.status !== 'pending'
        ? ` — ${money(active.price, active.currency)} ${perPeriod(active.billing_period)}` : ' — no subscription'),
    f ? h('p', { class: 'entitlement' }, `Recommendations this month: ${f.used} used of ${f.limit}, ${f.remaining} left.`) : null,
    active && paidThroughStripe(active) ? h('p', { class: 'status-line' }, statusText(active)) : null,
    active && active.current_period_end && !active.cancel_at_period_end
      ? h('p', {}, `Current period ends ${dateText(active.current_period_end)}.`) : null);
  if (active && active.status === 'pending' && active.checkout_url) {
    panel.append(h('p', { class: 'actions' },
      h('a', { class: 'button', href: active.checkout_url }, 'Continue to payment')));
  }
  if (active && paidThroughStripe(active) && active.payment.customer) {
    const manage = h('button', { type: 'button', class: 'secondary' }, 'Manage billing');
    panel.append(h('p', { class: 'actions' }, manage));
    manage.addEventListener('click', async () => {
      const done = busy(manage, 'Opening billing…');
      try {
        const r = await api.post('/billing/portal', undefined, { auth: true });
        window.location.assign(r.data.url);
      } catch (err) {
        if (!ctx.isCurrent()) return;
        done();
        replace(ui.status, problemBox(err));
      }
    });
  }
  if (active && paidThroughStripe(active) && active.status !== 'pending') {
    if (!active.cancel_at_period_end) panel.append(cancelAtEnd(ctx, ui, plans, active));
    return panel;
  }
  if (active) {
    const cancel = h('button', { type: 'button', class: 'secondary' }, 'Cancel subscription');
    panel.append(h('p', { class: 'actions' }, cancel));
    cancel.addEventListener('click', () => {
      const yes = h('button', { type: 'button', class: 'danger' }, 'Yes, cancel it now');
      const no = h('button', { type: 'button', class: 'secondary' }, 'Keep my plan');
      const ask = h('div', { class: 'confirm', role: 'group', 'aria-label': 'Confirm cancellation' },
        h('p', {}, 'Cancel now? Your plan goes back to Free at once, with its smaller allowance.'), yes, no);
      cancel.hidden = true;
      panel.append(ask);
      no.focus();
      no.addEventListener('click', () => { ask.remove(); cancel.hidden = false; cancel.focus(); });
      yes.addEventListener('click', async () => {
        const done = busy(yes, 'Canceling…');
        try {
          await api.post(`/subscriptions/${encodeURIComponent(active.subscription_id)}/cancel`, undefined, { auth: true });
        } catch (err) {
          if (!ctx.isCurrent()) return;
          done();
          replace(ui.status, problemBox(err));
          return;
        }
        if (!ctx.isCurrent()) return;
        replace(ui.status, okBox('Your subscription is canceled. You are on the Free plan now.'));
        load(ctx, ui);
      });
    });
  }
  return panel;
}

// A paid Stripe subscription ends at its period's end.
function cancelAtEnd(ctx, ui, plans, active) {
  const wrap = h('p', { class: 'actions' });
  const cancel = h('button', { type: 'button', class: 'secondary' }, 'Cancel subscription');
  wrap.append(cancel);
  const until = dateText(active.current_period_end);
  const name = planName(plans, active.plan);
  cancel.addEventListener('click', () => {
    const yes = h('button', { type: 'button', class: 'danger' }, 'Yes, cancel at the period end');
    const no = h('button', { type: 'button', class: 'secondary' }, 'Keep my plan');
    const ask = h('div', { class: 'confirm', role: 'group', 'aria-label': 'Confirm cancellation' },
      h('p', {}, `Cancel? You keep ${name} until ${until}; nothing more is charged.`), yes, no);
    cancel.hidden = true;
    wrap.append(ask);
    no.focus();
    no.addEventListener('click', () => { ask.remove(); cancel.hidden = false; cancel.focus(); });
    yes.addEventListener('click', async () => {
      const done = busy(yes, 'Canceling…');
      try {
        await api.post(`/subscriptions/${encodeURIComponent(active.subscription_id)}/cancel`, undefined, { auth: true });
      } catch (err) {
        if (!ctx.isCurrent()) return;
        done();
        replace(ui.status, problemBox(err));
        return;
      }
      if (!ctx.isCurrent()) return;
      replace(ui.status, okBox(`Your subscription is canceled. You keep ${name} until ${until}.`));
      load(ctx, ui);
    });
  });
  return wrap;
}

function planCard(ctx, ui, p, tier, active, user) {
  const prices = Array.isArray(p.prices) ? p.prices : [];
  const isCurrent = tier === p.id;
  const card = h('li', { class: ['plan', isCurrent && 'current'], dataset: { plan: p.id } },
    h('h3', {}, p.name, isCurrent ? ' ' : null, isCurrent ? h('span', { class: 'badge current' }, 'Your plan') : null),
    h('p', {}, recLimit(p)),
    prices.length
      ? h('ul', {}, prices.map((pr) => h('li', { class: 'price' }, `${money(pr.amount, pr.currency)} ${perPeriod(pr.billing_period)}`)))
      : h('p', { class: 'price' }, 'Free'));
  if (!user || !prices.length || isCurrent) return card;
  if (active) {
    card.append(h('p', { class: 'muted' }, 'Cancel your current subscription first to switch to this plan.'));
    return card;
  }
  const group = uid('period');
  const radios = prices.map((pr, i) => {
    const id = `${group}-${i}`;
    return h('label', { for: id }, h('input', {
      type: 'radio', id, name: group, value: pr.billing_period, checked: i === 0,
    }), `${humanize(pr.billing_period)}: ${money(pr.amount, pr.currency)}`);
  });
  const box = h('div', {});
  const form = h('form', { 'aria-label': `Subscribe to ${p.name}` },
    h('fieldset', { class: 'radios' }, h('legend', {}, 'Billing'), radios),
    h('p', { class: 'actions' }, h('button', { type: 'submit' }, `Subscribe to ${p.name}`)));
  onSubmit(form, 'Subscribing…', box, async () => {
    const period = form.querySelector('input[type="radio"]:checked').value;
    let r;
    try {
      r = await api.post('/subscriptions', { plan: p.id, billing_period: period }, { auth: true });
    } catch (err) {
      if (err.status === 409) err.text = 'You already have an active subscription. Cancel it first, then choose another plan.';
      throw err;
    }
    if (!ctx.isCurrent()) return null;
    if (r.data && r.data.checkout_url) {
      // Payments through Stripe: pay on Checkout, come back to #/billing/return.
      replace(ui.status, okBox('Taking you to the payment page…'));
      window.location.assign(r.data.checkout_url);
      return null;
    }
    replace(ui.status, okBox(`You are subscribed to ${p.name}. ${recLimit(p) ? `You get ${recLimit(p)}.` : ''}`));
    load(ctx, ui);
    return null;
  });
  card.append(form, box);
  return card;
}

function history(subs, plans) {
  return h('section', { 'aria-labelledby': 'history-title' },
    h('h2', { id: 'history-title' }, 'Your subscriptions'),
    h('div', { class: 'table-wrap' }, h('table', {},
      h('thead', {}, h('tr', {}, ['Plan', 'Billing', 'Price', 'Started', 'Status'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, subs.map((s) => h('tr', {},
        h('td', {}, planName(plans, s.plan)),
        h('td', {}, humanize(s.billing_period)),
        h('td', {}, money(s.price, s.currency)),
        h('td', {}, dateText(s.started_at)),
        h('td', {}, statusText(s))))))));
}
