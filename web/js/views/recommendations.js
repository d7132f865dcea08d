// recommendations.js - "Recommendations" (#/recommendations): the
// person's room (place, light, experience, pets) -> ranked plants with
// their reasons and the quota left this month; at the quota, the wait
// the answer gives and a way to a bigger plan.

import * as api from '../api.js';
import { h, field, onSubmit, replace, title } from '../dom.js';
import { EXPERIENCE, LOCATIONS, ROOM_LIGHTS } from '../format.js';
import { careBadges, plantName } from '../plants.js';

/** Renders the view into ctx.main. */
export function render(ctx) {
  ctx.setTitle('Recommendations');
  const location = field({ label: 'Place', name: 'location', type: 'select',
    options: [['', 'Anywhere at home'], ...LOCATIONS] });
  const light = field({ label: 'Light there', name: 'light', type: 'select',
    options: [['', 'Not sure'], ...ROOM_LIGHTS] });
  const experience = field({ label: 'Your experience', name: 'experience', type: 'select',
    options: [['', 'Not sure'], ...EXPERIENCE] });
  const pets = field({ label: 'I have pets (show only plants safe for them)', name: 'pet_safe', type: 'checkbox' });
  const quota = h('div', { class: 'quota', 'aria-live': 'polite' });
  const box = h('div', { class: 'form-status' });
  const results = h('section', { 'aria-label': 'Recommended plants' });
  const form = h('form', {},
    h('div', { class: 'grid-fields' }, location.wrap, light.wrap, experience.wrap), pets.wrap,
    h('p', { class: 'actions' }, h('button', { type: 'submit' }, 'Recommend plants')));

  onSubmit(form, 'Finding plants…', box, async () => {
    replace(results);
    let r;
    try {
      r = await api.get('/recommendations', { auth: true, signal: ctx.signal, query: {
        location: location.input.value, light: light.input.value,
        experience: experience.input.value, pet_safe: pets.input.checked ? 'true' : '',
        limit: 5,
      } });
    } catch (err) {
      if (err.status === 429 && err.retryAfter > 120) {
        showQuota(quota, null);
        return h('div', { class: 'problem', role: 'alert' },
          h('p', {}, `You have used all the recommendations your plan gives you this month. ${err.human.replace(/^.*?It renews/, 'They renew')}`),
          h('p', { class: 'actions' }, h('a', { class: 'button', href: '#/plans' }, 'Upgrade for more recommendations')));
      }
      throw err;
    }
    if (!ctx.isCurrent()) return null;
    showQuota(quota, r.data.quota);
    const items = Array.isArray(r.data.items) ? r.data.items : [];
    replace(results, h('h2', {}, 'Plants for you'), items.length
      ? h('ol', { class: 'ranked' }, items.map(item))
      : h('p', {}, 'No plant in the catalog fits all of this. Try another place or light.'));
    return null;
  });

  replace(ctx.main, title('Recommendations'),
    h('p', {}, 'Tell us about the spot, and we rank the catalog\'s plants for it.'),
    quota, form, box, results);
  loadQuota(ctx, quota);
}

function item(rec) {
  const p = rec.plant || {};
  const reasons = Array.isArray(rec.reasons) ? rec.reasons : [];
  return h('li', { dataset: { plant: p.id } },
    h('h3', {}, h('a', { href: `#/plants/${encodeURIComponent(p.id)}` }, plantName(p))),
    typeof rec.score === 'number' ? h('p', { class: 'muted' }, `Match score ${rec.score}`) : null,
    careBadges(p),
    reasons.length ? h('ul', { 'aria-label': 'Why' }, reasons.map((t) => h('li', {}, t))) : null);
}

async function loadQuota(ctx, quota) {
  try {
    const r = await api.get('/entitlements', { auth: true, signal: ctx.signal });
    if (!ctx.isCurrent()) return;
    const f = r.data.features && r.data.features.plant_recommendations;
    if (f) showQuota(quota, { used: f.used, limit: f.limit });
  } catch {
    // the quota shows after the first answer instead
  }
}

// quota: {used, limit} or null when used up.
function showQuota(el, quota) {
  if (!quota || typeof quota.limit !== 'number') {
    if (quota === null) {
      el.dataset.left = '0';
      replace(el, h('p', {}, h('strong', {}, 'No recommendations left this month.')));
    }
    return;
  }
  const left = Math.max(0, quota.limit - quota.used);
  el.dataset.left = String(left);
  const pct = quota.limit ? Math.min(100, Math.round((quota.used / quota.limit) * 100)) : 100;
  const bar = h('span', { class: left ? '' : 'full' });
  bar.style.width = `${pct}%`;
  replace(el,
    h('p', { class: 'quota-text' }, h('strong', {}, `${left} of ${quota.limit} recommendations left this month`),
      ` (${quota.used} used).`),
    h('div', { class: 'meter', role: 'img', 'aria-label': `${quota.used} of ${quota.limit} used` }, bar));
}
