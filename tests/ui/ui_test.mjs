// The web UI end to end in Debian's headless Chromium, driven by playwright-core, against a real
// `wsync serve` that run_ui_test.sh started (it passes the server, a credential and the SQLite
// warehouse in WSYNC_* variables). The tests run in order and share one browser page: sign in,
// create a sync through the wizard (with its error paths), activate and run it, watch its
// progress, edit its mapping, find a synced profile, then the token failures. axe-core checks
// every page; with WSYNC_SHOTS set, every page is photographed at 1280 and 800 px.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const BASE = process.env.WSYNC_BASE;
const CREDS = JSON.parse(process.env.WSYNC_CREDS);
const WAREHOUSE = process.env.WSYNC_WAREHOUSE;
const ROWS = Number(process.env.WSYNC_ROWS);
const SHOTS = process.env.WSYNC_SHOTS || '';
const TIMEOUT = 60_000;

let browser;
let page;
const pageErrors = [];
const outside = [];
const checked = new Set();

before(async () => {
  assert.match(BASE, /^http:\/\/127\.0\.0\.1:\d+$/);
  browser = await chromium.launch({
    executablePath: process.env.WSYNC_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    // Root in CI has no user namespaces for the sandbox; nothing but loopback may be resolved.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-dev-shm-usage', '--no-first-run',
      '--disable-sync', '--disable-background-networking',
      '--disable-component-update', '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(TIMEOUT);
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('console', (m) => {
    // A 4xx the UI asked for on purpose (bad SQL, wrong secret) is logged by Chromium as a
    // failed resource; anything else at error level is a bug.
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) pageErrors.push(m.text());
  });
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(`${BASE}/`) || url === BASE) return route.continue();
    outside.push(url);
    return route.abort();
  });
  if (SHOTS) mkdirSync(SHOTS, { recursive: true });
});

after(async () => {
  if (browser) await browser.close();
});

// No serious or critical axe-core violations on what is shown now.
async function axe(name) {
  await page.evaluate(AXE);
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`), [],
    `axe-core on ${name}`);
  checked.add(name);
}

async function shot(name) {
  if (!SHOTS) return;
  for (const width of [1280, 800]) {
    await page.setViewportSize({ width, height: 900 });
    await page.waitForTimeout(100);
    await page.screenshot({ path: join(SHOTS, `${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

// Moves the focus with Tab (keyboard only) until `predicate(document.activeElement)` holds.
async function tabTo(description, predicate, max = 40) {
  for (let i = 0; i < max; i += 1) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(predicate)) return;
  }
  assert.fail(`Tab never reached ${description}`);
}

// Waits until the text of `locator` matches `re`; answers the text.
async function waitForText(locator, re) {
  const end = Date.now() + TIMEOUT;
  let text = '';
  while (Date.now() < end) {
    text = (await locator.textContent().catch(() => '')) || '';
    if (re.test(text) && await locator.isVisible()) return text;
    await page.waitForTimeout(50);
  }
  return assert.fail(`'${text}' never matched ${re}`);
}

// The error slot of the form field labelled `label` (dom.js field(): label, control, hint, error).
function fieldError(label) {
  return page.locator(`xpath=//label[normalize-space()="${label}"]/following-sibling::p[contains(@class,"field-error")]`);
}

function wsync(...args) {
  return execFileSync(process.env.WSYNC_BIN, args, { encoding: 'utf8' });
}

