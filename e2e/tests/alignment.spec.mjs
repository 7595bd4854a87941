// Reviewers' decisions on the side-by-side chronology: confirming that entries record the same
// occurrence, splitting one off, and linking a possible information-sharing gap to a KPE.
import { test, expect } from '@playwright/test';
import { DEMO_LEAD, signIn, checkAccessibility, keep } from './helpers.mjs';

test('a reviewer confirms, splits and links from the side-by-side chronology', async ({ page }) => {
  await signIn(page, DEMO_LEAD);
  await page.getByRole('link', { name: 'Child W', exact: true }).click();
  await page.getByRole('link', { name: 'Chronologies' }).click();
  await page.selectOption('#view', 'side-by-side');
  await page.getByRole('button', { name: 'Show' }).click();
  await checkAccessibility(page, 'side-by-side chronology with decisions');

  const shared = page.locator('table.side-by-side tr.shared');
  const before = await shared.count();
  expect(before).toBeGreaterThan(1);

  // Confirm the first group: it says so, and the decision survives a reload.
  await shared.first().getByRole('button', { name: /^Confirm: the same occurrence/ }).click();
  await expect(shared.first().getByText('Confirmed by a reviewer')).toBeVisible();
  await page.reload();
  await expect(shared.first().getByText('Confirmed by a reviewer')).toBeVisible();

  // Split an entry off a group of two: one shared group fewer.
  let pair = -1;
  for (let i = 1; i < before && pair < 0; i += 1) {
    if (await shared.nth(i).getByRole('button', { name: /^Not the same occurrence/ }).count() === 2) pair = i;
  }
  expect(pair, 'a group of two entries').toBeGreaterThan(0);
  await shared.nth(pair).getByRole('button', { name: /^Not the same occurrence/ }).nth(1).click();
  await expect(shared).toHaveCount(before - 1);

  // Link the first possible gap to a key practice episode.
  const gap = page.locator('.gap-list details').first();
  await gap.locator('summary').click();
  await gap.getByRole('button', { name: 'Link the gap' }).click();
  const linked = page.locator('.gap-list details').first();
  await expect(linked.locator('summary')).toContainText('Linked');
  await linked.locator('summary').click();
  await expect(linked.getByText(/Linked to KPE/)).toBeVisible();
  await checkAccessibility(page, 'side-by-side chronology after decisions');
  await keep(page, 'page-chronology-side-by-side-decisions');
});
