// admin-edit.js - add (#/admin/new) or edit (#/admin/plants/{id}) a
// catalog plant, for the admin group only.  The form is made from the
// plant schema below (the fields of plants.tsv, API.md "Plants"); an
// edit sends If-Match with the version it loaded.

import * as api from '../api.js';
import {
  h, field, fieldError, loaded, loading, onSubmit, problemBox, replace, title,
} from '../dom.js';
import { LIGHTS, LOCATIONS, today } from '../format.js';
import { forgetPlants, plantName } from '../plants.js';

// [name, kind, label, default, control attributes]
// kinds: id, text (required), text0 (may be empty), textarea, int, num,
// bool, list (comma separated), date, json (an object).
const GROUPS = [
  ['Identity', [
    ['id', 'id', 'Id', '', { maxlength: 64, pattern: '[A-Za-z0-9_\\-]{1,64}',
      hint: '1 to 64 letters, digits, _ or -. It cannot change later.' }],
    ['name', 'text', 'Name', '', { maxlength: 128, hint: 'Lower case with underscores, like snake_plant.' }],
    ['scientific_name', 'text', 'Scientific name', '', { maxlength: 128 }],
    ['description', 'textarea', 'Description', '', { maxlength: 2000, wide: true }],
    ['searchable_text', 'text0', 'Extra search words', '', { maxlength: 1000, wide: true }],
    ['image_url', 'text0', 'Image address', '', { maxlength: 512, wide: true }],
  ]],
  ['Light', [
    ['natural_sunlight_needs', 'text', 'Natural light needs', 'indirect', { maxlength: 64, list: 'admin-lights' }],
    ['natural_sunlight_required', 'bool', 'Needs natural sunlight', false, {}],
    ['led_light_requirements', 'text', 'Grow-light needs', 'medium', { maxlength: 64 }],
    ['recommended_light_wattage', 'num', 'Recommended grow-light watts', 20, { min: 0, max: 10000 }],
    ['led_wattage_min', 'num', 'Grow-light watts, least', 10, { min: 0, max: 10000 }],
    ['led_wattage_max', 'num', 'Grow-light watts, most', 30, { min: 0, max: 10000 }],
  ]],
  ['Water and care', [
    ['water_frequency_days', 'int', 'Water every (days)', 7, { min: 1, max: 365 }],
    ['watering_method_preference', 'text', 'Watering method', 'top_watering', { maxlength: 64 }],
    ['humidity_preference', 'text', 'Humidity', 'moderate', { maxlength: 64 }],
    ['difficulty', 'int', 'Difficulty (1 to 10)', 3, { min: 1, max: 10 }],
    ['maintenance', 'text', 'Maintenance', 'low', { maxlength: 64 }],
    ['drought_tolerance', 'int', 'Drought tolerance (0 to 10)', 5, { min: 0, max: 10 }],
    ['overwatering_sensitivity', 'int', 'Overwatering sensitivity (0 to 10)', 5, { min: 0, max: 10 }],
    ['soil_preference', 'text', 'Soil', 'standard_potting_soil', { maxlength: 64 }],
    ['soil_replacement_days', 'int', 'Replace soil every (days)', 365, { min: 0, max: 100000 }],
    ['fertilizer_days', 'int', 'Fertilise every (days)', 30, { min: 0, max: 100000 }],
    ['growth_rate_days', 'int', 'Growth rate (days)', 30, { min: 0, max: 100000 }],
  ]],
  ['Where it grows', [
    ['toxic_to_pets', 'bool', 'Toxic to pets', false, {}],
    ['indoor_compatible', 'bool', 'Grows indoors', true, {}],
    ['compatible_locations', 'list', 'Good places', [], { wide: true,
      hint: `Separate with commas. Known places: ${LOCATIONS.map(([v]) => v).join(', ')}.` }],
    ['size', 'text', 'Size', 'medium', { maxlength: 64 }],
    ['temperature_min', 'num', 'Lowest temperature (°F)', 55, { min: -100, max: 200 }],
    ['temperature_max', 'num', 'Highest temperature (°F)', 85, { min: -100, max: 200 }],
    ['temperature_ideal', 'num', 'Ideal temperature (°F)', 70, { min: -100, max: 200 }],
  ]],
  ['More', [
    ['functions', 'list', 'Uses', [], { hint: 'Separate with commas.' }],
    ['propagation_methods', 'list', 'Propagation methods', [], { hint: 'Separate with commas.' }],
    ['common_pests', 'list', 'Common pests', [], { hint: 'Separate with commas.' }],
    ['product_ids', 'list', 'Product ids', [], { hint: 'Separate with commas.' }],
    ['perenual_id', 'int', 'Perenual id', 0, { min: 0, max: 2147483647 }],
    ['perenual_verified', 'bool', 'Perenual verified', false, {}],
    ['care_history', 'json', 'Care history (JSON object)', {}, { wide: true }],
    ['created_at', 'date', 'Created', null, {}],
    ['updated_at', 'date', 'Updated', null, {}],
    ['last_updated', 'date', 'Last reviewed', null, {}],
  ]],
];
const FIELDS = GROUPS.flatMap(([, f]) => f);

