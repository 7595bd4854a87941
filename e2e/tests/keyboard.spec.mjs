// The KPE and finding forms can be completed with the keyboard alone: every field is reached
// with Tab, filled by typing, radios and checkboxes set with Space, and the form sent with Enter.
import { test, expect } from '@playwright/test';
import { DEMO_LEAD, signIn } from './helpers.mjs';

/** Presses Tab until the element with `id` has focus (failing after `limit` presses). */
async function tabTo(page, id, limit = 200) {
  for (let n = 0; n < limit; n++) {
    if (await page.evaluate((target) => document.activeElement && document.activeElement.id === target, id)) {
      return;
    }
    await page.keyboard.press('Tab');
  }
  throw new Error(`#${id} was not reached with the keyboard`);
}

/** Presses Tab until the button with this text has focus. */
async function tabToButton(page, text, limit = 200) {
  for (let n = 0; n < limit; n++) {
    if (await page.evaluate((t) => document.activeElement && document.activeElement.tagName === 'BUTTON' && document.activeElement.textContent.trim() === t, text)) {
      return;
    }
    await page.keyboard.press('Tab');
  }
  throw new Error(`the "${text}" button was not reached with the keyboard`);
}

async function reviewUrl(page) {
  await signIn(page, DEMO_LEAD);
  for (let n = 0; n < 200; n++) {
    if (await page.evaluate(() => document.activeElement && document.activeElement.textContent === 'Child W')) break;
    await page.keyboard.press('Tab');
  }
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/reviews\/[0-9a-f-]{36}$/);
  return page.url();
}

test('a key practice episode can be added with the keyboard only', async ({ page }) => {
  const review = await reviewUrl(page);
  await page.goto(review + '/kpes/new');
  await tabTo(page, 'title');
  await page.keyboard.type('Keyboard episode: the strategy discussion');
  await tabTo(page, 'period_start');
  await page.keyboard.type('12032024');
  await tabTo(page, 'what_happened');
  await page.keyboard.type('A strategy discussion was held by telephone.');
  await tabTo(page, 'rating');
  await page.keyboard.press('ArrowDown');
  await tabTo(page, 'rationale');
  await page.keyboard.type('The discussion followed the procedure in place at the time.');
  await tabToButton(page, 'Add the episode');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Keyboard episode: the strategy discussion' })).toBeVisible();
  // Then a contributory factor, by keyboard: open the disclosure with Enter.
  for (let n = 0; n < 200; n++) {
    if (await page.evaluate(() => document.activeElement && document.activeElement.tagName === 'SUMMARY' && document.activeElement.textContent.includes('Add a contributory factor'))) break;
    await page.keyboard.press('Tab');
  }
  await page.keyboard.press('Enter');
  await tabTo(page, 'level');
  await page.keyboard.press('ArrowDown');
  await tabTo(page, 'factor');
  await page.keyboard.type('Workload');
  await tabTo(page, 'factor_description');
  await page.keyboard.type('Three urgent referrals arrived the same hour.');
  await tabTo(page, 'direction-hinders');
  await page.keyboard.press('Space');
  await tabToButton(page, 'Add the factor');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('cell', { name: 'Workload', exact: true })).toBeVisible();
});

test('a finding can be written with the keyboard only', async ({ page }) => {
  const review = await reviewUrl(page);
  await page.goto(review + '/findings/new');
  await tabTo(page, 'statement');
  await page.keyboard.type('Keyboard finding: referral routes depend on who answers the phone.');
  // Tab enters a radio group at its first option; arrow keys choose within it.
  await tabTo(page, 'pattern-tool');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await expect(page.locator('#pattern-multiagency_crisis')).toBeChecked();
  await tabTo(page, 'polarity-unsafe');
  await page.keyboard.press('Space');
  await expect(page.locator('#polarity-unsafe')).toBeChecked();
  await tabTo(page, 'manifestation');
  await page.keyboard.type('Two calls on the same day were routed differently.');
  const firstKpe = await page.locator('input[name=kpe_ids]').first().getAttribute('id');
  await tabTo(page, firstKpe);
  await page.keyboard.press('Space');
  await tabTo(page, 'evidence_kind_0');
  await page.keyboard.press('ArrowDown');
  await tabTo(page, 'evidence_description_0');
  await page.keyboard.type('The review team knows of the same pattern in two other teams.');
  await tabTo(page, 'why_it_matters');
  await page.keyboard.type('Urgent concerns wait longer than they should.');
  await tabTo(page, 'questions');
  await page.keyboard.type('How does the partnership know which route a call takes?');
  await tabToButton(page, 'Save the finding');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('link', { name: /Keyboard finding: referral routes/ })).toBeVisible();
});