async function signIn(creds) {
  await page.getByLabel('Client ID').fill(creds.client_id);
  await page.getByLabel('Client secret').fill(creds.client_secret);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

test('the UI is served with its security headers and no outside requests', async () => {
  const res = await fetch(`${BASE}/`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-security-policy'), /default-src 'self'/);
  assert.match(res.headers.get('content-security-policy'), /frame-ancestors 'none'/);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  const html = await res.text();
  assert.doesNotMatch(html, /https?:\/\//, 'index.html names no outside address');
});

test('sign-in refuses a wrong secret beside the field, then signs in', async () => {
  await page.goto(`${BASE}/`);
  await page.getByRole('heading', { name: 'Sign in to wsync' }).waitFor();
  await axe('sign-in');
  await shot('sign-in');
  await signIn({ client_id: CREDS.client_id, client_secret: 'not-the-secret' });
  await waitForText(fieldError('Client secret'), /not valid/);
  assert.equal(await page.evaluate(() => sessionStorage.getItem('wsync.session')), null);
  await signIn(CREDS);
  await page.getByRole('heading', { name: 'Syncs', exact: true }).waitFor();
  const stored = await page.evaluate(() => JSON.parse(sessionStorage.getItem('wsync.session')));
  assert.equal(stored.workspace, '1');
  assert.ok(stored.token.length > 20);
});

test('an empty syncs list leads into the wizard', async () => {
  await page.getByRole('heading', { name: 'No syncs yet' }).waitFor();
  await axe('syncs-empty');
  await shot('syncs-empty');
  await page.getByRole('link', { name: 'Create your first sync' }).click();
  await page.getByRole('heading', { name: /Step 1 of 5: Connection/ }).waitFor();
});

test('wizard 1: connection fields come from the provider registry; a failed test shows its error beside the field', async () => {
  // Every provider of the registry is offered; postgres asks for a password as a secret.
  const providers = await page.getByLabel('Warehouse provider').locator('option').allTextContents();
  for (const name of ['sqlite', 'postgres', 'redshift', 'snowflake', 'bigquery', 'databricks']) {
    assert.ok(providers.some((p) => p.startsWith(name)), `${name} offered`);
  }
  await page.getByLabel('Warehouse provider').selectOption('postgres');
  assert.equal(await page.getByLabel('Password').getAttribute('type'), 'password');
  assert.equal(await page.getByLabel('Port').getAttribute('type'), 'number');
  await page.getByLabel('Warehouse provider').selectOption('sqlite');

  await page.getByLabel('Connection name').fill('Shop warehouse');
  await page.getByLabel('Path (required)').fill(`${WAREHOUSE}.missing`);
  await page.getByRole('button', { name: 'Test connection' }).click();
  await waitForText(fieldError('Path (required)'), /is not available/);
  assert.equal(await page.getByLabel('Path (required)').getAttribute('aria-invalid'), 'true');
  await axe('wizard-connection-error');

  await page.getByLabel('Path (required)').fill(WAREHOUSE);
  await page.getByRole('button', { name: 'Test connection' }).click();
  await page.getByText(/Connected \(\d+ ms\)/).waitFor();
  assert.equal(await fieldError('Path (required)').isVisible(), false);
  await axe('wizard-connection');
  await shot('wizard-1-connection');
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('heading', { name: /Step 2 of 5: Data model/ }).waitFor();
});

test('wizard 2: bad SQL shows the warehouse message inline; Run shows columns and ten sample rows', async () => {
  const sql = page.getByLabel('SQL query');
  await sql.fill('SELECT customer_id, nope FROM customers');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await waitForText(fieldError('SQL query'), /no such column: nope/);

  await sql.fill('DELETE FROM customers');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await waitForText(fieldError('SQL query'), /must start with SELECT or WITH, found 'DELETE'/);
  await axe('wizard-model-error');

  await sql.fill('SELECT customer_id, email, first_name, plan, updated_at FROM customers');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.getByRole('heading', { name: 'Columns (5)' }).waitFor();
  await page.getByRole('heading', { name: 'Sample rows (10)' }).waitFor();
  assert.equal(await page.locator('table.sample tbody tr').count(), 10);
  assert.deepEqual(await page.locator('table.columns tbody tr td:first-child').allTextContents(),
    ['customer_id', 'email', 'first_name', 'plan', 'updated_at']);
  await page.getByLabel('Timestamp field (optional)').selectOption('updated_at');
  await axe('wizard-model');
  await shot('wizard-2-model');
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('heading', { name: /Step 3 of 5: Mapping/ }).waitFor();
});

test('wizard 3: identities pre-mapped, $unmapped to *, invalid mappings shown on their row', async () => {
  assert.equal(await page.getByLabel('user_identities row 1: source column').inputValue(), 'customer_id');
  assert.equal(await page.getByLabel('user_identities row 1: identity type').inputValue(), 'user_identities.customer_id');
  assert.equal(await page.getByLabel('user_identities row 2: source column').inputValue(), 'email');
  assert.equal(await page.getByLabel('user_identities row 2: identity type').inputValue(), 'user_identities.email');
  assert.equal(await page.getByLabel('user_attributes row 3: source column').inputValue(), '$unmapped');
  assert.equal(await page.getByLabel('user_attributes row 3: destination').inputValue(), '*');

  // A static Number that is not a number: refused before the API is asked.
  await page.getByRole('button', { name: 'Add user_attributes row' }).click();
  await page.getByLabel('user_attributes row 4: mapping type').selectOption('static');
  await page.getByLabel('user_attributes row 4: value type').selectOption('number');
  await page.getByLabel('user_attributes row 4: static value').fill('many');
  await page.getByLabel('user_attributes row 4: attribute name').fill('tier');
  await page.getByRole('button', { name: 'Next' }).click();
  await waitForText(page.locator('[data-row="3"] .field-error'), /numeric value/);

  // Two mappings to one destination: the API's refusal lands on the second row.
  await page.getByLabel('user_attributes row 4: static value').fill('3');
  await page.getByRole('button', { name: 'Add user_attributes row' }).click();
  await page.getByLabel('user_attributes row 5: mapping type').selectOption('static');
  await page.getByLabel('user_attributes row 5: static value').fill('gold');
  await page.getByLabel('user_attributes row 5: attribute name').fill('tier');
  await page.getByRole('button', { name: 'Next' }).click();
  await waitForText(page.locator('[data-row="4"] .field-error'), /already mapped by mapping 3/);
  await axe('wizard-mapping-error');
  await page.getByRole('button', { name: 'Remove user_attributes row 5' }).click();
  await axe('wizard-mapping');
  await shot('wizard-3-mapping');
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('heading', { name: /Step 4 of 5: Settings/ }).waitFor();
});

test('wizard 4: settings by keyboard alone; the iterator is chosen from the model\'s columns', async () => {
  // Incremental shows the iterator, offered from the discovered columns.
  await page.getByLabel(/^Incremental/).check();
  const iterators = await page.getByLabel('Iterator column').locator('option').allTextContents();
  assert.ok(iterators.includes('updated_at (string)') || iterators.some((t) => t.startsWith('updated_at')), iterators.join());
  await page.getByLabel('Iterator column').selectOption('customer_id');
  assert.equal(await page.getByLabel('Iterator type').inputValue(), 'integer');
  await axe('wizard-settings');
  await shot('wizard-4-settings');
  await page.getByLabel(/^Full/).check();

  // From the step's heading: Tab to the name, type it; Tab to the schedule type, arrow to
  // "On demand"; Enter submits the step.
  await page.getByRole('heading', { name: /Step 4 of 5/ }).focus();
  await tabTo('Sync name', () => document.activeElement.id && document.querySelector(`label[for="${document.activeElement.id}"]`)?.textContent === 'Sync name');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('Customers sync');
  await tabTo('Schedule type', () => document.activeElement.id && document.querySelector(`label[for="${document.activeElement.id}"]`)?.textContent === 'Schedule type');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.getByLabel('Schedule type').inputValue(), 'on_demand');
  assert.equal(await page.getByLabel('Frequency').isVisible(), false);
  await tabTo('Next', () => document.activeElement.textContent === 'Next');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: /Step 5 of 5: Review/ }).waitFor();
});

