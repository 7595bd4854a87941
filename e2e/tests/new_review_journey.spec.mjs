// A new review from nothing, as its lead reviewer does it: open the review, add two agencies,
// import one agency's chronology from a CSV file through the upload page, add a key practice
// episode, write three findings each linked to a recurrent issue of the library that this
// review has not used before, and see the findings in the report (preview and Word document).
import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { WALKER, signIn, checkAccessibility, keep } from './helpers.mjs';

// Names used by no other test, so that this journey starts from an empty review.
const TITLE = 'Child O';
const PARTNERSHIP = 'Fernmouth Safeguarding Children Partnership';
const SOCIAL_CARE = 'Fernmouth Children\'s Services';
const HEALTH = 'Fernmouth Community Health';

// The agency's file as it might arrive: UK dates (one only to the month), a time column.
const CSV = [
  'Date,Time,Practitioner,Contact type,Details',
  '04/03/2024,09:30,Health visitor,Home visit,New birth visit. Baby O feeding well; mother tired but coping.',
  '18/03/2024,14:15,Health visitor,Telephone call,Mother called about poor feeding. Advice given on a feeding routine.',
  '02/04/2024,10:00,Community nursery nurse,Clinic,Baby O weighed at clinic. Weight down from the 50th to the 25th centile.',
  'May 2024,,Health visitor,Letter,Letter to the GP asking for a review of feeding and weight.',
].join('\n') + '\n';

// Three findings, each in a different pattern and linked to a different recurrent issue of the
// library (issues of the demo library's other reviews; none is used in this new review yet).
// codebook.spec.mjs merges away one management issue, so these come from other patterns.
const FINDINGS = [
  {
    statement: 'Growth charts kept by separate teams hide a pattern of faltering growth from each of them.',
    pattern: 'tool',
    polarity: 'unsafe',
    manifestation: 'The clinic weight was not visible to the health visitor who planned the recheck.',
    issue: 'Tools: Risk tools standing in for professional judgement',
  },
  {
    statement: 'A first view of a family as coping is rarely revisited when new concerns arrive one at a time.',
    pattern: 'reasoning',
    polarity: 'unsafe',
    manifestation: 'Each call about feeding was read against the first visit, when all seemed well.',
    issue: 'Human judgement and reasoning: First impressions that are not revisited',
  },
  {
    statement: 'Fathers and other adults in the home are seldom seen at routine health contacts.',
    pattern: 'family_professional',
    polarity: 'unsafe',
    manifestation: 'No contact recorded the views of the father, who did most of the night feeds.',
    issue: 'Family-professional interaction: Men and other adults in the household stay unseen',
  },
];

let tempDir;
test.beforeAll(() => { tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'casewindow-journey-')); });
test.afterAll(() => { if (tempDir) fs.rmSync(tempDir, { recursive: true, force: true }); });

