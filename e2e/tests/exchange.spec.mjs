import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WALKER, signIn, checkAccessibility, keep, openNewReview } from './helpers.mjs';

// A codebook as another program writes one: a pattern in the 2008 wording with an issue
// beneath, and an issue under no pattern.
const CODEBOOK = `<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="another program">
  <Codes>
    <Code guid="6f0d1e7a-1111-4aaa-8bbb-000000000001" name="Family-professional interactions" isCodable="false">
      <Code guid="6f0d1e7a-1111-4aaa-8bbb-000000000002" name="Parents' account lost without interpreters" isCodable="true">
        <Description>Home visits go ahead without an interpreter, so what the parents say is not heard.</Description>
      </Code>
    </Code>
    <Code guid="6f0d1e7a-1111-4aaa-8bbb-000000000003" name="Thresholds read differently by each agency" isCodable="true">
      <Description>Each agency applies its own reading of the threshold document when deciding to refer.</Description>
    </Code>
  </Codes>
</CodeBook>
`;

function file(name, text) {
  const where = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cw-')), name);
  fs.writeFileSync(where, text);
  return where;
}

async function download(page, link) {
  const [done] = await Promise.all([page.waitForEvent('download'), link.click()]);
  return { name: done.suggestedFilename(), bytes: fs.readFileSync(await done.path()) };
}

test('a reviewer takes a new review and the library to other software, and imports a codebook made elsewhere', async ({ page }) => {
  await signIn(page, WALKER);
  const reviewUrl = await openNewReview(page, 'Exchange review E');

  // The review for qualitative-analysis software, beside the report's other downloads.
  await page.goto(`${reviewUrl}/report`);
  const project = await download(page, page.getByRole('link', { name: /qualitative-analysis software/ }));
  expect(project.name).toBe('exchange-review-e.qdpx');
  expect(project.bytes.subarray(0, 2).toString()).toBe('PK');

  // Its chronology for a spreadsheet.
  await page.goto(`${reviewUrl}/chronology`);
  const chronology = await download(page, page.getByRole('link', { name: /chronology as a spreadsheet/ }));
  expect(chronology.name).toBe('exchange-review-e-chronology.csv');
  expect(chronology.bytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
  expect(chronology.bytes.toString('utf8')).toContain('Date,Until,Time,Date known to,Agency');

  // The library and the codebook.
  await page.goto('/library');
  const findings = await download(page, page.getByRole('link', { name: /findings as a spreadsheet/ }));
  expect(findings.bytes.toString('utf8')).toContain('Review,Review kind,Year,Finding');
  await page.goto('/library/issues');
  const codebook = await download(page, page.getByRole('link', { name: /Download the codebook/ }));
  expect(codebook.name).toBe('casewindow-codebook.qdc');
  expect(codebook.bytes.toString('utf8')).toContain('urn:QDA-XML:codebook:1.0');

  // A codebook made elsewhere.
  await page.getByRole('link', { name: 'Import a codebook made in other software' }).click();
  await expect(page.getByRole('heading', { name: 'Import a codebook', level: 1 })).toBeVisible();
  await checkAccessibility(page, 'codebook import page');
  await page.getByRole('button', { name: 'Upload and check' }).click();
  await expect(page.locator('.error-summary')).toContainText('Choose the codebook file');
  await page.setInputFiles('#file', file('broken.qdc', '<CodeBook><Codes><Code name="no guid" isCodable="true"/></Codes></CodeBook>'));
  await page.getByRole('button', { name: 'Upload and check' }).click();
  await expect(page.locator('.error-summary')).toContainText('broken.qdc: CodeBook/Codes/Code[1]');
  await expect(page.locator('.error-summary')).toContainText('no guid');

  await page.setInputFiles('#file', file('qualcoder-codes.qdc', CODEBOOK));
  await page.getByRole('button', { name: 'Upload and check' }).click();
  await expect(page.getByRole('heading', { name: 'Choose the patterns', level: 1 })).toBeVisible();
  const mapUrl = page.url();
  // The pattern itself is not an issue; the code beneath it goes under it; the other is the
  // library's suggestion.
  await expect(page.getByLabel('Pattern for Family-professional interactions')).toHaveValue('');
  await expect(page.getByLabel("Pattern for Parents' account lost without interpreters")).toHaveValue('family_professional');
  await expect(page.getByRole('row', { name: /Thresholds read differently/ })).toContainText('the pattern library');
  await checkAccessibility(page, 'codebook import mapping');
  await keep(page, 'exchange-01-mapping');
  await page.getByLabel('Pattern for Thresholds read differently by each agency').selectOption('multiagency_longterm');
  await page.getByRole('button', { name: 'Import the chosen codes as proposed issues' }).click();

  await expect(page.getByRole('status')).toContainText('2 recurrent issues proposed');
  await expect(page.getByRole('row', { name: /Parents' account lost without interpreters/ })).toContainText('Proposed');
  await expect(page.getByRole('row', { name: /Thresholds read differently by each agency/ })).toContainText('Proposed');
  await keep(page, 'exchange-02-imported');

  // The same upload imports nothing twice.
  await page.goto(mapUrl);
  await expect(page.getByText('no longer waiting to be imported')).toBeVisible();
});
