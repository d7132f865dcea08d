// password.js - the password policy of API.md ("min 8, upper, lower,
// digit, symbol") as live feedback under a password field.

import { h, field } from './dom.js';

const RULES = [
  ['length', 'At least 8 characters', (s) => s.length >= 8],
  ['upper', 'An upper-case letter', (s) => /[A-Z]/.test(s)],
  ['lower', 'A lower-case letter', (s) => /[a-z]/.test(s)],
  ['digit', 'A digit', (s) => /[0-9]/.test(s)],
  ['symbol', 'A symbol, like ! or #', (s) => /[^A-Za-z0-9\s]/.test(s)],
];

/** True when s meets every rule. */
export function policyMet(s) {
  return RULES.every(([, , ok]) => ok(s));
}

/**
 * A password field with its rules listed below, each ticked as it is met
 * (announced politely).  o: field options (label, name, autocomplete).
 * Returns the field object of dom.field plus rules (the list).
 */
export function passwordField(o) {
  const f = field({ type: 'password', required: true, ...o });
  const items = RULES.map(([key, text]) => h('li', { dataset: { rule: key } },
    text, h('span', { class: 'visually-hidden' }, '')));
  const rules = h('ul', { class: 'rules', id: `${f.input.id}-rules`, 'aria-live': 'polite' }, items);
  f.input.setAttribute('aria-describedby',
    `${f.input.getAttribute('aria-describedby')} ${rules.id}`);
  const update = () => {
    const v = f.input.value;
    RULES.forEach(([, text, ok], i) => {
      const met = ok(v);
      items[i].classList.toggle('met', met);
      items[i].lastChild.textContent = met ? ' (done)' : '';
    });
  };
  f.input.addEventListener('input', update);
  f.error.before(rules);
  const show = h('button', {
    type: 'button', class: 'secondary small', 'aria-pressed': 'false',
    onclick: () => {
      const shown = f.input.type === 'text';
      f.input.type = shown ? 'password' : 'text';
      show.setAttribute('aria-pressed', String(!shown));
      show.textContent = shown ? 'Show password' : 'Hide password';
    },
  }, 'Show password');
  f.wrap.append(h('p', { class: 'actions' }, show));
  update();
  return { ...f, rules };
}
