import { expect } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import fs from 'node:fs';

export const DEMO_LEAD = { email: 'helen.marchbank@example.org', password: 'fictional demo password' };
export const ADMIN = { email: 'admin@example.org', password: 'steady lighthouse keeper 51' };
export const ANALYST = { email: 'analyst@example.org', password: 'national patterns reader 7' };
export const TWOSTEP = { email: 'twostep@example.org', password: 'two locks on the door 2026' };
export const WALKER = { email: 'walker@example.org', password: 'walkthrough password 2026' };
export const CASE_GROUP = { email: 'casegroup@example.org', password: 'practitioners around the table 3' };
export const FAMILY = { email: 'family@example.org', password: 'kitchen table conversations 24' };
export const PARTNER = { email: 'partner@example.org', password: 'oak desk signatures nine 9' };

/** Moves the review on to `stage` through the overview's link and the confirmation page. */
export async function advance(page, reviewUrl, stage) {
  await page.goto(reviewUrl);
  await page.getByRole('link', { name: `Move to ${stage}` }).click();
  await expect(page.getByRole('heading', { name: `Move the review to ${stage}` })).toBeVisible();
  await page.getByRole('button', { name: 'Confirm and change the stage' }).click();
  await expect(page.locator('.tag').filter({ hasText: stage }).first()).toBeVisible();
}

export async function signIn(page, who) {
  await page.goto('/sign-in');
  await page.fill('#email', who.email);
  await page.fill('#password', who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Your reviews' })).toBeVisible();
}

/** Runs axe-core on the current page; fails on any serious or critical violation. */
export async function checkAccessibility(page, name) {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
  const blocking = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const summary = blocking.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join('; ')}`);
  expect(summary, `accessibility violations on ${name}`).toEqual([]);
  return results;
}

/** Keeps a full-page screenshot as a test artifact. */
export async function keep(page, name) {
  fs.mkdirSync('artifacts/screenshots', { recursive: true });
  await page.screenshot({ path: `artifacts/screenshots/${name}.png`, fullPage: true });
}

/** Opens a new review from the home page as the signed-in user; the review's address. */
export async function openNewReview(page, title) {
  await page.getByRole('link', { name: 'Open a new review' }).click();
  await page.fill('#title', title);
  await page.fill('#new_partnership', 'Harrowgate Safeguarding Children Partnership');
  await page.selectOption('#kind', 'local_child_safeguarding_practice_review');
  await page.selectOption('#methodology', 'mid_range');
  await page.getByRole('button', { name: 'Open the review' }).click();
  await expect(page.getByRole('heading', { name: title, level: 1 })).toBeVisible();
  return page.url();
}
