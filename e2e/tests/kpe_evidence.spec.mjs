// Citing evidence from a key practice episode's page: a chronology entry with why it is cited,
// shown on the page, and removed again.
import { test, expect } from '@playwright/test';
import { DEMO_LEAD, signIn, checkAccessibility, keep } from './helpers.mjs';

test('a reviewer cites a chronology entry as evidence for a key practice episode', async ({ page }) => {
  await signIn(page, DEMO_LEAD);
  await page.getByRole('link', { name: 'Child W', exact: true }).click();
  await page.locator('nav').getByRole('link', { name: 'Key practice episodes' }).first().click();
  await page.locator('main a[href*="/kpes/"]').filter({ hasNotText: 'Add' }).first().click();
  await expect(page.getByRole('heading', { name: 'Evidence', level: 2 })).toBeVisible();
  const rows = page.locator('table:has(caption:text("Evidence cited")) tbody tr');
  const before = await rows.count();

  // Nothing chosen: the field says so and the form stays open.
  await page.getByText('Cite evidence').click();
  await page.getByRole('button', { name: 'Cite it' }).click();
  await expect(page.locator('.error-summary')).toContainText('Choose the chronology entry or document to cite');
  await checkAccessibility(page, 'KPE page with an evidence error');

  // An entry not yet cited, with why.
  const options = await page.locator('#cite option').evaluateAll((os) => os.map((o) => ({ value: o.value, text: o.textContent })));
  const cited = await page.locator('table:has(caption:text("Evidence cited")) tbody td:first-child').allInnerTexts();
  const choice = options.find((o) => o.value.startsWith('chronology_entry:') && !cited.some((c) => c.startsWith(o.text.slice(0, 30))));
  expect(choice, 'an entry not yet cited').toBeTruthy();
  await page.selectOption('#cite', choice.value);
  await page.fill('#evidence_note', 'what the health visitor knew that day');
  await page.getByRole('button', { name: 'Cite it' }).click();
  await expect(rows).toHaveCount(before + 1);
  await expect(page.getByRole('cell', { name: 'what the health visitor knew that day' })).toBeVisible();
  await checkAccessibility(page, 'KPE page with cited evidence');
  await keep(page, 'page-kpe-evidence');

  // And removed again.
  const row = rows.filter({ hasText: 'what the health visitor knew that day' });
  await row.getByRole('button', { name: /^Remove/ }).click();
  await expect(rows).toHaveCount(before);
});
