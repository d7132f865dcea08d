// format.js - words and dates for people: catalog values such as
// "low_indirect" or "hanging_planter" become "Low, indirect" and
// "Hanging planter"; times become local dates.  Output is plain text.

/** "snake_plant" -> "Snake plant" (any other text is kept as it is). */
export function humanize(s) {
  const t = String(s ?? '').replace(/_/g, ' ').trim();
  return t ? t[0].toUpperCase() + t.slice(1) : '';
}

/** Light needs of the catalog (natural_sunlight_needs). */
export const LIGHTS = [
  ['low_indirect', 'Low, indirect light'],
  ['indirect', 'Indirect light'],
  ['bright_indirect', 'Bright, indirect light'],
  ['direct', 'Direct sun'],
];

/** Light of a room, as recommendations take it. */
export const ROOM_LIGHTS = [
  ['low', 'Low (no direct sun)'],
  ['medium', 'Medium (indirect light)'],
  ['bright', 'Bright (near a window)'],
  ['direct', 'Direct sun'],
];

/** Places plants are kept (compatible_locations of the catalog). */
export const LOCATIONS = [
  'balcony', 'bathroom', 'bedroom', 'desk', 'hanging_planter', 'kitchen',
  'living_room', 'office', 'shelf', 'sunny_window', 'terrace', 'windowsill',
].map((v) => [v, humanize(v)]);

export const EXPERIENCE = [
  ['beginner', 'Beginner'],
  ['intermediate', 'Intermediate'],
  ['expert', 'Expert'],
];

/** The label of a light value, or the value made readable. */
export function lightLabel(v) {
  const hit = LIGHTS.find(([k]) => k === v);
  return hit ? hit[1] : humanize(v);
}

/** "Easy", "Moderate" or "Hard" for a difficulty of 1..10. */
export function difficultyLabel(n) {
  if (typeof n !== 'number') return '';
  const word = n <= 3 ? 'easy' : n <= 6 ? 'moderate' : 'hard';
  return `${n} of 10 (${word})`;
}

const dateFmt = new Intl.DateTimeFormat('en', { dateStyle: 'medium' });

/** An RFC 3339 time or YYYY-MM-DD date as a local date, '' if absent. */
export function dateText(v) {
  if (!v) return '';
  const d = /^\d{4}-\d{2}-\d{2}$/.test(v) ? new Date(`${v}T12:00:00`) : new Date(v);
  return Number.isNaN(d.getTime()) ? String(v) : dateFmt.format(d);
}

/** Whole days from today (local) to the time v; negative when past. */
export function daysFromToday(v) {
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) return null;
  const day = (x) => Date.UTC(x.getFullYear(), x.getMonth(), x.getDate());
  return Math.round((day(d) - day(new Date())) / 86400000);
}

/** "4.99" USD -> "$4.99". */
export function money(amount, currency) {
  const n = Number(amount);
  if (!Number.isFinite(n)) return `${amount} ${currency || ''}`.trim();
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency: currency || 'USD' }).format(n);
  } catch {
    return `${amount} ${currency}`;
  }
}

/** "monthly" -> "a month", "yearly" -> "a year". */
export function perPeriod(p) {
  return { monthly: 'a month', yearly: 'a year' }[p] || humanize(p);
}

/** Temperatures of the catalog, in degrees Fahrenheit. */
export function temperatureText(p) {
  const parts = [];
  if (typeof p.temperature_min === 'number' && typeof p.temperature_max === 'number') {
    parts.push(`${p.temperature_min}–${p.temperature_max}\u00a0°F`);
  }
  if (typeof p.temperature_ideal === 'number') parts.push(`ideal ${p.temperature_ideal}\u00a0°F`);
  return parts.join(', ');
}

/** A list of catalog words made readable: "Office, Bedroom". */
export function listText(a) {
  return Array.isArray(a) ? a.map(humanize).join(', ') : '';
}

/** Today as YYYY-MM-DD (local). */
export function today() {
  const d = new Date();
  const z = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${z(d.getMonth() + 1)}-${z(d.getDate())}`;
}
