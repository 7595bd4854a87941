import { test, expect } from '@playwright/test';
import { WALKER, signIn, checkAccessibility, keep, openNewReview } from './helpers.mjs';

test('a reviewer makes a read-only token for one new review, a program uses it, and it is revoked', async ({ page, request }) => {
  await signIn(page, WALKER);
  const reviewUrl = await openNewReview(page, 'Programs review T');
  const reviewId = reviewUrl.split('/reviews/')[1].split(/[/?#]/)[0];
  await page.goto('/account');
  await page.getByRole('link', { name: 'Tokens for programs' }).click();
  await expect(page.getByRole('heading', { name: 'Tokens for programs', level: 1 })).toBeVisible();
  await checkAccessibility(page, 'tokens page');

  // Nothing named: refused, with the field named, and nothing made.
  await page.getByRole('button', { name: 'Make the token' }).click();
  await expect(page.locator('.error-summary')).toContainText('Name the token');
  await expect(page.getByText('You have no tokens.')).toBeVisible();

  await page.fill('#name', 'Performance dashboard');
  await page.getByLabel('Programs review T').check();
  await page.getByRole('button', { name: 'Make the token' }).click();
  const shown = page.locator('code.token');
  await expect(shown).toBeVisible();
  const token = (await shown.textContent()).trim();
  expect(token).toMatch(/^cwpat_/);
  await keep(page, 'tokens-01-made');
  await checkAccessibility(page, 'tokens page with a new token');

  // The program reads its one review, and nothing else.
  const auth = { Authorization: `Bearer ${token}` };
  const reviews = await request.get('/api/v1/reviews', { headers: auth });
  expect(reviews.status()).toBe(200);
  const list = await reviews.json();
  expect(list.total).toBe(1);
  expect(list.items[0].record.title).toBe('Programs review T');
  // It may not write.
  const write = await request.post(`/api/v1/reviews/${reviewId}/findings`, { headers: auth, data: { statement: 'x' } });
  expect(write.status()).toBe(403);
  expect(write.headers()['content-type']).toBe('application/problem+json');

  // Shown once: not on the page again, but listed with its last use.
  await page.goto('/account/tokens');
  await expect(page.locator('code.token')).toHaveCount(0);
  const row = page.getByRole('row', { name: /Performance dashboard/ });
  await expect(row).toContainText('Read only');
  await expect(row).toContainText('Programs review T');
  await expect(row).not.toContainText('Never');
  await keep(page, 'tokens-02-listed');

  await row.getByRole('button', { name: 'Revoke' }).click();
  await expect(page.getByRole('row', { name: /Performance dashboard/ })).toContainText('Revoked');
  const after = await request.get('/api/v1/reviews', { headers: auth });
  expect(after.status()).toBe(401);
});
