// confirm.js - "Confirm your email address" (#/confirm?email=): the code
// from the sign-up email, and a way to ask for a new one.

import * as api from '../api.js';
import { h, field, busy, onSubmit, okBox, problemBox, replace, title } from '../dom.js';

/** Renders the view into ctx.main. */
export function render(ctx) {
  ctx.setTitle('Confirm your email address');
  const email = field({ label: 'Email address', name: 'email', type: 'email', required: true,
    autocomplete: 'email', value: ctx.query.get('email') || '' });
  const code = field({ label: 'Confirmation code', name: 'code', required: true,
    autocomplete: 'one-time-code', inputmode: 'numeric', maxlength: 16,
    hint: 'The code from the email we sent you.' });
  const box = h('div', { class: 'form-status' });
  const resend = h('button', { type: 'button', class: 'secondary' }, 'Send a new code');
  const form = h('form', { class: 'narrow' }, email.wrap, code.wrap,
    h('p', { class: 'actions' }, h('button', { type: 'submit' }, 'Confirm'), resend));

  onSubmit(form, 'Confirming…', box, async () => {
    const addr = email.input.value.trim();
    try {
      await api.post('/auth/confirm', { email: addr, code: code.input.value.trim() });
    } catch (err) {
      if (err.status === 400) err.text = 'That code is wrong or has expired. Check the email, or ask for a new code.';
      throw err;
    }
    ctx.notify('Your email address is confirmed. You can log in now.', { after: true });
    ctx.navigate(`/login?email=${encodeURIComponent(addr)}`);
    return null;
  });

  resend.addEventListener('click', async () => {
    if (!email.input.reportValidity()) return;
    const done = busy(resend, 'Sending…');
    replace(box);
    try {
      await api.post('/auth/resend-code', { email: email.input.value.trim() });
      replace(box, okBox('If an account waits for confirmation at this address, a new code is on its way.'));
    } catch (err) {
      replace(box, problemBox(err, err.status === 501
        ? 'This server cannot send new codes. Please use the code you already have.' : null));
    } finally {
      done();
    }
  });

  replace(ctx.main, title('Confirm your email address'), box, form);
}
