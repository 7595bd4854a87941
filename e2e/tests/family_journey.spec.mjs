// The child and family of a new review, as its lead reviewer records them: a person added by
// pseudonym, their real name sealed and shown only for a reason the audit trail keeps, the
// family member's consent recorded, and the report saying who took part (pseudonyms only).
import { test, expect } from '@playwright/test';
import { WALKER, signIn, checkAccessibility, keep, openNewReview } from './helpers.mjs';

const TITLE = 'Child R';
const REAL_NAME = 'Dani Quinnell';

test('a lead reviewer records a family member of a new review, their identity and consent', async ({ page }) => {
  await signIn(page, WALKER);
  const review = await openNewReview(page, TITLE);

  // A person, by pseudonym.
  const sections = page.getByRole('navigation', { name: 'Review sections' });
  await sections.getByRole('link', { name: 'The child and family' }).click();
  await page.getByRole('link', { name: 'Add a person' }).click();
  await page.fill('#pseudonym', 'Mother');
  await page.fill('#relationship', 'mother');
  await page.selectOption('#age_band', 'adult');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.locator('main table')).toContainText('Mother');
  await checkAccessibility(page, 'family list');
  await page.getByRole('link', { name: 'Mother' }).click();

  // Her real name, recorded with a reason; not shown until asked for with one.
  await page.getByText('Record or replace the real identity').click();
  await page.fill('#full_name', REAL_NAME);
  await page.fill('#reason', 'named in the police chronology');
  await page.getByRole('button', { name: 'Record the identity' }).click();
  await expect(page.locator('main')).not.toContainText(REAL_NAME);
  await page.getByRole('button', { name: 'Show the real identity' }).click();
  await expect(page.locator('.error-summary')).toBeVisible();
  await page.fill('#reveal_reason', 'checking the school roll');
  await page.getByRole('button', { name: 'Show the real identity' }).click();
  await expect(page.locator('main')).toContainText(REAL_NAME);
  await checkAccessibility(page, 'identity shown');
  await keep(page, 'family-01-identity');

  // She takes part: invited, then consent recorded with what she agreed to.
  await page.goto(review + '/participants');
  await page.fill('#label', 'Mother');
  await page.selectOption('#role', 'family_member');
  await page.getByRole('button', { name: /Add/ }).click();
  await page.goto(review + '/report');
  await expect(page.locator('main')).toContainText('none has yet agreed to take part');
  await page.goto(review + '/participants');
  await page.locator('main table tbody tr').filter({ hasText: 'Mother' }).getByRole('link', { name: /Change/ }).click();
  await page.fill('#consent_given_on', '2026-11-20');
  await page.fill('#consent_terms', 'Quoted without her name; she reads the report before it is published.');
  await page.getByRole('button', { name: 'Save the change' }).click();
  await page.goto(review + '/report');
  await expect(page.locator('main')).toContainText('The review heard from Mother');
  await expect(page.locator('main')).not.toContainText(REAL_NAME);
  await keep(page, 'family-02-report');

  // The showing is in the audit trail, with its reason.
  await page.goto(review + '/audit');
  await expect(page.locator('main')).toContainText('checking the school roll');
});
