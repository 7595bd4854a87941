// Changing a participant's role: the change is saved with a reason, and nobody changes their own
// role (so the review's lead reviewer cannot step down and leave it without one).
import { test, expect } from '@playwright/test';
import { DEMO_LEAD, signIn, checkAccessibility, keep } from './helpers.mjs';

test('a lead reviewer changes a participant\'s role, and cannot leave the review without a lead', async ({ page }) => {
  await signIn(page, DEMO_LEAD);
  await page.getByRole('link', { name: 'Child W', exact: true }).click();
  await page.locator('nav').getByRole('link', { name: 'Participants' }).first().click();

  const row = page.locator('tr', { hasText: 'Team manager (assessment team)' });
  await expect(row).toContainText('Case group member');
  await row.getByRole('link', { name: /^Change/ }).click();
  await expect(page.getByRole('heading', { name: 'Change a participant', level: 1 })).toBeVisible();
  await checkAccessibility(page, 'participant change');
  await keep(page, 'page-participant-change');
  await page.selectOption('#role', 'observer');
  await page.fill('#change_reason', 'moved to observe after leaving the team');
  await page.getByRole('button', { name: 'Save the change' }).click();
  await expect(page.locator('tr', { hasText: 'Team manager (assessment team)' })).toContainText('Observer');

  // The lead reviewer (the demo lead, signed in) cannot change their own role.
  await page.locator('tr', { hasText: 'Lead reviewer' }).first().getByRole('link', { name: /^Change/ }).click();
  await page.selectOption('#role', 'co_reviewer');
  await page.getByRole('button', { name: 'Save the change' }).click();
  await expect(page.locator('.error-summary')).toContainText('You cannot change your own role');
  await expect(page.locator('#role')).toHaveValue('co_reviewer');
  await checkAccessibility(page, 'participant change refused');
});
