// The codebook of recurrent issues: a reviewer proposes one; a national analyst accepts it,
// merges another issue into it (its findings follow) and sees each decision in its history.
import { test, expect } from '@playwright/test';
import { DEMO_LEAD, ANALYST, signIn, checkAccessibility, keep } from './helpers.mjs';

test('a reviewer proposes an issue and an analyst accepts it and merges another into it', async ({ browser }) => {
  const reviewer = await (await browser.newContext()).newPage();
  await signIn(reviewer, DEMO_LEAD);
  await reviewer.goto('/library/issues');
  await expect(reviewer.locator('h1')).toHaveText('Recurrent issues');
  await checkAccessibility(reviewer, 'codebook');
  await keep(reviewer, 'page-codebook');

  // A proposal without a description is refused, keeping what was typed.
  await reviewer.getByLabel('Pattern').selectOption({ label: '2. Management systems' });
  await reviewer.getByLabel('Short name').fill('Supervision squeezed by throughput');
  await reviewer.getByRole('button', { name: 'Propose the issue' }).click();
  await expect(reviewer.locator('.error-summary')).toContainText('Describe the underlying issue');
  await expect(reviewer.getByLabel('Short name')).toHaveValue('Supervision squeezed by throughput');
  await reviewer.getByLabel('Description').fill('Supervision time goes to timescales and case throughput, leaving little room to reflect on families whose difficulties keep returning.');
  await reviewer.getByRole('button', { name: 'Propose the issue' }).click();
  await expect(reviewer.locator('h1')).toHaveText('Supervision squeezed by throughput');
  await expect(reviewer.locator('main')).toContainText('Proposed');
  await expect(reviewer.getByRole('heading', { name: 'Decide' })).toHaveCount(0);
  const issue = reviewer.url();

  const analyst = await (await browser.newContext()).newPage();
  await signIn(analyst, ANALYST);
  await analyst.goto(issue);
  await checkAccessibility(analyst, 'codebook issue');
  await keep(analyst, 'page-codebook-issue');
  await analyst.getByLabel('Why accept it').fill('Recurs across the management findings');
  await analyst.getByRole('button', { name: 'Accept' }).click();
  await expect(analyst.locator('main')).toContainText('Accepted');

  // Another management issue is merged into it: it closes and names where its findings went.
  await analyst.goto('/library/issues');
  const rows = analyst.locator('h2:has-text("2. Management systems") + table tbody tr');
  const other = await rows.locator('a').evaluateAll((links, label) =>
    links.map((a) => ({ href: a.getAttribute('href'), text: a.textContent })).find((l) => l.text !== label), 'Supervision squeezed by throughput');
  expect(other, 'another management issue').toBeTruthy();
  await analyst.goto(other.href);
  await analyst.getByLabel('Merge into').selectOption({ label: 'Supervision squeezed by throughput' });
  await analyst.locator('#merge-reason').fill('The same issue underneath');
  await analyst.getByRole('button', { name: 'Merge' }).click();
  await expect(analyst.locator('main')).toContainText('Merged into');
  await expect(analyst.locator('main table')).toContainText('The same issue underneath');
  await keep(analyst, 'page-codebook-merged');
  await analyst.getByRole('link', { name: 'Supervision squeezed by throughput' }).click();
  await expect(analyst.locator('main table')).toContainText('Recurs across the management findings');
});
