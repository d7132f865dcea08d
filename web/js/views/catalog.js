// catalog.js - the plant catalog (#/catalog?q=&light=&location=
// &difficulty_max=&pet_safe=&cursor=): search, filters and paging with
// the API's cursor.  The filters live in the URL, so back and forward
// step through searches and pages.

import * as api from '../api.js';
import { h, field, loaded, loading, problemBox, replace, title } from '../dom.js';
import { LIGHTS, LOCATIONS } from '../format.js';
import { plantCard } from '../plants.js';

const PAGE = 8;
const FILTERS = ['q', 'light', 'location', 'difficulty_max', 'pet_safe'];

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

  const results = h('section', { 'aria-labelledby': 'results-title', class: 'results' });
  replace(ctx.main, title('Plant catalog'), form, results);
  load(ctx, results);
}

async function load(ctx, results) {
  const query = { limit: PAGE };
  for (const k of FILTERS) if (ctx.query.get(k)) query[k] = ctx.query.get(k);
  const cursor = ctx.query.get('cursor');
  if (cursor) query.cursor = cursor;
  loading(results, 'Loading plants…');
  let page;
  try {
    page = (await api.get('/plants', { query, signal: ctx.signal })).data;
  } catch (err) {
    if (!ctx.isCurrent()) return;
    loaded(results);
    replace(results, problemBox(err, null,
      h('button', { type: 'button', onclick: () => load(ctx, results) }, 'Try again')));
    return;
  }
  if (!ctx.isCurrent()) return;
  loaded(results);
  const items = Array.isArray(page.items) ? page.items : [];
  const filtered = FILTERS.some((k) => ctx.query.get(k));
  const heading = h('h2', { id: 'results-title' }, filtered ? 'Matching plants' : 'All plants');
  if (!items.length) {
    replace(results, heading, h('p', { role: 'status' }, cursor
      ? 'No more plants.'
      : 'No plants match these filters. Try fewer filters or another word.'));
    return;
  }
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages' });
  const base = new URLSearchParams(ctx.query);
  base.delete('cursor');
  if (cursor) pager.append(h('a', { class: 'button secondary small', href: `#/catalog${base.size ? `?${base}` : ''}` }, 'First page'));
  if (page.next_cursor) {
    const next = new URLSearchParams(base);
    next.set('cursor', page.next_cursor);
    pager.append(h('a', { class: 'button small', href: `#/catalog?${next}`, rel: 'next' }, 'Next page'));
  }
  replace(results, heading,
    h('p', { class: 'count', role: 'status' }, `${items.length} plant${items.length === 1 ? '' : 's'} on this page.`),
    h('ul', { class: 'cards' }, items.map((p) => plantCard(p, 'h3'))),
    pager.childNodes.length ? pager : null);
}
