// forgot.js - "Forgot your password?" (#/forgot): asks for a reset code.

import * as api from '../api.js';
import { h, field, onSubmit, replace, title } from '../dom.js';

/** Renders the view into ctx.main. */
export function render(ctx) {
  ctx.setTitle('Reset your password');
  const email = field({ label: 'Email address', name: 'email', type: 'email', required: true,
    autocomplete: 'email', value: ctx.query.get('email') || '' });
  const box = h('div', { class: 'form-status' });
  const form = h('form', { class: 'narrow' }, email.wrap,
    h('p', { class: 'actions' }, h('button', { type: 'submit' }, 'Send me a code')));

  onSubmit(form, 'Sending…', box, async () => {
    const addr = email.input.value.trim();
    await api.post('/auth/forgot-password', { email: addr });
    ctx.notify('If an account uses this address, we sent it a code to reset the password.', { after: true });
    ctx.navigate(`/reset?email=${encodeURIComponent(addr)}`);
    return null;
  });

  replace(ctx.main, title('Reset your password'),
    h('p', {}, 'Enter the email address of your account. We will send you a code to choose a new password.'),
    box, form,
    h('p', {}, 'Already have a code? ', h('a', { href: '#/reset' }, 'Enter it here'), '.'));
}
