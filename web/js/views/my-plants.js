// my-plants.js - the signed-in person's plants (#/my-plants): next
// watering dates with overdue plants first and marked, "Watered now",
// and remove.

import * as api from '../api.js';
import { h, busy, loaded, loading, okBox, problemBox, replace, title } from '../dom.js';
import { dateText, daysFromToday, humanize } from '../format.js';
import { fetchPlant, plantName } from '../plants.js';

const PAGES_MAX = 5;

/** Renders the view into ctx.main. */
export function render(ctx) {
  ctx.setTitle('My plants');
  const status = h('div', { class: 'form-status', 'aria-live': 'polite' });
  const list = h('section', { 'aria-label': 'Your plants' });
  replace(ctx.main, title('My plants'), status, list);
  load(ctx, { status, list });
}

async function load(ctx, ui) {
  loading(ui.list, 'Loading your plants…');
  const entries = [];
  try {
    let cursor = null;
    for (let i = 0; i < PAGES_MAX; i++) {
      const r = await api.get('/users/me/plants', { auth: true, signal: ctx.signal,
        query: { limit: 100, cursor } });
      entries.push(...(r.data.items || []));
      cursor = r.data.next_cursor;
      if (!cursor) break;
    }
    const plants = await Promise.all(entries.map((e) => fetchPlant(e.plant_id, ctx.signal)));
    entries.forEach((e, i) => { e.plant = plants[i]; });
  } catch (err) {
    if (!ctx.isCurrent()) return;
    loaded(ui.list);
    replace(ui.list, problemBox(err, null,
      h('button', { type: 'button', onclick: () => load(ctx, ui) }, 'Try again')));
    return;
  }
  if (!ctx.isCurrent()) return;
  loaded(ui.list);
  ui.entries = entries;
  draw(ctx, ui);
}

function due(e) {
  const t = e.next_watering ? Date.parse(e.next_watering) : NaN;
  return Number.isNaN(t) ? Infinity : t;
}

function draw(ctx, ui) {
  const entries = ui.entries.slice().sort((a, b) => due(a) - due(b));
  if (!entries.length) {
    replace(ui.list, h('div', { class: 'panel' },
      h('p', {}, 'You have no plants here yet.'),
      h('p', {}, h('a', { href: '#/catalog' }, 'Find plants in the catalog'), ' or ',
        h('a', { href: '#/recommendations' }, 'get recommendations'), '.')));
    return;
  }
  const overdue = entries.filter((e) => (daysFromToday(e.next_watering) ?? 1) < 0).length;
  replace(ui.list,
    h('p', { class: 'count' }, `${entries.length} plant${entries.length === 1 ? '' : 's'}`,
      overdue ? `, ${overdue} overdue for water` : '', '. The next to water come first.'),
    h('ul', { class: 'cards' }, entries.map((e) => card(ctx, ui, e))));
}

function whenText(e) {
  const d = daysFromToday(e.next_watering);
  if (d === null) return 'No watering date yet';
  if (d < 0) return `Overdue by ${-d} day${d === -1 ? '' : 's'} (was due ${dateText(e.next_watering)})`;
  if (d === 0) return `Water today (${dateText(e.next_watering)})`;
  if (d === 1) return `Water tomorrow (${dateText(e.next_watering)})`;
  return `Water in ${d} days (${dateText(e.next_watering)})`;
}

function card(ctx, ui, e) {
  const name = e.nickname || (e.plant ? plantName(e.plant) : e.plant_id);
  const late = (daysFromToday(e.next_watering) ?? 1) < 0;
  const water = h('button', { type: 'button', class: 'small', 'aria-label': `Watered now: ${name}` }, 'Watered now');
  const remove = h('button', { type: 'button', class: 'secondary small', 'aria-label': `Remove ${name}` }, 'Remove');
  const node = h('li', { class: ['card', late && 'overdue'], dataset: { plant: e.plant_id } },
    h('h2', {}, name),
    e.nickname ? h('p', { class: 'sci' }, e.plant
      ? h('a', { href: `#/plants/${encodeURIComponent(e.plant_id)}` }, plantName(e.plant))
      : `${e.plant_id} (no longer in the catalog)`) : null,
    late ? h('p', {}, h('span', { class: 'badge overdue' }, 'Overdue')) : null,
    h('p', { class: 'next-watering' }, h('strong', {}, whenText(e))),
    e.location ? h('p', {}, `Place: ${humanize(e.location)}`) : null,
    h('p', { class: 'muted' }, e.last_watered ? `Last watered ${dateText(e.last_watered)}` : 'Not watered here yet'),
    h('p', { class: 'actions' }, water, remove));

  water.addEventListener('click', async () => {
    const done = busy(water, 'Saving…');
    replace(ui.status);
    try {
      const r = await api.post(`/users/me/plants/${encodeURIComponent(e.plant_id)}/water`, undefined, { auth: true });
      Object.assign(e, r.data, { plant: e.plant });
      draw(ctx, ui);
      replace(ui.status, okBox(`${name} is watered. ${whenText(e).replace('Water in', 'Next water in')}.`));
      const again = ui.list.querySelector(`[data-plant="${CSS.escape(e.plant_id)}"] button`);
      if (again) again.focus();
    } catch (err) {
      if (!ctx.isCurrent()) return;
      done();
      replace(ui.status, problemBox(err));
    }
  });

  remove.addEventListener('click', () => {
    const yes = h('button', { type: 'button', class: 'danger small' }, `Yes, remove ${name}`);
    const no = h('button', { type: 'button', class: 'secondary small' }, 'Keep it');
    const ask = h('div', { class: 'confirm', role: 'group', 'aria-label': 'Confirm removal' },
      h('p', {}, `Remove ${name} from your plants?`), yes, no);
    remove.hidden = true;
    node.append(ask);
    no.focus();
    no.addEventListener('click', () => { ask.remove(); remove.hidden = false; remove.focus(); });
    yes.addEventListener('click', async () => {
      const done = busy(yes, 'Removing…');
      try {
        await api.del(`/users/me/plants/${encodeURIComponent(e.plant_id)}`, { auth: true });
        ui.entries = ui.entries.filter((x) => x !== e);
        draw(ctx, ui);
        replace(ui.status, okBox(`${name} was removed from your plants.`));
        ctx.main.querySelector('h1').focus();
      } catch (err) {
        if (!ctx.isCurrent()) return;
        done();
        replace(ui.status, problemBox(err));
      }
    });
  });
  return node;
}