test('a lead reviewer opens a new review, imports a chronology and writes findings linked to recurrent issues', async ({ page }) => {
  await signIn(page, WALKER);

  // 1. A new review with a new partnership; whoever opens it is its lead reviewer.
  await page.getByRole('link', { name: 'Open a new review' }).click();
  await page.fill('#title', TITLE);
  await page.fill('#new_partnership', PARTNERSHIP);
  await page.selectOption('#kind', 'local_child_safeguarding_practice_review');
  await page.selectOption('#methodology', 'mid_range');
  await page.fill('#period_start', '2024-03-01');
  await page.fill('#period_end', '2024-12-31');
  await page.check('#harm-neglect');
  await page.getByRole('button', { name: 'Open the review' }).click();
  await expect(page.getByRole('heading', { name: TITLE, level: 1 })).toBeVisible();
  await expect(page.locator('.tag').filter({ hasText: 'Commissioned' })).toBeVisible();
  const reviewUrl = page.url();
  expect(reviewUrl).toMatch(/\/reviews\/[0-9a-f-]{36}$/);
  await keep(page, 'journey-01-new-review');
  await page.goto(reviewUrl + '/participants');
  await expect(page.locator('main table tbody tr').filter({ hasText: 'Wren Walker' })).toContainText('Lead reviewer');

  // 2. Two agencies.
  const sections = page.getByRole('navigation', { name: 'Review sections' });
  await sections.getByRole('link', { name: 'Agencies' }).click();
  for (const [name, sector] of [[SOCIAL_CARE, 'childrens_social_care'], [HEALTH, 'health_visiting0_to19']]) {
    await page.fill('#name', name);
    await page.selectOption('#sector', sector);
    await page.getByRole('button', { name: 'Add the agency' }).click();
    await expect(page.getByRole('cell', { name, exact: true })).toBeVisible();
  }
  await keep(page, 'journey-02-agencies');

  // Terms of reference agreed, so the review can move on to collecting data.
  await advance(page, reviewUrl, 'Scoping');
  await page.goto(reviewUrl + '/terms/edit');
  await page.fill('#purpose', 'To understand how concerns about a baby\'s feeding and weight were shared between agencies.');
  await page.fill('#research_questions', 'How do agencies share concerns about a baby\'s weight?\nHow are fathers included in routine contacts?');
  await page.getByLabel(SOCIAL_CARE).check();
  await page.getByLabel(HEALTH).check();
  await page.fill('#agreed_on', '2025-02-03');
  await page.getByRole('button', { name: 'Save the terms of reference' }).click();
  await expect(page.getByText('How do agencies share concerns about a baby\'s weight?')).toBeVisible();
  await advance(page, reviewUrl, 'Reviewers appointed');
  await advance(page, reviewUrl, 'Data collection');

  // 3. One agency's chronology from a file, through the upload page.
  const csvPath = path.join(tempDir, 'fernmouth-health.csv');
  fs.writeFileSync(csvPath, CSV, 'utf8');
  await page.goto(reviewUrl);
  await sections.getByRole('link', { name: 'Chronologies' }).click();
  await page.getByRole('link', { name: 'Import a chronology file' }).click();
  await expect(page.getByRole('heading', { name: 'Import an agency\'s chronology', level: 1 })).toBeVisible();
  await page.selectOption('#agency_id', { label: HEALTH });
  await page.setInputFiles('#file', csvPath);
  await page.getByRole('button', { name: 'Upload and check' }).click();
  await expect(page.getByRole('heading', { name: 'Check the import of fernmouth-health.csv', level: 1 })).toBeVisible();
  await expect(page.locator('.error-summary')).toHaveCount(0);
  // The columns as the importer read them from the headings.
  await expect(page.locator('#header_rows')).toHaveValue('1');
  await expect(page.locator('#col_date')).toHaveValue('A');
  await expect(page.locator('#col_time')).toHaveValue('B');
  await expect(page.locator('#col_actor_role')).toHaveValue('C');
  await expect(page.locator('#col_contact_type')).toHaveValue('D');
  await expect(page.locator('#col_description')).toHaveValue('E');
  // Every row would be imported: 04/03/2024 read day first, with its time; May 2024 kept as a month.
  const preview = page.locator('table').filter({ has: page.getByRole('columnheader', { name: 'What happened' }) });
  await expect(preview.locator('tbody tr')).toHaveCount(4);
  await expect(preview.locator('tbody tr').first()).toContainText('4 Mar 2024 09:30');
  await expect(preview).toContainText('Mother called about poor feeding');
  await expect(preview.getByRole('cell', { name: 'Telephone call' })).toBeVisible();
  await expect(preview.getByRole('cell', { name: 'Community nursery nurse' })).toBeVisible();
  await expect(preview.getByRole('cell', { name: 'May 2024' })).toBeVisible();
  await keep(page, 'journey-03-import-preview');
  await page.getByRole('button', { name: 'Import 4 entries' }).click();
  await expect(page.getByText('4 entries imported from fernmouth-health.csv')).toBeVisible();
  await expect(page.getByRole('cell', { name: 'Current' })).toBeVisible();
  await keep(page, 'journey-04-import-done');
  await page.getByRole('link', { name: 'See the chronologies' }).click();
  await expect(page.getByRole('heading', { name: 'Agency chronologies' })).toBeVisible();
  for (const text of ['New birth visit. Baby O feeding well', 'Mother called about poor feeding',
    'Weight down from the 50th to the 25th centile', 'Letter to the GP asking for a review']) {
    await expect(page.getByText(text)).toBeVisible();
  }
  await expect(page.getByRole('cell', { name: 'May 2024', exact: true })).toBeVisible();
  await keep(page, 'journey-05-chronology');

  // A practitioner to give the episode its local-rationality account; the imported entries
  // count as collected data, so the review moves on to analysis.
  await page.goto(reviewUrl + '/participants');
  await page.fill('#label', 'Health visitor 1');
  await page.selectOption('#role', 'case_group_member');
  await page.getByLabel('Agency (optional)').selectOption({ label: HEALTH });
  await page.getByRole('button', { name: 'Add the participant' }).click();
  await expect(page.getByRole('cell', { name: 'Health visitor 1', exact: true })).toBeVisible();
  await advance(page, reviewUrl, 'Analysis');

  // 4. A key practice episode, appraised without hindsight, with a local-rationality account.
  await page.goto(reviewUrl + '/kpes/new');
  await page.fill('#title', 'The April clinic weight');
  await page.fill('#period_start', '2024-04-02');
  await page.fill('#what_happened', 'The clinic recorded a fall in weight centile; the health visitor planned a recheck in four weeks.');
  await page.selectOption('#rating', 'adequate');
  await page.fill('#rationale', 'Guidance at the time allowed a four-week recheck for a baby who was feeding and alert.');
  await page.getByRole('button', { name: 'Add the episode' }).click();
  await expect(page.getByRole('heading', { name: /The April clinic weight/ })).toBeVisible();
  await expect(page.locator('#hindsight-flags')).toHaveCount(0);
  await page.locator('summary', { hasText: 'Add a local-rationality account' }).click();
  await page.getByLabel('Whose account').selectOption({ label: 'Health visitor 1 (Case group member)' });
  await page.fill('#what_they_thought_was_happening', 'A tired mother settling into feeding, with a baby still alert.');
  await page.fill('#competing_demands', 'Three new birth visits the same week.');
  await page.getByRole('button', { name: 'Add the account' }).click();
  await expect(page.getByRole('heading', { name: 'Health visitor 1', level: 3 })).toBeVisible();
  await keep(page, 'journey-06-kpe');
  await advance(page, reviewUrl, 'Findings development');

  // 5. Three findings, each linked to the KPE and to a recurrent issue new to this review.
  const kpeLabel = 'KPE 1: The April clinic weight';
  for (const [index, finding] of FINDINGS.entries()) {
    const number = index + 1;
    await page.goto(reviewUrl);
    await sections.getByRole('link', { name: 'Findings' }).click();
    await page.getByRole('link', { name: 'Add a finding' }).click();
    await expect(page.getByRole('heading', { name: 'Add a finding', level: 1 })).toBeVisible();
    if (number === 1) {
      await checkAccessibility(page, 'new finding form');
      await keep(page, 'journey-07-finding-form');
    }
    await page.fill('#statement', finding.statement);
    await page.check(`#pattern-${finding.pattern}`);
    await page.check(`#polarity-${finding.polarity}`);
    await page.fill('#manifestation', finding.manifestation);
    await page.getByLabel(kpeLabel, { exact: true }).check();
    const issue = page.getByLabel(finding.issue, { exact: true });
    await expect(issue, `the library's issue "${finding.issue}" is offered`).toHaveCount(1);
    await issue.check();
    await page.getByRole('button', { name: 'Save the finding' }).click();

    // Saved: back on the list, with nothing refused.
    const problems = page.locator('.error-summary');
    await expect(page.getByRole('heading', { name: 'Findings', level: 1 }).or(problems).first()).toBeVisible();
    const refused = (await problems.count()) ? (await problems.innerText()).trim() : '';
    if (refused) await keep(page, `journey-08-finding-${number}-refused`);
    expect(refused, `finding ${number} linked to "${finding.issue}" is saved`).toBe('');
    await expect(page.getByRole('heading', { name: 'Findings', level: 1 })).toBeVisible();
    const rows = page.locator('main table tbody tr');
    await expect(rows).toHaveCount(number);
    const row = rows.nth(index);
    await expect(row.locator('td').first()).toHaveText(String(number));
    await expect(row.getByRole('link', { name: finding.statement })).toBeVisible();
    await keep(page, `journey-08-findings-${number}`);

    // Opened again: the chosen issue is still ticked (and only it), with the KPE and pattern.
    await row.getByRole('link', { name: finding.statement }).click();
    await expect(page.getByRole('heading', { name: 'Edit finding', level: 1 })).toBeVisible();
    await expect(page.locator('#statement')).toHaveValue(finding.statement);
    await expect(page.getByLabel(finding.issue, { exact: true })).toBeChecked();
    await expect(page.locator('input[name=recurrent_issue_ids]:checked')).toHaveCount(1);
    await expect(page.getByLabel(kpeLabel, { exact: true })).toBeChecked();
    await expect(page.locator(`#pattern-${finding.pattern}`)).toBeChecked();
    await expect(page.locator(`#polarity-${finding.polarity}`)).toBeChecked();
    if (number === 1) {
      await checkAccessibility(page, 'saved finding form');
      await keep(page, 'journey-09-finding-saved');
    }
  }
  await page.goto(reviewUrl + '/findings');
  await expect(page.locator('main table tbody td:first-child')).toHaveText(['1', '2', '3']);

  // 6. The report from the records: the three findings in the preview and the Word document.
  await page.goto(reviewUrl);
  await sections.getByRole('link', { name: 'Report' }).click();
  await expect(page.getByRole('heading', { name: 'Report', level: 1 })).toBeVisible();
  const report = page.locator('.report');
  for (const finding of FINDINGS) {
    await expect(report).toContainText(finding.statement);
  }
  await checkAccessibility(page, 'report');
  await keep(page, 'journey-10-report');

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download the report as a Word document' }).click(),
  ]);
  const docx = fs.readFileSync(await download.path());
  const documentText = wordText(zipEntry(docx, 'word/document.xml'));
  for (const finding of FINDINGS) {
    expect(documentText, 'the Word report').toContain(finding.statement);
  }
  const pdf = await page.request.get(reviewUrl + '/report.pdf');
  expect(pdf.status()).toBe(200);
  expect(pdf.headers()['content-type']).toContain('application/pdf');
  expect((await pdf.body()).subarray(0, 5).toString('latin1')).toBe('%PDF-');

  // 7. The pattern library, read again for the reviews that changed, shows the new findings
  // with the issues they were linked to; the home page lists the new review.
  await page.goto('/library');
  const library = page.locator('main');
  for (const finding of FINDINGS) {
    const row = library.locator('tr', { hasText: finding.statement });
    await expect(row, 'the new finding in the library').toHaveCount(1);
    await expect(row).toContainText(finding.issue.split(': ')[1]);
  }
  await keep(page, 'journey-11-library');
  await page.goto('/');
  await expect(page.locator('main')).toContainText(TITLE);
  await keep(page, 'journey-12-home');

  // 8. A thematic analysis of the reviews she can read (this one): its issues are there, every
  // count is under 5 and so hidden, and the review's title is nowhere in the document.
  await page.goto('/library');
  await page.getByRole('link', { name: 'Thematic analysis' }).click();
  await expect(page.getByText('No analysis yet.')).toBeVisible();
  await page.getByRole('button', { name: 'Write the analysis' }).click();
  const analysis = page.locator('#analysis');
  await expect(analysis.getByRole('heading', { name: 'Scope and method' })).toBeVisible();
  await expect(analysis).toContainText('fewer than 5 reviews');
  for (const finding of FINDINGS) {
    await expect(analysis.locator('tr', { hasText: finding.issue.split(': ')[1] })).toContainText('<5');
  }
  await expect(analysis).not.toContainText(TITLE);
  await keep(page, 'journey-13-thematic');
  const json = await page.request.get(await page.getByRole('link', { name: 'Download its figures as JSON' }).getAttribute('href'));
  expect(json.status()).toBe(200);
  const figures = await json.json();
  expect(figures.reviews).toBeNull();
  expect(figures.findings).toBeNull();
  expect(figures.issues.map((i) => i.label).sort()).toEqual(FINDINGS.map((f) => f.issue.split(': ')[1]).sort());
});

