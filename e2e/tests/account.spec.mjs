// Two-step sign-in set up and used in the browser, and the national analyst's de-identified
// view of the library.
import { test, expect } from '@playwright/test';
import crypto from 'node:crypto';
import { ANALYST, TWOSTEP, signIn, checkAccessibility, keep } from './helpers.mjs';

/** RFC 4648 base32 to bytes. */
function fromBase32(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0, value = 0;
  const out = [];
  for (const c of text.replace(/[\s=]/g, '').toUpperCase()) {
    value = (value << 5) | alphabet.indexOf(c);
    bits += 5;
    if (bits >= 8) { bits -= 8; out.push((value >>> bits) & 0xff); }
  }
  return Buffer.from(out);
}

const step = () => Math.floor(Date.now() / 1000 / 30);

/** The code for a time step (RFC 6238, HMAC-SHA1, 30 s, 6 digits). */
function totpAt(secret, counterValue) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(counterValue));
  const digest = crypto.createHmac('sha1', secret).update(counter).digest();
  const offset = digest[digest.length - 1] & 0x0f;
  const binary = digest.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 1_000_000).padStart(6, '0');
}

test('a user turns on two-step sign-in and then signs in with a code', async ({ page }) => {
  await signIn(page, TWOSTEP);
  await page.getByRole('link', { name: 'Tess Twostep' }).click();
  await expect(page.getByRole('heading', { name: 'Your account', level: 1 })).toBeVisible();
  await checkAccessibility(page, 'account');
  await keep(page, 'page-account');

  await page.getByRole('link', { name: 'Set up two-step sign-in' }).click();
  await expect(page.getByRole('img', { name: 'QR code for your authenticator app' })).toBeVisible();
  await checkAccessibility(page, 'two-step set-up');
  await keep(page, 'page-two-step');
  const secret = fromBase32(await page.locator('code.secret').innerText());

  // A wrong code is refused with the error at the top and on the field; the same key stays.
  await page.fill('#code', '12345');
  await page.getByRole('button', { name: 'Turn on two-step sign-in' }).click();
  await expect(page.locator('.error-summary')).toContainText('The code is not right');
  await checkAccessibility(page, 'two-step set-up with an error');
  await page.fill('#code', totpAt(secret, step()));
  await page.getByRole('button', { name: 'Turn on two-step sign-in' }).click();
  await expect(page.getByText('Two-step sign-in is on')).toBeVisible();

  // Sign out, and in again: the password alone leads only to the code page.
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.fill('#email', TWOSTEP.email);
  await page.fill('#password', TWOSTEP.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Enter the code from your authenticator app' })).toBeVisible();
  await checkAccessibility(page, 'sign-in code');
  await keep(page, 'page-sign-in-code');
  expect((await page.request.get('/', { maxRedirects: 0 })).headers()['location']).toBe('/sign-in');

  const current = totpAt(secret, step());
  await page.fill('#code', current === '000000' ? '111111' : '000000');
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.locator('.error-summary')).toContainText('The code is not right');
  // The next step's code is accepted too (the phone's clock may run ahead).
  const used = step() + 1;
  await page.fill('#code', totpAt(secret, used));
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByRole('heading', { name: 'Your reviews' })).toBeVisible();

  // A code is never accepted twice: turning it off with the code just used is refused.
  await page.goto('/account');
  await page.fill('#code', totpAt(secret, used));
  await page.getByRole('button', { name: 'Turn two-step sign-in off' }).click();
  await expect(page.locator('.error-summary')).toContainText('not right');
  // Once the clock reaches the used step, the step after it is within reach.
  await expect.poll(step, { timeout: 35_000, intervals: [1000] }).toBeGreaterThanOrEqual(used);
  await page.fill('#code', totpAt(secret, used + 1));
  await page.getByRole('button', { name: 'Turn two-step sign-in off' }).click();
  await expect(page.getByText('Two-step sign-in is off.')).toBeVisible();
});

test('a national analyst reads de-identified findings and nothing of any review', async ({ page }) => {
  await signIn(page, ANALYST);
  await expect(page.getByText('You are a national analyst')).toBeVisible();
  await page.getByRole('link', { name: 'Pattern library' }).click();
  await expect(page.getByRole('heading', { name: 'Pattern library', level: 1 })).toBeVisible();
  await checkAccessibility(page, 'library for a national analyst');
  await keep(page, 'page-library-analyst');
  const table = page.locator('table').filter({ hasText: 'Finding' }).first();
  // Reviews are shown by neutral codes, and no finding links into its review.
  await expect(page.getByText(/Review [1-9][0-9]{3}-[0-9]{4}-[0-9]{4}/).first()).toBeVisible();
  await expect(page.locator('a[href^="/reviews/"]')).toHaveCount(0);
  await expect(table).not.toContainText('Child W');
  for (const path of ['/actions', '/reviews/new']) {
    expect((await page.request.get(path)).status(), path).toBe(404);
  }
});
