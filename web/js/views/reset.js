// reset.js - "Choose a new password" (#/reset?email=): the emailed code
// and the new password, with live feedback on the policy.

import * as api from '../api.js';
import { h, field, fieldError, onSubmit, replace, title } from '../dom.js';
import { passwordField, policyMet } from '../password.js';

/** Renders the view into ctx.main. */
export function render(ctx) {
  ctx.setTitle('Choose a new password');
  const email = field({ label: 'Email address', name: 'email', type: 'email', required: true,
    autocomplete: 'username', value: ctx.query.get('email') || '' });
  const code = field({ label: 'Reset code', name: 'code', required: true,
    autocomplete: 'one-time-code', inputmode: 'numeric', maxlength: 16 });
  const password = passwordField({ label: 'New password', name: 'new_password', autocomplete: 'new-password' });
  const box = h('div', { class: 'form-status' });
  const form = h('form', { class: 'narrow' }, email.wrap, code.wrap, password.wrap,
    h('p', { class: 'actions' }, h('button', { type: 'submit' }, 'Save the new password')));

  onSubmit(form, 'Saving…', box, async () => {
    fieldError(password, '');
    if (!policyMet(password.input.value)) {
      fieldError(password, 'The password does not meet every rule above yet.');
      password.input.focus();
      return null;
    }
    const addr = email.input.value.trim();
    try {
      await api.post('/auth/reset-password', {
        email: addr, code: code.input.value.trim(), new_password: password.input.value,
      });
    } catch (err) {
      if (err.status === 400) err.text = 'That code is wrong or has expired, or the password is not accepted. Check both and try again.';
      throw err;
    }
    ctx.notify('Your password is changed. Log in with the new one.', { after: true });
    ctx.navigate(`/login?email=${encodeURIComponent(addr)}`);
    return null;
  });

  replace(ctx.main, title('Choose a new password'), box, form,
    h('p', {}, 'No code yet? ', h('a', { href: '#/forgot' }, 'Ask for one'), '.'));
}
