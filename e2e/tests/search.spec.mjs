// Full-text search across the reviews a user takes part in: stemmed words, facets that narrow
// the results, the matching words highlighted, and a link to each record.
import { test, expect } from '@playwright/test';
import { DEMO_LEAD, signIn, checkAccessibility, keep } from './helpers.mjs';

test('a reviewer searches every review, narrows by kind and opens a finding', async ({ page }) => {
  await signIn(page, DEMO_LEAD);
  await page.getByRole('link', { name: 'Search', exact: true }).click();
  await expect(page.locator('h1')).toHaveText('Search');
  await checkAccessibility(page, 'search');
  await keep(page, 'page-search');

  // "supervising" finds "supervision": other forms of a word match.
  await page.getByLabel('Search for').fill('supervising');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page.locator('#results')).toContainText('results');
  const marks = page.locator('.snippet mark');
  expect(await marks.count()).toBeGreaterThan(0);
  expect((await marks.first().innerText()).toLowerCase()).toContain('supervis');
  await checkAccessibility(page, 'search results');
  await keep(page, 'page-search-results');

  // The kind facet narrows to findings, with counts in its choices.
  const kind = page.getByLabel('Kind of record');
  const findings = await kind.locator('option', { hasText: /^Findings \(\d+\)$/ }).getAttribute('value');
  await kind.selectOption(findings);
  await page.getByRole('button', { name: 'Search' }).click();
  const captions = await page.locator('.results .caption').allInnerTexts();
  expect(captions.length).toBeGreaterThan(0);
  for (const caption of captions) expect(caption).toMatch(/^Finding · /);
  await expect(page.getByLabel('Search for')).toHaveValue('supervising');
  await keep(page, 'page-search-findings');

  // Each result opens its record.
  await page.locator('.results h3 a').first().click();
  await expect(page).toHaveURL(/\/reviews\/[0-9a-f-]{36}\/findings\/[0-9a-f-]{36}$/);
  await expect(page.locator('h1')).toBeVisible();

  // A search that finds nothing says so.
  await page.goto('/search?q=zzyzx+quokka');
  await expect(page.locator('#results')).toHaveText('0 results');
  await expect(page.getByText('Nothing matches.')).toBeVisible();
});
