import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEMO_LEAD, signIn, checkAccessibility, keep } from './helpers.mjs';

async function download(page, link) {
  const [done] = await Promise.all([page.waitForEvent('download'), link.click()]);
  const where = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cw-')), done.suggestedFilename());
  await done.saveAs(where);
  return where;
}

test('a reviewer brings a published report into the library, confirming its findings', async ({ page }) => {
  await signIn(page, DEMO_LEAD);
  // A published report: Child W's, as its partnership published it (PDF).
  await page.getByRole('link', { name: 'Child W', exact: true }).first().click();
  const reviewUrl = page.url().replace(/\/$/, '');
  await page.goto(`${reviewUrl}/report`);
  const pdf = await download(page, page.getByRole('link', { name: 'Download the report as a PDF' }));

  await page.goto('/library');
  await page.getByRole('link', { name: 'Published reports' }).click();
  await expect(page.getByRole('heading', { name: 'Published reports', level: 1 })).toBeVisible();
  await checkAccessibility(page, 'published reports');

  // Nothing chosen; then a file that is not a report; then the report.
  await page.getByRole('button', { name: 'Read the reports' }).click();
  await expect(page.locator('.error-summary')).toContainText('Choose one or more reports');
  const notes = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cw-')), 'minutes.txt');
  fs.writeFileSync(notes, 'minutes of a meeting');
  await page.setInputFiles('#file', [notes, pdf]);
  await page.getByRole('button', { name: 'Read the reports' }).click();
  await expect(page.getByText('minutes.txt: this is not a PDF or a Word (.docx) document')).toBeVisible();
  // As many findings as Child W has when the report is made (earlier tests may add one).
  await expect(page.getByText(/\d+ findings proposed, waiting for review/)).toBeVisible();
  await keep(page, 'published-01-read');
  await page.getByRole('link', { name: 'Confirm its findings' }).click();

  // Each proposed finding with its page and the pattern the report states.
  await expect(page.getByRole('heading', { name: /Confirm the findings of Child W/, level: 1 })).toBeVisible();
  await expect(page.getByRole('group', { name: /Finding 1 \(page \d+\)/ })).toBeVisible();
  await expect(page.locator('#statement_0')).toHaveValue(/^Kestrelford's children's social care case record/);
  await expect(page.locator('#pattern_0')).toHaveValue('tool');
  await expect(page.locator('#pattern_4')).toHaveValue('reasoning');
  await expect(page.locator('#partnership option:checked')).toHaveText(/Kestrelford Safeguarding Children Partnership/);
  await checkAccessibility(page, 'published report confirmation');
  await keep(page, 'published-02-confirm');

  // Drop the last, merge the first two, clear a pattern: refused, saying which.
  await page.locator('#title').fill('Child W (as published)');
  await page.getByLabel('Keep this finding').nth(5).uncheck();
  await page.getByLabel('Merge with the next finding').first().check();
  await page.locator('#pattern_3').selectOption('');
  await page.getByRole('button', { name: 'Put the confirmed findings in the library' }).click();
  await expect(page.locator('.error-summary')).toContainText('choose the finding\'s pattern');
  await keep(page, 'published-03-refused');
  await page.locator('#pattern_3').selectOption('management');
  await page.getByRole('button', { name: 'Put the confirmed findings in the library' }).click();

  await expect(page.getByRole('status')).toContainText('The confirmed findings are in the library');
  await expect(page.getByRole('row', { name: /Child W/ })).toContainText('In the library');
  await keep(page, 'published-04-imported');
});