test('wizard 5: the preview shows sample profiles and what would change; Activate', async () => {
  await page.locator('.profile-preview').first().waitFor();
  assert.equal(await page.locator('.profile-preview').count(), 10);
  await page.getByRole('heading', { name: 'New profile 1', exact: true }).waitFor();
  const changes = await page.locator('.profile-preview').first().locator('table.changes').textContent();
  assert.match(changes, /identities\.customer_id/);
  assert.match(changes, /user_attributes\.tier/);
  await axe('wizard-review');
  await shot('wizard-5-review');
  await page.getByRole('button', { name: 'Activate' }).click();
  await page.getByRole('heading', { name: 'Customers sync', exact: true }).waitFor();
  await page.locator('.facts').getByText('Active', { exact: true }).waitFor();
});

test('sync detail: Run Sync shows progress without a reload, then the run\'s counts and row errors', async () => {
  const navigations = [];
  page.on('framenavigated', (f) => { if (f === page.mainFrame()) navigations.push(f.url()); });
  await page.getByText('No runs yet').waitFor();
  await page.getByRole('button', { name: 'Run Sync' }).click();
  const progress = page.locator('.in-progress .progress');
  await progress.waitFor();
  // Watch: record what the in-progress panel says until the run is over.
  const seen = [];
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const text = await page.locator('.in-progress').textContent().catch(() => null);
    if (text === null || (await page.locator('.in-progress').count()) === 0) break;
    seen.push(text);
    if (SHOTS && /running/.test(text) && /[1-9][\d,]* rows so far/.test(text) && !seen.shot) {
      seen.shot = true;
      await shot('sync-detail-running');
    }
    await page.waitForTimeout(150);
  }
  assert.ok(seen.length > 0, 'the in-progress run was shown');
  assert.ok(seen.some((t) => /rows so far/.test(t)), seen.join('\n'));
  const midway = seen.map((t) => /([\d,]+) rows so far/.exec(t)).filter(Boolean)
    .map((m) => Number(m[1].replace(/,/g, ''))).filter((n) => n > 0 && n < ROWS + 3);
  console.log(`progress seen: ${[...new Set(midway)].join(', ') || 'none between 0 and the end'}`);
  assert.deepEqual(navigations, [], 'no reload or navigation while polling');

  const first = page.locator('table.runs-table tbody tr').first();
  await first.getByText('succeeded').waitFor();
  const cells = await first.locator('td').allTextContents();
  assert.equal(cells[0], '1');
  assert.equal(cells[2], 'succeeded');
  assert.equal(cells[5], (ROWS + 3).toLocaleString('en-US'), 'extracted');
  assert.equal(cells[10], ROWS.toLocaleString('en-US'), 'profiles created');
  assert.equal(cells[9], '3', 'failed');
  await first.getByRole('button', { name: '3 row errors' }).click();
  await page.getByRole('heading', { name: /Row errors of run 1 \(3\)/ }).waitFor();
  assert.match(await page.locator('.row-errors').textContent(), /no_identity/);
  await axe('sync-detail');
  await shot('sync-detail');
});

