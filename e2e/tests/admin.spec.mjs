// The report template: a platform administrator changes the standard wording without a rebuild;
// a broken PDF layout is refused with its line and nothing is saved.
import { test, expect } from '@playwright/test';
import { ADMIN, signIn, checkAccessibility, keep } from './helpers.mjs';

test('an administrator edits the report template and a broken layout is refused', async ({ page }) => {
  await signIn(page, ADMIN);
  await page.getByRole('link', { name: 'Report template' }).click();
  await expect(page.getByRole('heading', { name: 'Report template', level: 1 })).toBeVisible();
  await checkAccessibility(page, 'report template');
  await keep(page, 'page-admin-report-template');

  const layout = await page.locator('#layout').inputValue();
  await page.fill('#layout', layout + '\n#no-such-function()\n');
  await page.getByRole('button', { name: 'Save a new version' }).click();
  await expect(page.locator('.error-summary')).toContainText('line');
  await expect(page.locator('.error-summary')).toContainText('no-such-function');
  await checkAccessibility(page, 'report template with an error');

  await page.fill('#layout', layout);
  await page.fill('#briefing_close', 'Discuss the questions at your next team meeting.');
  await page.getByRole('button', { name: 'Save a new version' }).click();
  await expect(page.getByText(/Saved as version \d+/)).toBeVisible();
  await expect(page.locator('#briefing_close')).toHaveValue('Discuss the questions at your next team meeting.');

  // Administrators see no case content: the reports of a review are not theirs to read.
  const response = await page.request.get('/actions');
  expect(response.status()).toBe(404);
});
