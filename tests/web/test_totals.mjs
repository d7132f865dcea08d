// test_totals.mjs - the closing check over every tab of the run.

import { expect, test, totals } from './lib.mjs';

test('no CSP violation, console error or page error over the whole run', () => {
  expect(!totals.csp.length, `${totals.csp.length} CSP violations: ${totals.csp.join(' | ')}`);
  expect(!totals.console.length, `${totals.console.length} console errors: ${totals.console.join(' | ')}`);
  expect(!totals.pageErrors.length, `${totals.pageErrors.length} page errors: ${totals.pageErrors.join(' | ')}`);
});