test('sync detail: Pause and Resume; tabs work by keyboard', async () => {
  await page.getByRole('button', { name: 'Pause' }).click();
  await page.locator('.facts').getByText('Paused', { exact: true }).first().waitFor();
  await page.getByRole('button', { name: 'Resume' }).click();
  await page.locator('.facts').getByText('Active', { exact: true }).waitFor();
  await page.getByRole('tab', { name: 'Data Model' }).focus();
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.getByRole('tab', { name: 'Mapping' }).getAttribute('aria-selected'), 'true');
  await page.getByRole('tabpanel', { name: 'Mapping' }).getByText('user_attributes.tier').waitFor();
  await page.keyboard.press('ArrowRight');
  await page.getByRole('tabpanel', { name: 'Settings' }).getByText('On demand').waitFor();
  await axe('sync-detail-settings');
  await shot('sync-detail-settings-tab');
});

test('editing the mapping reopens its wizard step and saves it', async () => {
  await page.getByRole('tab', { name: 'Mapping' }).click();
  await page.getByRole('link', { name: 'Edit mapping' }).click();
  await page.getByRole('heading', { name: 'Mapping', exact: true }).waitFor();
  await page.getByRole('button', { name: 'Add user_attributes row' }).click();
  await page.getByLabel('user_attributes row 5: mapping type').selectOption('static');
  await page.getByLabel('user_attributes row 5: static value').fill('ui');
  await page.getByLabel('user_attributes row 5: attribute name').fill('signup_source');
  await axe('wizard-edit-mapping');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('heading', { name: 'Customers sync', exact: true }).waitFor();
  await page.getByRole('tab', { name: 'Mapping' }).click();
  await page.getByRole('tabpanel', { name: 'Mapping' }).getByText('user_attributes.signup_source').waitFor();
});