async function advance(page, reviewUrl, stage) {
  await page.goto(reviewUrl);
  await page.getByRole('link', { name: `Move to ${stage}` }).click();
  await expect(page.getByRole('heading', { name: `Move the review to ${stage}` })).toBeVisible();
  await page.getByRole('button', { name: 'Confirm and change the stage' }).click();
  await expect(page.locator('.tag').filter({ hasText: stage }).first()).toBeVisible();
}

/** One file of a ZIP archive (a .docx), found through the central directory. */
function zipEntry(zip, name) {
  let end = zip.length - 22;
  while (end >= 0 && zip.readUInt32LE(end) !== 0x06054b50) end -= 1;
  expect(end, 'a ZIP archive').toBeGreaterThanOrEqual(0);
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  for (let i = 0; i < count; i += 1) {
    const method = zip.readUInt16LE(at + 10);
    const size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extra = zip.readUInt16LE(at + 30);
    const comment = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    if (zip.toString('utf8', at + 46, at + 46 + nameLength) === name) {
      const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const data = zip.subarray(start, start + size);
      return (method === 8 ? zlib.inflateRawSync(data) : data).toString('utf8');
    }
    at += 46 + nameLength + extra + comment;
  }
  throw new Error(`${name} is not in the archive`);
}

/** The text of a Word document's XML, paragraph by paragraph. */
function wordText(xml) {
  return xml
    .replace(/<\/w:p>/g, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, '\'')
    .replace(/&amp;/g, '&');
}
