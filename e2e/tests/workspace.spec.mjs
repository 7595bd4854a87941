// The workspace at a reviewer's pace (issue 20), each from a new review, not the demo.
import { test, expect } from '@playwright/test';
import { WALKER, signIn, openNewReview, checkAccessibility, keep } from './helpers.mjs';

test('an action past its date is overdue, not also on track', async ({ page }) => {
  await signIn(page, WALKER);
  const review = await openNewReview(page, `Child O ${Date.now()}`);
  await page.goto(`${review}/agencies`);
  await page.fill('#name', 'Harrowgate Housing Options');
  await page.selectOption('#sector', 'housing');
  await page.getByRole('button', { name: 'Add the agency' }).click();

  await page.goto(`${review}/actions`);
  await page.selectOption('#owner_agency_id', { label: 'Harrowgate Housing Options' });
  await page.fill('#description', 'Write the temporary accommodation transfer protocol.');
  await page.fill('#due_on', '2024-01-31');
  await page.getByRole('button', { name: 'Add the action' }).click();
  const card = page.locator('.card', { hasText: 'temporary accommodation transfer protocol' });
  await card.getByText('Update this action').click();
  await card.getByLabel('Status').selectOption({ label: 'On track' });
  await card.getByRole('button', { name: 'Update the action' }).click();

  const updated = page.locator('.card', { hasText: 'temporary accommodation transfer protocol' });
  await expect(updated.locator('strong.tag')).toHaveText(['Overdue']);
  await expect(updated).toContainText('last recorded as on track');
  await checkAccessibility(page, 'actions with an overdue action');
  await keep(page, 'workspace-11-actions-overdue');

  await page.goto('/actions');
  const row = page.locator('tr', { hasText: 'temporary accommodation transfer protocol' });
  await expect(row.locator('strong.tag')).toHaveText(['Overdue']);
  await expect(row).toContainText('last recorded as on track');
  await expect(row).not.toContainText('On track');
  await expect(page.getByText(/actions\. Overdue: 1; open: 0; on track: 0;/)).toBeVisible();
  await keep(page, 'workspace-11-tracker-overdue');
});
