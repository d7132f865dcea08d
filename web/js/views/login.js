// login.js - the "Log in" view (#/login?next=&email=).

import * as api from '../api.js';
import { h, field, onSubmit, replace, title } from '../dom.js';

/** Renders the view into ctx.main. */
export function render(ctx) {
  ctx.setTitle('Log in');
  const email = field({ label: 'Email address', name: 'email', type: 'email', required: true,
    autocomplete: 'username', value: ctx.query.get('email') || '' });
  const password = field({ label: 'Password', name: 'password', type: 'password',
    required: true, autocomplete: 'current-password' });
  const box = h('div', { class: 'form-status' });
  const form = h('form', { class: 'narrow', novalidate: false },
    email.wrap, password.wrap,
    h('p', { class: 'actions' }, h('button', { type: 'submit' }, 'Log in'),
      h('a', { href: '#/forgot' }, 'Forgot your password?')));

  onSubmit(form, 'Logging in…', box, async () => {
    try {
      await api.login(email.input.value.trim(), password.input.value);
    } catch (err) {
      if (err.status === 401) err.text = 'That email address and password do not match an account.';
      if (err.status === 403) {
        return h('div', { class: 'problem', role: 'alert' },
          h('p', {}, 'Please confirm your email address first: enter the code we sent you.'),
          h('p', {}, h('a', { href: `#/confirm?email=${encodeURIComponent(email.input.value.trim())}` },
            'Confirm my email address')));
      }
      throw err;
    }
    const next = ctx.query.get('next');
    ctx.notify('You are logged in.', { after: true });
    ctx.navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : '/my-plants',
      { replace: true });
    return null;
  });

  replace(ctx.main, title('Log in'),
    ctx.query.get('next') ? h('p', {}, 'Please log in to see that page.') : null,
    box, form,
    h('p', {}, 'New to GrowVRD? ', h('a', { href: '#/signup' }, 'Create an account'), '.'));
}
