// app.js - the shell of the GrowVRD app: the route table, the menu, the
// notice area, and loading one view module per route.
//
// Routes live in the URL's fragment ("#/plants/p001?..."), so every view
// has its own URL, back and forward work, and nginx serves one file.
// Private routes need a session; after log out (or when the session ends)
// they send the person to log in and never show what they held.

import * as api from './api.js';
import { h, replace, title } from './dom.js';

// [pattern, view module, access ('public' | 'user' | 'admin' | 'guest'),
//  names of the captured parts]
const ROUTES = [
  [/^\/catalog$/, 'catalog', 'public'],
  [/^\/plants\/([A-Za-z0-9_-]{1,64})$/, 'plant', 'public', ['id']],
  [/^\/plans$/, 'plans', 'public'],
  [/^\/billing\/return$/, 'billing-return', 'user'],
  [/^\/my-plants$/, 'my-plants', 'user'],
  [/^\/recommendations$/, 'recommendations', 'user'],
  [/^\/profile$/, 'profile', 'user'],
  [/^\/admin$/, 'admin', 'admin'],
  [/^\/admin\/new$/, 'admin-edit', 'admin'],
  [/^\/admin\/plants\/([A-Za-z0-9_-]{1,64})$/, 'admin-edit', 'admin', ['id']],
  [/^\/login$/, 'login', 'guest'],
  [/^\/signup$/, 'signup', 'guest'],
  [/^\/confirm$/, 'confirm', 'guest'],
  [/^\/forgot$/, 'forgot', 'guest'],
  [/^\/reset$/, 'reset', 'guest'],
];

// [route, label, who sees it: 'all' | 'in' | 'out' | 'admin']
const MENU = [
  ['/catalog', 'Catalog', 'all'],
  ['/my-plants', 'My plants', 'in'],
  ['/recommendations', 'Recommendations', 'in'],
  ['/plans', 'Plans', 'all'],
  ['/admin', 'Admin', 'admin'],
  ['/profile', 'Profile', 'in'],
  ['/login', 'Log in', 'out'],
  ['/signup', 'Sign up', 'out'],
];

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const navList = document.getElementById('nav-list');
const menuButton = document.getElementById('menu-toggle');
const notice = document.getElementById('notice');

let current = null;        // {controller} of the view on screen
let pendingNotice = null;  // shown after the next route change
let renderCount = 0;

/** The route of the URL: {path, query}. */
function location() {
  const raw = window.location.hash.startsWith('#/') ? window.location.hash.slice(1) : '/';
  const q = raw.indexOf('?');
  return {
    path: q < 0 ? raw : raw.slice(0, q),
    query: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)),
  };
}

/** Go to a route ("/catalog?q=x"); replace: no new history entry. */
export function navigate(to, { replace: rep = false } = {}) {
  const url = `#${to}`;
  if (window.location.hash === url) {
    render();
  } else if (rep) {
    history.replaceState(null, '', url);
    render();
  } else {
    window.location.hash = url;   // hashchange renders
  }
}

/** A message for the status area; after: show it after the next route. */
export function notify(text, { after = false, kind = 'info' } = {}) {
  if (after) {
    pendingNotice = { text, kind };
    return;
  }
  notice.className = `notice ${kind}`;
  notice.textContent = text;
  notice.hidden = !text;
}

function drawMenu() {
  const user = api.currentUser();
  const here = location().path;
  const items = MENU.filter(([, , who]) => who === 'all'
    || (who === 'in' && user) || (who === 'out' && !user)
    || (who === 'admin' && user && user.admin))
    .map(([to, label]) => h('li', {}, h('a', {
      href: `#${to}`,
      'aria-current': here === to || here.startsWith(`${to}/`) ? 'page' : null,
    }, label)));
  if (user) {
    items.push(h('li', {}, h('button', {
      type: 'button', class: 'link', id: 'logout', onclick: logOut,
    }, 'Log out')));
  }
  replace(navList, items);
  document.getElementById('who').textContent = user ? user.email : '';
}

