// Before publication: agencies named for publication, and the identifier scan's hits linked to
// the records they come from, with what the reviewer judges not identifying kept with a reason.
import { test, expect } from '@playwright/test';
import { DEMO_LEAD, signIn, checkAccessibility, keep } from './helpers.mjs';

test('a lead reviewer names agencies for publication and judges what the scan found', async ({ page }) => {
  await signIn(page, DEMO_LEAD);
  await page.getByRole('link', { name: 'Child W', exact: true }).click();
  const review = page.url().replace(/\/$/, '');

  // The surgery is published as the practice, not by its street.
  await page.getByRole('link', { name: 'Agencies' }).click();
  const field = page.getByLabel('Publication name for Millrace Lane Surgery');
  await expect(field).toHaveAttribute('placeholder', 'the GP practice');
  await field.fill('the family’s GP practice');
  await field.locator('xpath=ancestor::form').getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('Published as “the family’s GP practice”')).toBeVisible();
  await checkAccessibility(page, 'agencies with publication names');
  await keep(page, 'publication-01-agencies');
  await page.goto(`${review}/report`);
  await expect(page.locator('main')).toContainText('the family’s GP practice');
  await expect(page.locator('main')).not.toContainText('Millrace Lane Surgery');

  // The scan: each hit says where to fix it.
  await page.goto(`${review}/publication/scan`);
  await page.getByRole('button', { name: 'Run the identifier scan' }).click();
  const rows = page.locator('table.scan-hits tbody tr');
  expect(await rows.count()).toBeGreaterThan(0);
  const linked = page.locator('table.scan-hits tbody tr td:last-child a');
  expect(await linked.count()).toBeGreaterThan(0);
  await checkAccessibility(page, 'identifier scan with decisions');
  await keep(page, 'publication-02-scan');

  // Ticking without a reason is refused, naming the thing; with a reason it goes on.
  const first = page.locator('.decision').first();
  await first.getByRole('checkbox').check();
  await page.getByRole('button', { name: 'Continue to the sign-off' }).click();
  await expect(page.locator('.error-summary')).toContainText('does not identify anyone');
  await page.locator('.decision').first().getByRole('textbox').fill('A date the inquest made public');
  await page.getByRole('button', { name: 'Continue to the sign-off' }).click();
  await expect(page).toHaveURL(/\/publication\?scan=/);
  await keep(page, 'publication-03-sign-off');

  // Put the demo back as it was for the other tests.
  await page.goto(`${review}/agencies`);
  await page.getByLabel('Publication name for Millrace Lane Surgery').fill('');
  await page.getByLabel('Publication name for Millrace Lane Surgery')
    .locator('xpath=ancestor::form').getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('Published as “the GP practice”')).toBeVisible();
});
