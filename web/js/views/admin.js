// admin.js - catalog admin (#/admin?cursor=), for the admin group only:
// every plant with edit and delete, and a way to add one.

import * as api from '../api.js';
import { h, busy, loaded, loading, okBox, problemBox, replace, title } from '../dom.js';
import { forgetPlants, plantName } from '../plants.js';

const PAGE = 20;

/** Renders the view into ctx.main. */
export function render(ctx) {
  ctx.setTitle('Catalog admin');
  const status = h('div', { class: 'form-status', 'aria-live': 'polite' });
  const list = h('section', { 'aria-label': 'Plants in the catalog' });
  replace(ctx.main, title('Catalog admin'),
    h('p', { class: 'actions' }, h('a', { class: 'button', href: '#/admin/new' }, 'Add a plant')),
    status, list);
  load(ctx, { status, list });
}

async function load(ctx, ui) {
  loading(ui.list, 'Loading the catalog…');
  const cursor = ctx.query.get('cursor');
  let page;
  try {
    page = (await api.get('/plants', { signal: ctx.signal, query: { limit: PAGE, cursor } })).data;
  } catch (err) {
    if (!ctx.isCurrent()) return;
    loaded(ui.list);
    replace(ui.list, problemBox(err, null,
      h('button', { type: 'button', onclick: () => load(ctx, ui) }, 'Try again')));
    return;
  }
  if (!ctx.isCurrent()) return;
  loaded(ui.list);
  const items = page.items || [];
  const rows = items.map((p) => row(ctx, ui, p));
  replace(ui.list,
    h('div', { class: 'table-wrap' }, h('table', {},
      h('caption', {}, `${items.length} plant${items.length === 1 ? '' : 's'} on this page`),
      h('thead', {}, h('tr', {}, ['Name', 'Id', 'Version', 'Actions'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, rows))),
    h('nav', { class: 'pager', 'aria-label': 'Pages' },
      cursor ? h('a', { class: 'button secondary small', href: '#/admin' }, 'First page') : null,
      page.next_cursor ? h('a', { class: 'button small', rel: 'next',
        href: `#/admin?${new URLSearchParams({ cursor: page.next_cursor })}` }, 'Next page') : null));
}

function row(ctx, ui, p) {
  const name = plantName(p);
  const del = h('button', { type: 'button', class: 'danger small' }, 'Delete');
  const actions = h('td', { class: 'actions-cell' }, h('p', { class: 'actions' },
    h('a', { class: 'button secondary small', href: `#/admin/plants/${encodeURIComponent(p.id)}`,
      'aria-label': `Edit ${name}` }, 'Edit'),
    del));
  const tr = h('tr', { dataset: { plant: p.id } },
    h('td', {}, h('a', { href: `#/plants/${encodeURIComponent(p.id)}` }, name)),
    h('td', {}, p.id), h('td', {}, String(p.version ?? '')), actions);
  del.setAttribute('aria-label', `Delete ${name}`);
  del.addEventListener('click', () => {
    const yes = h('button', { type: 'button', class: 'danger small' }, 'Yes, delete');
    const no = h('button', { type: 'button', class: 'secondary small' }, 'Keep');
    const ask = h('div', { class: 'confirm', role: 'group', 'aria-label': `Confirm deleting ${name}` },
      h('p', {}, `Delete ${name} from the catalog for everyone?`), yes, no);
    del.hidden = true;
    actions.append(ask);
    no.focus();
    no.addEventListener('click', () => { ask.remove(); del.hidden = false; del.focus(); });
    yes.addEventListener('click', async () => {
      const done = busy(yes, 'Deleting…');
      try {
        await api.del(`/plants/${encodeURIComponent(p.id)}`, { auth: true });
      } catch (err) {
        if (!ctx.isCurrent()) return;
        done();
        replace(ui.status, problemBox(err, err.status === 404 ? `${name} was already deleted.` : null));
        return;
      }
      if (!ctx.isCurrent()) return;
      forgetPlants();
      tr.remove();
      replace(ui.status, okBox(`${name} was deleted from the catalog.`));
      ctx.main.querySelector('h1').focus();
    });
  });
  return tr;
}