async function logOut(ev) {
  ev.currentTarget.disabled = true;
  await api.logout();
  // The history keeps the private URLs; rendering any of them now leads
  // to the log-in page, so "back" shows nothing of the session.
  notify('You are logged out.', { after: true });
  navigate('/login', { replace: true });
}

function closeMenu() {
  nav.classList.remove('open');
  menuButton.setAttribute('aria-expanded', 'false');
}

function staticView(heading, ...body) {
  replace(main, title(heading), body);
  document.title = `${heading} · GrowVRD`;
}

async function render() {
  const n = ++renderCount;
  if (current) current.controller.abort();
  const controller = new AbortController();
  current = { controller };
  closeMenu();
  drawMenu();
  notify(pendingNotice ? pendingNotice.text : '', { kind: pendingNotice ? pendingNotice.kind : 'info' });
  pendingNotice = null;

  const { path, query } = location();
  if (path === '/') {
    navigate(api.currentUser() ? '/my-plants' : '/catalog', { replace: true });
    return;
  }
  const route = ROUTES.find(([re]) => re.test(path));
  main.removeAttribute('aria-busy');
  if (!route) {
    staticView('Page not found', h('p', {}, 'There is no page at this address. '),
      h('p', {}, h('a', { href: '#/catalog' }, 'Browse the plant catalog')));
    focusTitle();
    return;
  }
  const [re, name, access, keys = []] = route;
  const user = api.currentUser();
  if ((access === 'user' || access === 'admin') && !user) {
    navigate(`/login?next=${encodeURIComponent(path + (query.size ? `?${query}` : ''))}`,
      { replace: true });
    return;
  }
  if (access === 'admin' && !user.admin) {
    staticView('Admin only',
      h('p', { class: 'status-code' }, '403 Forbidden'),
      h('p', {}, 'Only GrowVRD administrators can manage the plant catalog. Your account is not one of them.'),
      h('p', {}, h('a', { href: '#/catalog' }, 'Back to the catalog')));
    focusTitle();
    return;
  }
  if (access === 'guest' && user && name === 'login') {
    navigate('/my-plants', { replace: true });
    return;
  }
  const params = {};
  const m = re.exec(path);
  keys.forEach((k, i) => { params[k] = decodeURIComponent(m[i + 1]); });

  replace(main);
  let view;
  try {
    view = await import(`./views/${name}.js`);
  } catch {
    if (n === renderCount) {
      staticView('Could not load this page',
        h('p', { role: 'alert' }, 'This page could not be loaded. Check your connection, then reload.'));
    }
    return;
  }
  if (n !== renderCount) return;
  const ctx = {
    main, params, query, signal: controller.signal,
    navigate, notify,
    setTitle: (t) => { document.title = `${t} · GrowVRD`; },
    isCurrent: () => n === renderCount,
  };
  view.render(ctx);
  focusTitle();
}

// Move focus to the new page's heading so keyboard and screen-reader
// users start at the top of what changed (not on the first load).
let firstRender = true;
function focusTitle() {
  const t = main.querySelector('h1');
  if (t && !firstRender) t.focus({ preventScroll: true });
  firstRender = false;
  window.scrollTo(0, 0);
}

menuButton.addEventListener('click', () => {
  const open = !nav.classList.contains('open');
  nav.classList.toggle('open', open);
  menuButton.setAttribute('aria-expanded', String(open));
});

document.getElementById('skip').addEventListener('click', (ev) => {
  ev.preventDefault();
  main.focus();
});

window.addEventListener('hashchange', () => {
  if (window.location.hash.startsWith('#/') || window.location.hash === '') render();
});

api.events.addEventListener('change', drawMenu);
api.events.addEventListener('expired', () => {
  const { path, query } = location();
  notify('Your session has ended. Please log in again.', { after: true, kind: 'warn' });
  if (path !== '/login') {
    navigate(`/login?next=${encodeURIComponent(path + (query.size ? `?${query}` : ''))}`,
      { replace: true });
  }
});

window.addEventListener('offline', () => notify('You are offline. What you see may be out of date.', { kind: 'warn' }));
window.addEventListener('online', () => notify('You are back online.'));

render();
