// main.mjs - runs the web tests in order (tests/web/run is the entry).
// `tests/web/run word...` runs only tests whose name holds one of the
// words.  Prints one line per test, then "N passed, N failed".

import { closeBrowser, shots, tests, totals } from './lib.mjs';
import './test_static.mjs';
import './test_journey.mjs';
import './test_catalog.mjs';
import './test_admin.mjs';
import './test_xss.mjs';
import './test_session.mjs';
import './test_people.mjs';
import './test_problems.mjs';
import './test_totals.mjs';
import './test_payments.mjs';

const words = process.argv.slice(2);
let passed = 0;
let failed = 0;
const t0 = Date.now();

for (const t of tests) {
  if (words.length && !words.some((w) => t.name.includes(w))) continue;
  const start = Date.now();
  try {
    await t.fn();
    passed += 1;
    console.log(`ok - ${t.name} (${((Date.now() - start) / 1000).toFixed(1)}s)`);
  } catch (err) {
    failed += 1;
    const msg = (err && err.message ? err.message : String(err)).replace(/\s+/g, ' ').slice(0, 600);
    console.log(`FAIL - ${t.name}: ${msg}`);
  }
}
await closeBrowser();
console.log(`# ${shots.length} screenshots; over the run: ${totals.csp.length} CSP violations, `
  + `${totals.console.length} console errors, ${totals.pageErrors.length} page errors, `
  + `${totals.apiErrors.length} API error answers the tests asked for; ${((Date.now() - t0) / 1000).toFixed(0)}s`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