test('the syncs list groups syncs by provider with state, frequency and last run', async () => {
  await page.getByRole('link', { name: 'Syncs', exact: true }).click();
  await page.getByRole('heading', { name: /^sqlite/ }).waitFor();
  const row = page.locator('table.syncs tbody tr').first();
  const cells = await row.locator('td').allTextContents();
  assert.equal(cells[0], 'Customers sync');
  assert.equal(cells[2], 'Active');
  assert.equal(cells[3], 'On demand');
  assert.match(cells[4], /succeeded/);
  await axe('syncs');
  await shot('syncs');
});

test('profiles: a synced profile by email, with attribute sources', async () => {
  await page.getByRole('link', { name: 'Profiles', exact: true }).click();
  await page.getByRole('heading', { name: 'Profiles', exact: true }).waitFor();
  await page.getByLabel('Identity type').selectOption('email');
  await page.getByLabel('Identity value').fill('  Customer5@Example.com ');
  await page.getByRole('button', { name: 'Look up' }).click();
  await page.getByRole('heading', { name: /^Profile \d+$/ }).waitFor();
  const text = await page.locator('.profile').textContent();
  assert.match(text, /customer5@example\.com/);
  const plan = page.locator('table.attributes tbody tr', { hasText: 'plan' });
  const cells = await plan.locator('td').allTextContents();
  assert.deepEqual([cells[0], cells[1], cells[3]], ['plan', 'team', '1']);
  assert.match(cells[2], /^customers-sync-/);
  assert.match(cells[4], /^2024-05-06 05:00:00 UTC$/);
  await axe('profiles');
  await shot('profiles');

  await page.getByLabel('Identity value').fill('nobody@example.com');
  await page.getByRole('button', { name: 'Look up' }).click();
  await page.getByText('No development profile has email = nobody@example.com.').waitFor();
});

test('an invalid token sends the user back to sign-in with a message', async () => {
  await page.evaluate(() => {
    const s = JSON.parse(sessionStorage.getItem('wsync.session'));
    s.token = 'not-a-token';
    sessionStorage.setItem('wsync.session', JSON.stringify(s));
  });
  await page.getByRole('link', { name: 'Syncs', exact: true }).click();
  await page.getByRole('heading', { name: 'Sign in to wsync' }).waitFor();
  await page.getByText(/session has expired or was revoked/).waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.getItem('wsync.session')), null);
});

// The syncs page once its data has arrived.
async function syncsLoaded() {
  await page.locator('table.syncs').first().waitFor();
}

test('an expired session (past expires_in) and a revoked credential both end at sign-in', async () => {
  await signIn(CREDS);
  await syncsLoaded();
  await page.evaluate(() => {
    const s = JSON.parse(sessionStorage.getItem('wsync.session'));
    s.expires_at = Date.now() - 1000;
    sessionStorage.setItem('wsync.session', JSON.stringify(s));
  });
  await page.getByRole('link', { name: 'Profiles', exact: true }).click();
  await page.getByText('Your session has expired. Sign in again.').waitFor();

  const other = JSON.parse(wsync('credentials', 'create', '--data-dir', process.env.WSYNC_DATA_DIR, '--workspace', '1'));
  await signIn(other);
  await syncsLoaded();
  wsync('credentials', 'revoke', '--data-dir', process.env.WSYNC_DATA_DIR, '--workspace', '1', '--client-id', other.client_id);
  await page.getByRole('link', { name: 'Profiles', exact: true }).click();
  await page.getByLabel('Identity value').fill('customer1@example.com');
  await page.getByRole('button', { name: 'Look up' }).click();
  await page.getByText(/session has expired or was revoked/).waitFor();
});

test('sign-out forgets the token', async () => {
  await signIn(CREDS);
  await page.getByRole('heading', { name: 'Syncs', exact: true }).waitFor();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in to wsync' }).waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.getItem('wsync.session')), null);
  await page.goto(`${BASE}/#/syncs`);
  await page.getByRole('heading', { name: 'Sign in to wsync' }).waitFor();
});

test('no script errors, no request beyond the server, axe-core on every page', () => {
  assert.deepEqual(pageErrors, []);
  assert.deepEqual(outside, []);
  for (const name of ['sign-in', 'syncs-empty', 'wizard-connection', 'wizard-model', 'wizard-mapping',
    'wizard-settings', 'wizard-review', 'sync-detail', 'syncs', 'profiles']) {
    assert.ok(checked.has(name), `axe-core checked ${name}`);
  }
});
