// catalog.js - the plant catalog (#/catalog?q=&light=&location=
// &difficulty_max=&pet_safe=&cursor=): search, filters and paging with
// the API's cursor.  The filters live in the URL, so back and forward
// step through searches and pages.
//
// The catalog may hold 100,000 plants: the page asks the API for one
// page at a time (?limit=PAGE and the opaque next_cursor; the API lists
// by name, then id, every page but the last full) and never more.  The
// space a page takes is reserved before its answer comes (a skeleton of
// PAGE cards of the final size, a count line, a pager), so nothing on
// screen moves when the plants arrive.

import * as api from '../api.js';
import { h, field, loaded, problemBox, replace, title } from '../dom.js';
import { LIGHTS, LOCATIONS } from '../format.js';
import { plantCard } from '../plants.js';

const PAGE = 12;
const FILTERS = ['q', 'light', 'location', 'difficulty_max', 'pet_safe'];

// The pages met in this tab, so a page reached with "Next page" knows
// its number and the way back: "<filters>|<cursor>" -> {prev, n}, where
// prev is the previous page's cursor ('' for the first page).  A cursor
// opened from a bookmark has no entry: it offers "First page" only.
const trail = new Map();
const TRAIL_MAX = 500;

function remember(key, value) {
  if (trail.size >= TRAIL_MAX) trail.delete(trail.keys().next().value);
  trail.set(key, value);
}

/** Renders the view into ctx.main. */
export function render(ctx) {
  ctx.setTitle('Plant catalog');
  const q = ctx.query;
  const search = field({ label: 'Search', name: 'q', type: 'search', value: q.get('q') || '',
    hint: 'Part of a name, like "fern" or "lily".', maxlength: 100, wide: true });
  const light = field({ label: 'Light', name: 'light', type: 'select', value: q.get('light') || '',
    options: [['', 'Any light'], ...LIGHTS] });
  const location = field({ label: 'Place', name: 'location', type: 'select', value: q.get('location') || '',
    options: [['', 'Anywhere'], ...LOCATIONS] });
  const difficulty = field({ label: 'Difficulty at most', name: 'difficulty_max', type: 'select',
    value: q.get('difficulty_max') || '',
    options: [['', 'Any difficulty'], ...Array.from({ length: 10 }, (_, i) => [String(i + 1),
      `${i + 1} of 10${{ 3: ' (easy)', 6: ' (moderate)', 10: ' (hard)' }[i + 1] || ''}`])] });
  const pets = field({ label: 'Only plants safe for pets', name: 'pet_safe', type: 'checkbox',
    value: q.get('pet_safe') === 'true' });
  const form = h('form', { role: 'search', 'aria-label': 'Search the catalog' },
    h('div', { class: 'grid-fields compact' }, search.wrap, light.wrap, location.wrap, difficulty.wrap),
    pets.wrap,
    h('p', { class: 'actions' }, h('button', { type: 'submit' }, 'Search'),
      h('a', { href: '#/catalog' }, 'Clear filters')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const next = new URLSearchParams();
    if (search.input.value.trim()) next.set('q', search.input.value.trim());
    if (light.input.value) next.set('light', light.input.value);
    if (location.input.value) next.set('location', location.input.value);
    if (difficulty.input.value) next.set('difficulty_max', difficulty.input.value);
    if (pets.input.checked) next.set('pet_safe', 'true');
    ctx.navigate(`/catalog${next.size ? `?${next}` : ''}`);
  });

  const filtered = FILTERS.some((k) => q.get(k));
  const heading = h('h2', { id: 'results-title' }, filtered ? 'Matching plants' : 'All plants');
  const ui = {
    count: h('p', { class: 'count', role: 'status' }, 'Loading plants…'),
    top: h('div', { class: 'pager-slot' }),
    list: h('ul', { class: 'cards catalog-cards' }),
    bottom: h('div', { class: 'pager-slot' }),
  };
  const results = h('section', { 'aria-labelledby': 'results-title', class: 'results' },
    heading, ui.count, ui.top, ui.list, ui.bottom);
  replace(ctx.main, title('Plant catalog'), form, results);
  load(ctx, results, ui);
}

