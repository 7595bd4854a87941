// Importing an agency's chronology through the pages: upload, a preview with every row that
// cannot be imported (row, column, why), choosing the columns by hand, and the import itself.
import { test, expect } from '@playwright/test';
import { DEMO_LEAD, signIn, checkAccessibility, keep } from './helpers.mjs';

const file = (name, text) => ({ name, mimeType: 'text/csv', buffer: Buffer.from(text, 'utf8') });

async function openImport(page) {
  await signIn(page, DEMO_LEAD);
  await page.getByRole('link', { name: 'Child W', exact: true }).click();
  await page.getByRole('link', { name: 'Chronologies' }).click();
  await page.getByRole('link', { name: 'Import a chronology file' }).click();
  await expect(page.getByRole('heading', { name: "Import an agency's chronology", level: 1 })).toBeVisible();
}

test('a chronology with a bad row is refused with its row and column, then the corrected file is imported', async ({ page }) => {
  await openImport(page);
  await checkAccessibility(page, 'chronology import');

  // Nothing chosen: both problems are named, at the top and by each field.
  await page.getByRole('button', { name: 'Upload and check' }).click();
  const summary = page.locator('.error-summary');
  await expect(summary).toContainText('Choose whose chronology the file is');
  await expect(summary).toContainText('Choose the file the agency sent');
  await checkAccessibility(page, 'chronology import with errors');

  // A file whose title rows sit above the headings, with one date nobody can read.
  const bad = 'Little Wrens Day Nursery chronology\n\nDate of contact,Staff member,Type,Details\n'
    + '03/02/2020,Key worker,Observation,W arrived hungry and quiet\n'
    + 'March 2020,Manager,Telephone call,Called mother about attendance\n'
    + 'the week after half term,Key worker,Observation,Bruise noticed on forearm\n';
  await page.selectOption('#agency_id', { label: 'Little Wrens Day Nursery' });
  await page.setInputFiles('#file', file('nursery.csv', bad));
  await page.getByRole('button', { name: 'Upload and check' }).click();
  await expect(page.getByRole('heading', { name: 'Check the import of nursery.csv', level: 1 })).toBeVisible();
  await expect(summary).toContainText('Row 6, column "Date of contact"');
  await expect(page.getByRole('button', { name: /^Import/ })).toHaveCount(0);
  await expect(page.locator('#header_rows')).toHaveValue('3');
  await expect(page.locator('#col_date')).toHaveValue('A');
  await expect(page.locator('#col_description')).toHaveValue('D');
  await checkAccessibility(page, 'chronology import preview with problems');
  await keep(page, 'page-chronology-import-problems');

  // The corrected file imports; the preview keeps the agency's vague date as it was given.
  await page.goto(page.url().replace(/\/[0-9a-f-]{36}$/, ''));
  await page.selectOption('#agency_id', { label: 'Little Wrens Day Nursery' });
  await page.setInputFiles('#file', file('nursery-corrected.csv', bad.replace('the week after half term', 'w/c 24 February 2020')));
  await page.getByRole('button', { name: 'Upload and check' }).click();
  await expect(page.locator('.error-summary')).toHaveCount(0);
  await expect(page.getByRole('cell', { name: 'March 2020' })).toBeVisible();
  await keep(page, 'page-chronology-import-preview');
  await page.getByRole('button', { name: 'Import 3 entries' }).click();
  await expect(page.getByText('3 entries imported from nursery-corrected.csv')).toBeVisible();
  await expect(page.getByRole('cell', { name: 'Current' })).toBeVisible();
  await checkAccessibility(page, 'chronology import done');
  await keep(page, 'page-chronology-import-done');

  await page.getByRole('link', { name: 'See the chronologies' }).click();
  await expect(page.getByText('Called mother about attendance')).toBeVisible();
});

test('columns the reader does not recognise are chosen by hand', async ({ page }) => {
  await openImport(page);
  const odd = 'Logged,Free text,Recorded by\n12/03/2020,Home visit: nobody answered,School nurse\n13/03/2020,Letter to parent,School nurse\n';
  await page.selectOption('#agency_id', { label: 'Thornbank Primary School' });
  await page.setInputFiles('#file', file('school.csv', odd));
  await page.getByRole('button', { name: 'Upload and check' }).click();
  await expect(page.locator('.error-summary')).toContainText('does not recognise this file\'s headings');
  await expect(page.locator('#header_rows')).toHaveValue('1');
  await checkAccessibility(page, 'chronology import with unknown columns');

  await page.selectOption('#col_date', 'A');
  await page.selectOption('#col_description', 'B');
  await page.selectOption('#col_actor_role', 'C');
  await page.getByRole('button', { name: 'Check again with these columns' }).click();
  await expect(page.locator('.error-summary')).toHaveCount(0);
  await page.getByRole('button', { name: 'Import 2 entries' }).click();
  await expect(page.getByText('2 entries imported from school.csv')).toBeVisible();
});