/** Renders the view into ctx.main. */
export function render(ctx) {
  const editing = Boolean(ctx.params.id);
  ctx.setTitle(editing ? 'Edit plant' : 'Add a plant');
  if (!editing) {
    draw(ctx, null, null);
    return;
  }
  load(ctx);
}

async function load(ctx) {
  loading(ctx.main, 'Loading the plant…');
  try {
    const r = await api.get(`/plants/${encodeURIComponent(ctx.params.id)}`, { signal: ctx.signal });
    if (!ctx.isCurrent()) return;
    loaded(ctx.main);
    draw(ctx, r.data, r.version ?? r.data.version);
  } catch (err) {
    if (!ctx.isCurrent()) return;
    loaded(ctx.main);
    replace(ctx.main, title('Edit plant'), problemBox(err, null,
      err.retryable ? h('button', { type: 'button', onclick: () => load(ctx) }, 'Try again') : null,
      h('a', { href: '#/admin' }, 'Back to the catalog admin')));
  }
}

function control(spec, plant) {
  const [name, kind, label, dflt, extra] = spec;
  let value = plant ? plant[name] : (kind === 'date' ? today() : dflt);
  const o = { label, name, ...extra };
  if (kind === 'bool') return field({ ...o, type: 'checkbox', value: value === true });
  if (kind === 'list') value = Array.isArray(value) ? value.join(', ') : '';
  if (kind === 'json') return field({ ...o, type: 'textarea', rows: 3, spellcheck: 'false', value: JSON.stringify(value ?? {}) });
  if (kind === 'textarea') return field({ ...o, type: 'textarea', required: true, value: value ?? '' });
  const type = { int: 'number', num: 'number', date: 'date' }[kind] || 'text';
  return field({
    ...o, type, value: value ?? '',
    required: kind !== 'text0' && kind !== 'list',
    step: kind === 'int' ? 1 : kind === 'num' ? 'any' : undefined,
    readonly: kind === 'id' && plant ? true : undefined,
  });
}

function valueOf(spec, f) {
  const [, kind] = spec;
  const v = f.input.value;
  switch (kind) {
  case 'bool': return f.input.checked;
  case 'int': case 'num': return v === '' ? null : Number(v);
  case 'list': return v.split(',').map((s) => s.trim()).filter(Boolean);
  case 'json': {
    const o = JSON.parse(v || '{}');
    if (!o || typeof o !== 'object' || Array.isArray(o)) throw new SyntaxError('not an object');
    return o;
  }
  case 'text': case 'textarea': case 'id': return v.trim();
  default: return v;
  }
}

function draw(ctx, plant, version) {
  const heading = plant ? `Edit ${plantName(plant)}` : 'Add a plant';
  const controls = new Map(FIELDS.map((spec) => [spec[0], control(spec, plant)]));
  const box = h('div', { class: 'form-status' });
  const form = h('form', { 'aria-label': heading },
    GROUPS.map(([legend, specs]) => h('fieldset', {}, h('legend', {}, legend),
      h('div', { class: 'grid-fields' }, specs.map(([n]) => controls.get(n).wrap)))),
    h('datalist', { id: 'admin-lights' }, LIGHTS.map(([v, l]) => h('option', { value: v }, l))),
    box,
    h('p', { class: 'actions' }, h('button', { type: 'submit' }, plant ? 'Save changes' : 'Add plant'),
      h('a', { href: '#/admin' }, 'Cancel')));

  onSubmit(form, 'Saving…', box, async () => {
    const body = {};
    for (const spec of FIELDS) {
      const f = controls.get(spec[0]);
      fieldError(f, '');
      try {
        body[spec[0]] = valueOf(spec, f);
      } catch {
        fieldError(f, 'This must be a JSON object, like {}.');
        f.input.focus();
        return null;
      }
    }
    const id = body.id;
    try {
      if (plant) {
        await api.put(`/plants/${encodeURIComponent(id)}`, body, { auth: true, ifMatch: version });
      } else {
        await api.post('/plants', body, { auth: true });
      }
    } catch (err) {
      if (err.status === 409) err.text = `A plant with the id "${id}" already exists. Choose another id.`;
      if (err.status === 412) {
        err.text = 'Someone changed this plant after you opened it, so nothing was saved. Reload the page to see their version, then make your change again.';
      }
      if (err.status === 400) markField(controls, err);
      throw err;
    }
    forgetPlants();
    ctx.notify(`${plantName(body)} is ${plant ? 'saved' : 'in the catalog now'}.`, { after: true });
    ctx.navigate('/admin');
    return null;
  });

  replace(ctx.main, h('p', {}, h('a', { href: '#/admin' }, '← Catalog admin')), title(heading),
    h('p', { class: 'muted' }, 'Fields marked * are required.'), form);
}

// The 400's detail names the field it refused: mark that one.
function markField(controls, err) {
  const detail = (err.problem && err.problem.detail) || '';
  const names = [...controls.keys()].sort((a, b) => b.length - a.length);
  const hit = names.find((n) => new RegExp(`\\b${n}\\b`).test(detail));
  if (hit) {
    const f = controls.get(hit);
    fieldError(f, err.human);
    f.input.focus();
  }
}
