// profile.js - "Profile" (#/profile): name, experience level, room and
// notification preferences (saved with If-Match, with a clear message
// when another tab saved first), password change, and deleting the
// account after a typed confirmation.

import * as api from '../api.js';
import {
  h, busy, field, fieldError, loaded, loading, okBox, onSubmit, problemBox, replace, title,
} from '../dom.js';
import { EXPERIENCE, ROOM_LIGHTS } from '../format.js';
import { passwordField, policyMet } from '../password.js';

const PREFS = [
  ['watering_reminders', 'Watering reminders'],
  ['care_tips', 'Care tips'],
  ['newsletter', 'The GrowVRD newsletter'],
  ['product_updates', 'News about GrowVRD itself'],
];
const CONFIRM_WORD = 'DELETE';

/** Renders the view into ctx.main. */
export function render(ctx) {
  ctx.setTitle('Profile');
  const status = h('div', { class: 'form-status', 'aria-live': 'polite' });
  const body = h('div', {});
  replace(ctx.main, title('Profile'), status, body);
  load(ctx, { status, body });
}

async function load(ctx, ui, note) {
  loading(ui.body, 'Loading your profile…');
  let r;
  try {
    r = await api.get('/users/me', { auth: true, signal: ctx.signal });
  } catch (err) {
    if (!ctx.isCurrent()) return;
    loaded(ui.body);
    replace(ui.body, problemBox(err, null,
      h('button', { type: 'button', onclick: () => load(ctx, ui) }, 'Try again')));
    return;
  }
  if (!ctx.isCurrent()) return;
  loaded(ui.body);
  const version = r.version ?? r.data.version;
  replace(ui.body, profileForm(ctx, ui, r.data, version, note), passwordForm(), deleteForm(ctx));
}

function profileForm(ctx, ui, me, version, note) {
  const prefs = me.notification_preferences || {};
  const room = me.room_conditions || {};
  const name = field({ label: 'Name', name: 'name', value: me.name || '', maxlength: 100, autocomplete: 'name' });
  const level = field({ label: 'Experience with plants', name: 'experience_level', type: 'select',
    value: me.experience_level || '', options: [['', 'Not set'], ...EXPERIENCE] });
  const checks = PREFS.map(([key, label]) => [key, field({ label, name: key, type: 'checkbox', value: prefs[key] === true })]);
  const light = field({ label: 'Light in your home', name: 'light', type: 'select', value: room.light || '',
    options: [['', 'Not set'], ...ROOM_LIGHTS] });
  const humidity = field({ label: 'Humidity', name: 'humidity', type: 'select', value: room.humidity || '',
    options: [['', 'Not set'], ['low', 'Low'], ['medium', 'Medium'], ['high', 'High']] });
  const temp = field({ label: 'Usual temperature (°F)', name: 'temperature_f', type: 'number', min: 30, max: 110,
    step: 1, inputmode: 'numeric', value: typeof room.temperature_f === 'number' ? String(room.temperature_f) : '' });
  const pets = field({ label: 'I have pets', name: 'has_pets', type: 'checkbox', value: room.has_pets === true });
  const box = h('div', { class: 'form-status' }, note || null);
  const form = h('form', { 'aria-labelledby': 'me-title' },
    h('h2', { id: 'me-title' }, 'About you'),
    h('p', { class: 'muted' }, `Signed in as ${me.email}.`),
    h('div', { class: 'grid-fields' }, name.wrap, level.wrap),
    h('fieldset', {}, h('legend', {}, 'Your home'),
      h('div', { class: 'grid-fields' }, light.wrap, humidity.wrap, temp.wrap), pets.wrap),
    h('fieldset', {}, h('legend', {}, 'Emails we may send you'), checks.map(([, f]) => f.wrap)),
    box,
    h('p', { class: 'actions' }, h('button', { type: 'submit' }, 'Save profile')));

  onSubmit(form, 'Saving…', box, async () => {
    const body = {
      experience_level: level.input.value || undefined,
      notification_preferences: Object.fromEntries(checks.map(([k, f]) => [k, f.input.checked])),
      room_conditions: {
        light: light.input.value || null,
        humidity: humidity.input.value || null,
        temperature_f: temp.input.value === '' ? null : Number(temp.input.value),
        has_pets: pets.input.checked,
      },
    };
    if (name.input.value.trim()) body.name = name.input.value.trim();
    try {
      await api.patch('/users/me', body, { auth: true, ifMatch: version });
    } catch (err) {
      if (err.status === 412) {
        load(ctx, ui, h('div', { class: 'problem', role: 'alert' },
          h('p', {}, 'Your profile was changed in another tab or device after you opened this page, so nothing was saved.'),
          h('p', {}, 'The form now shows the latest version: check it, make your change again and save.')));
        return null;
      }
      throw err;
    }
    if (!ctx.isCurrent()) return null;
    load(ctx, ui, okBox('Your profile is saved.'));
    return null;
  });
  return h('section', { class: 'panel' }, form);
}

function passwordForm() {
  const old = field({ label: 'Current password', name: 'old_password', type: 'password', required: true,
    autocomplete: 'current-password' });
  const next = passwordField({ label: 'New password', name: 'new_password', autocomplete: 'new-password' });
  const box = h('div', { class: 'form-status' });
  const form = h('form', { 'aria-labelledby': 'pw-title' },
    h('h2', { id: 'pw-title' }, 'Change your password'), old.wrap, next.wrap, box,
    h('p', { class: 'actions' }, h('button', { type: 'submit' }, 'Change password')));
  onSubmit(form, 'Changing…', box, async () => {
    fieldError(next, '');
    if (!policyMet(next.input.value)) {
      fieldError(next, 'The password does not meet every rule above yet.');
      next.input.focus();
      return null;
    }
    try {
      await api.post('/auth/change-password',
        { old_password: old.input.value, new_password: next.input.value }, { auth: true });
    } catch (err) {
      if (err.status === 400) err.text = 'The current password is wrong, or the new one is not accepted.';
      throw err;
    }
    form.reset();
    next.input.dispatchEvent(new Event('input'));
    return okBox('Your password is changed.');
  });
  return h('section', { class: 'panel' }, form);
}

function deleteForm(ctx) {
  const confirm = field({ label: `Type ${CONFIRM_WORD} to confirm`, name: 'confirm', autocomplete: 'off',
    hint: 'This removes your profile, your plants and your subscriptions, and closes your account. It cannot be undone.' });
  const button = h('button', { type: 'submit', class: 'danger', disabled: true }, 'Delete my account');
  const box = h('div', { class: 'form-status' });
  confirm.input.addEventListener('input', () => {
    button.disabled = confirm.input.value.trim() !== CONFIRM_WORD;
  });
  const form = h('form', { 'aria-labelledby': 'del-title' },
    h('h2', { id: 'del-title' }, 'Delete your account'), confirm.wrap, box, h('p', { class: 'actions' }, button));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (confirm.input.value.trim() !== CONFIRM_WORD) return;
    const done = busy(button, 'Deleting…');
    replace(box);
    try {
      await api.del('/users/me', { auth: true });
    } catch (err) {
      if (!ctx.isCurrent()) return;
      done();
      replace(box, problemBox(err));
      return;
    }
    api.forgetSession();
    ctx.notify('Your account is deleted. Goodbye, and thank you for growing with us.', { after: true });
    ctx.navigate('/catalog', { replace: true });
  });
  return h('section', { class: 'panel' }, form);
}