/** PAGE empty cards of a real card's size, while a page loads. */
function skeleton() {
  return Array.from({ length: PAGE }, () => h('li', { class: 'card skeleton', 'aria-hidden': 'true' },
    h('span', { class: 'bone title' }), h('span', { class: 'bone line' }),
    h('span', { class: 'bone pill' }), h('span', { class: 'bone pill' }), h('span', { class: 'bone pill' })));
}

function filterKey(query) {
  const f = new URLSearchParams();
  for (const k of FILTERS) if (query.get(k)) f.set(k, query.get(k));
  return f.toString();
}

function catalogHref(params) {
  return `#/catalog${params.size ? `?${params}` : ''}`;
}

async function load(ctx, results, ui) {
  const query = { limit: PAGE };
  for (const k of FILTERS) if (ctx.query.get(k)) query[k] = ctx.query.get(k);
  const cursor = ctx.query.get('cursor') || '';
  if (cursor) query.cursor = cursor;
  const fkey = filterKey(ctx.query);
  const here = trail.get(`${fkey}|${cursor}`) || (cursor ? null : { prev: null, n: 1 });

  results.setAttribute('aria-busy', 'true');
  ui.count.textContent = 'Loading plants…';
  replace(ui.top);
  replace(ui.bottom);
  replace(ui.list, skeleton());
  let page;
  try {
    page = (await api.get('/plants', { query, signal: ctx.signal })).data;
  } catch (err) {
    if (!ctx.isCurrent()) return;
    loaded(results);
    ui.count.textContent = 'The plants could not be loaded.';
    ui.list.replaceWith(problemBox(err, null,
      h('button', { type: 'button', onclick: () => ctx.navigate(`/catalog${ctx.query.size ? `?${ctx.query}` : ''}`) },
        'Try again')));
    return;
  }
  if (!ctx.isCurrent()) return;
  loaded(results);
  const items = Array.isArray(page.items) ? page.items : [];
  if (!items.length) {
    replace(ui.list);
    ui.count.textContent = cursor
      ? 'No more plants.'
      : 'No plants match these filters. Try fewer filters or another word.';
    if (cursor) replace(ui.top, pager('Pages', [firstLink(ctx)]));
    return;
  }

  const n = items.length;
  if (here) {
    const from = (here.n - 1) * PAGE + 1;
    ui.count.textContent = `Page ${here.n}: plants ${from}–${from + n - 1}${page.next_cursor ? '' : ' (the last page)'}.`;
  } else {
    ui.count.textContent = `${n} plant${n === 1 ? '' : 's'} on this page${page.next_cursor ? '' : ' (the last page)'}.`;
  }
  replace(ui.list, items.map((p) => plantCard(p, 'h3')));

  const links = () => {
    const out = [];
    if (cursor) out.push(firstLink(ctx));
    if (here && here.prev !== null && here.n > 2) {
      const prev = new URLSearchParams(fkey);
      prev.set('cursor', here.prev);
      out.push(h('a', { class: 'button secondary small', href: catalogHref(prev), rel: 'prev' }, 'Previous page'));
    }
    if (page.next_cursor) {
      const next = new URLSearchParams(fkey);
      next.set('cursor', page.next_cursor);
      out.push(h('a', { class: 'button small', href: catalogHref(next), rel: 'next' }, 'Next page'));
    }
    return out;
  };
  if (page.next_cursor && here) remember(`${fkey}|${page.next_cursor}`, { prev: cursor, n: here.n + 1 });
  replace(ui.top, pager('Pages', links()));
  // at the end of a full page too (a short page is the last: its top
  // links suffice, and the empty slot keeps the reserved space still)
  if (n === PAGE) replace(ui.bottom, pager('Pages, at the end of the list', links()));
}

/** The links in a nav landmark, or nothing when there are none. */
function pager(label, links) {
  return links.length ? h('nav', { class: 'pager', 'aria-label': label }, links) : null;
}

function firstLink(ctx) {
  return h('a', { class: 'button secondary small', href: catalogHref(new URLSearchParams(filterKey(ctx.query))) },
    'First page');
}
