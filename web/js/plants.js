// plants.js - pieces of plant display shared by several views: the
// name, the pet-toxicity badge, the care badges and a card.

import * as api from './api.js';
import { h } from './dom.js';
import { difficultyLabel, humanize, lightLabel } from './format.js';

/** The display name of a catalog plant. */
export function plantName(p) {
  return humanize(p && p.name) || (p && p.id) || 'Unnamed plant';
}

/** "Toxic to pets" (red) or "Safe for pets" (green), as text. */
export function petBadge(p) {
  return p.toxic_to_pets
    ? h('span', { class: 'badge toxic' }, 'Toxic to pets')
    : h('span', { class: 'badge safe' }, 'Safe for pets');
}

/** The short care facts of a plant as badges. */
export function careBadges(p) {
  return h('ul', { class: 'badges', 'aria-label': 'Care' },
    h('li', {}, petBadge(p)),
    p.natural_sunlight_needs ? h('li', { class: 'badge' }, lightLabel(p.natural_sunlight_needs)) : null,
    typeof p.water_frequency_days === 'number'
      ? h('li', { class: 'badge' }, p.water_frequency_days === 1 ? 'Water every day'
        : `Water every ${p.water_frequency_days} days`) : null,
    typeof p.difficulty === 'number' ? h('li', { class: 'badge' }, `Difficulty ${difficultyLabel(p.difficulty)}`) : null);
}

/** A card linking to the plant's page; extra: nodes at the bottom. */
export function plantCard(p, headingLevel = 'h2', ...extra) {
  return h('li', { class: 'card', dataset: { plant: p.id } },
    h(headingLevel, {}, h('a', { href: `#/plants/${encodeURIComponent(p.id)}` }, plantName(p))),
    p.scientific_name ? h('p', { class: 'sci' }, humanize(p.scientific_name)) : null,
    careBadges(p),
    extra.length ? extra : null);
}

const cache = new Map();

/** A catalog plant by id (cached for the page's life), or null if gone. */
export async function fetchPlant(id, signal) {
  if (!cache.has(id)) {
    cache.set(id, api.get(`/plants/${encodeURIComponent(id)}`, { signal })
      .then((r) => r.data)
      .catch((err) => {
        cache.delete(id);
        if (err.status === 404) return null;
        throw err;
      }));
  }
  return cache.get(id);
}

/** Forget cached plants (after an admin edit). */
export function forgetPlants() {
  cache.clear();
}
