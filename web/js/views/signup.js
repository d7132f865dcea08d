// signup.js - the "Create an account" view (#/signup), with live
// feedback on the password policy.

import * as api from '../api.js';
import { h, field, fieldError, onSubmit, replace, title } from '../dom.js';
import { passwordField, policyMet } from '../password.js';

/** Renders the view into ctx.main. */
export function render(ctx) {
  ctx.setTitle('Create an account');
  const name = field({ label: 'Your name (optional)', name: 'name', autocomplete: 'name', maxlength: 100 });
  const email = field({ label: 'Email address', name: 'email', type: 'email', required: true,
    autocomplete: 'email', hint: 'We send a confirmation code to this address.' });
  const password = passwordField({ label: 'Password', name: 'password', autocomplete: 'new-password' });
  const box = h('div', { class: 'form-status' });
  const form = h('form', { class: 'narrow' }, name.wrap, email.wrap, password.wrap,
    h('p', { class: 'actions' }, h('button', { type: 'submit' }, 'Create account')));

  onSubmit(form, 'Creating your account…', box, async () => {
    fieldError(password, '');
    if (!policyMet(password.input.value)) {
      fieldError(password, 'The password does not meet every rule above yet.');
      password.input.focus();
      return null;
    }
    const body = { email: email.input.value.trim(), password: password.input.value };
    if (name.input.value.trim()) body.name = name.input.value.trim();
    try {
      await api.post('/auth/register', body);
    } catch (err) {
      if (err.status === 409) {
        return h('div', { class: 'problem', role: 'alert' },
          h('p', {}, 'An account with this email address already exists.'),
          h('p', { class: 'actions' }, h('a', { href: `#/login?email=${encodeURIComponent(body.email)}` }, 'Log in'),
            h('a', { href: '#/forgot' }, 'Reset the password')));
      }
      throw err;
    }
    ctx.notify(`We sent a confirmation code to ${body.email}.`, { after: true });
    ctx.navigate(`/confirm?email=${encodeURIComponent(body.email)}`);
    return null;
  });

  replace(ctx.main, title('Create an account'), box, form,
    h('p', {}, 'Already have an account? ', h('a', { href: '#/login' }, 'Log in'), '.'));
}
