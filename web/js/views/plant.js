// plant.js - one plant of the catalog (#/plants/{id}): its care facts
// and, for a signed-in person, "Add to my plants".

import * as api from '../api.js';
import { h, field, loaded, loading, okBox, onSubmit, problemBox, replace, title } from '../dom.js';
import {
  difficultyLabel, humanize, lightLabel, listText, temperatureText, today,
} from '../format.js';
import { petBadge, plantName } from '../plants.js';

/** Renders the view into ctx.main. */
export function render(ctx) {
  ctx.setTitle('Plant');
  load(ctx);
}

async function load(ctx) {
  loading(ctx.main, 'Loading the plant…');
  let plant;
  try {
    plant = (await api.get(`/plants/${encodeURIComponent(ctx.params.id)}`, { signal: ctx.signal })).data;
  } catch (err) {
    if (!ctx.isCurrent()) return;
    loaded(ctx.main);
    replace(ctx.main, title(err.status === 404 ? 'Plant not found' : 'Plant'),
      problemBox(err, err.status === 404 ? 'There is no plant with this address in the catalog.' : null,
        err.retryable ? h('button', { type: 'button', onclick: () => load(ctx) }, 'Try again') : null,
        h('a', { href: '#/catalog' }, 'Back to the catalog')));
    return;
  }
  if (!ctx.isCurrent()) return;
  loaded(ctx.main);
  ctx.setTitle(plantName(plant));
  const user = api.currentUser();
  replace(ctx.main,
    h('p', {}, h('a', { href: '#/catalog' }, '← Catalog')),
    title(plantName(plant)),
    plant.scientific_name ? h('p', { class: 'sci' }, humanize(plant.scientific_name)) : null,
    h('p', { class: 'badges' }, petBadge(plant)),
    plant.description ? h('p', { class: 'overflow-text' }, plant.description) : null,
    h('h2', {}, 'Care'),
    facts(plant),
    user ? addForm(ctx, plant) : h('p', { class: 'panel' },
      h('a', { href: `#/login?next=${encodeURIComponent(`/plants/${plant.id}`)}` }, 'Log in'),
      ' to add this plant to your plants and get watering reminders.'),
    user && user.admin ? h('p', {}, h('a', { class: 'button secondary', href: `#/admin/plants/${encodeURIComponent(plant.id)}` },
      'Edit in the catalog admin')) : null);
}

function fact(term, value) {
  if (value === undefined || value === null || value === '') return null;
  return h('div', {}, h('dt', {}, term), h('dd', {}, value));
}

function facts(p) {
  const days = (n) => (typeof n === 'number' && n > 0 ? `Every ${n} day${n === 1 ? '' : 's'}` : null);
  return h('dl', { class: 'facts' },
    fact('Light', lightLabel(p.natural_sunlight_needs)),
    fact('Grow light', p.led_light_requirements
      ? `${humanize(p.led_light_requirements)}${typeof p.recommended_light_wattage === 'number' ? `, about ${p.recommended_light_wattage} W` : ''}` : ''),
    fact('Water', days(p.water_frequency_days)
      && days(p.water_frequency_days)
      + (p.watering_method_preference ? ` (${humanize(p.watering_method_preference).toLowerCase()})` : '')),
    fact('Humidity', humanize(p.humidity_preference)),
    fact('Difficulty', difficultyLabel(p.difficulty)),
    fact('Temperature', temperatureText(p)),
    fact('Pets', p.toxic_to_pets ? 'Toxic to cats and dogs: keep out of reach' : 'Safe for cats and dogs'),
    fact('Maintenance', humanize(p.maintenance)),
    fact('Size', humanize(p.size)),
    fact('Good places', listText(p.compatible_locations)),
    fact('Soil', humanize(p.soil_preference)),
    fact('Fertilise', days(p.fertilizer_days)),
    fact('Common pests', listText(p.common_pests)),
    fact('Propagation', listText(p.propagation_methods)));
}

function addForm(ctx, plant) {
  const locations = Array.isArray(plant.compatible_locations) ? plant.compatible_locations : [];
  const listId = `loc-${plant.id}`;
  const nickname = field({ label: 'Nickname (optional)', name: 'nickname', maxlength: 100,
    hint: 'A name for your own plant, like "Kitchen basil".' });
  const location = field({ label: 'Where it lives (optional)', name: 'location', maxlength: 64,
    list: listId, hint: locations.length ? `Suits: ${listText(locations)}.` : null });
  const acquired = field({ label: 'Date you got it (optional)', name: 'acquired', type: 'date', max: today() });
  const box = h('div', { class: 'form-status' });
  const form = h('form', {},
    h('div', { class: 'grid-fields' }, nickname.wrap, location.wrap, acquired.wrap),
    h('datalist', { id: listId }, locations.map((l) => h('option', { value: l }, humanize(l)))),
    h('p', { class: 'actions' }, h('button', { type: 'submit' }, 'Add to my plants')));
  onSubmit(form, 'Adding…', box, async () => {
    const body = {};
    if (nickname.input.value.trim()) body.nickname = nickname.input.value.trim();
    if (location.input.value.trim()) body.location = location.input.value.trim();
    if (acquired.input.value) body.acquired = acquired.input.value;
    await api.put(`/users/me/plants/${encodeURIComponent(plant.id)}`, body, { auth: true });
    form.reset();
    return okBox(h('p', {}, `${body.nickname || plantName(plant)} is in your plants now. `,
      h('a', { href: '#/my-plants' }, 'Go to my plants'), '.'));
  });
  return h('section', { class: 'panel', 'aria-labelledby': 'add-title' },
    h('h2', { id: 'add-title' }, 'Add to my plants'), box, form);
}

