// Every page of the workspace on the demo review: axe-core finds no serious or critical
// violation, and a screenshot of each is kept. Also: editing over someone else's change
// shows both versions and overwrites nothing; forms keep what was typed after an error.
import { test, expect } from '@playwright/test';
import { DEMO_LEAD, signIn, checkAccessibility, keep } from './helpers.mjs';

async function demoReview(page) {
  await signIn(page, DEMO_LEAD);
  await page.getByRole('link', { name: 'Child W', exact: true }).click();
  return page.url();
}

const SECTIONS = [
  ['overview', ''], ['terms', '/terms'], ['terms-edit', '/terms/edit'], ['participants', '/participants'],
  ['subjects', '/subjects'], ['subject-new', '/subjects/new'], ['genogram', '/genogram'],
  ['agencies', '/agencies'], ['chronology', '/chronology'], ['chronology-side-by-side', '/chronology?view=side-by-side'],
  ['chronology-timeline', '/chronology?view=timeline'], ['chronology-new', '/chronology/new'], ['documents', '/documents'],
  ['conversations', '/conversations'], ['conversation-new', '/conversations/new'], ['narrative', '/narrative'],
  ['narrative-new', '/narrative/new'], ['kpes', '/kpes'], ['kpe-new', '/kpes/new'], ['findings', '/findings'],
  ['finding-new', '/findings/new'], ['actions', '/actions'], ['history', '/history'],
  ['transition-hold', '/transition?action=hold'],
  ['details', '/details'], ['publication', '/publication'], ['audit', '/audit'],
  ['report', '/report'], ['report-versions', '/report/versions'], ['briefing', '/briefing'], ['scan', '/publication/scan'],
  ['meetings', '/meetings'], ['meeting-new', '/meetings/new'], ['sharing', '/sharing'], ['shared', '/shared'],
  ['quality', '/quality'],
];

test('every page passes axe-core with no serious or critical violations', async ({ page }) => {
  await page.goto('/sign-in');
  await checkAccessibility(page, 'sign in');
  await keep(page, 'page-sign-in');
  const review = await demoReview(page);
  await page.goto('/');
  await checkAccessibility(page, 'portfolio');
  await keep(page, 'page-portfolio');

  for (const [name, suffix] of SECTIONS) {
    await page.goto(review + suffix);
    await expect(page.locator('h1')).toBeVisible();
    await checkAccessibility(page, name);
    await keep(page, `page-${name}`);
  }
  // Pages of individual records: the first of each list.
  for (const [name, list, pattern] of [
    ['kpe', '/kpes', /\/kpes\/[0-9a-f-]{36}$/],
    ['finding', '/findings', /\/findings\/[0-9a-f-]{36}$/],
    ['conversation', '/conversations', /\/conversations\/[0-9a-f-]{36}$/],
    ['narrative-section', '/narrative', /\/narrative\/[0-9a-f-]{36}$/],
    ['subject', '/subjects', /\/subjects\/[0-9a-f-]{36}$/],
    ['participant', '/participants', /\/participants\/[0-9a-f-]{36}$/],
  ]) {
    await page.goto(review + list);
    const href = await page.locator('main a').filter({ hasNotText: /^(Add|Record)/ }).evaluateAll(
      (links, source) => links.map((a) => a.getAttribute('href')).find((h) => new RegExp(source).test(h)), pattern.source);
    expect(href, `a ${name} link`).toBeTruthy();
    await page.goto(href);
    await checkAccessibility(page, name);
    await keep(page, `page-${name}`);
  }
  await page.goto(review + '/conversations');
  const conversation = await page.locator('main table a').first().getAttribute('href');
  await page.goto('/check-back/' + conversation.split('/').pop());
  await checkAccessibility(page, 'check-back');
  await keep(page, 'page-check-back');
  await page.goto('/reviews/new');
  await checkAccessibility(page, 'new review');
  // The action tracker across reviews, all and overdue only.
  await page.goto('/');
  await page.getByRole('link', { name: 'Action tracker' }).click();
  await expect(page.getByRole('heading', { name: 'Action tracker', level: 1 })).toBeVisible();
  await expect(page.locator('main table tbody tr').first()).toBeVisible();
  await checkAccessibility(page, 'action tracker');
  await keep(page, 'page-action-tracker');
  await page.check('#overdue');
  await page.getByRole('button', { name: 'Show actions' }).click();
  await expect(page).toHaveURL(/overdue=yes/);
  await checkAccessibility(page, 'action tracker, overdue');
  // The pattern library across every demo review, and narrowed to one pattern.
  await page.goto('/');
  await page.getByRole('link', { name: 'Pattern library' }).click();
  await expect(page.getByRole('heading', { name: 'Pattern library', level: 1 })).toBeVisible();
  await expect(page.locator('svg[role=img]')).toHaveCount(4);
  // Facets include the sectors of the agencies that took part.
  expect(await page.locator('#f-sector option').count()).toBeGreaterThan(3);
  await checkAccessibility(page, 'library');
  await keep(page, 'page-library');
  await page.selectOption('#f-pattern', 'reasoning');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect(page).toHaveURL(/pattern=reasoning/);
  const patterns = await page.locator('#library-findings tbody td:nth-child(2)').allInnerTexts();
  expect(patterns.length).toBeGreaterThan(5);
  expect(new Set(patterns)).toEqual(new Set(['Human judgement and reasoning']));
  await checkAccessibility(page, 'library filtered');
  await keep(page, 'page-library-reasoning');
  // "Is it a one-off?": attach a finding from another review as generality evidence.
  await page.goto(review + '/findings');
  await page.locator('main table a').first().click();
  await expect(page.getByRole('heading', { name: /Is it a one-off/ })).toBeVisible();
  const before = await page.locator('select[id^=evidence_kind_]').count();
  await page.getByRole('button', { name: 'Attach as evidence' }).first().click();
  await expect(page.locator('select[id^=evidence_kind_]')).toHaveCount(before + 1);
  await expect(page.locator(`#evidence_kind_${before - 1}`)).toHaveValue('other_review');
  await expect(page.locator(`#evidence_reference_${before - 1}`)).toHaveValue(/, finding \d+$/);
  await keep(page, 'page-finding-one-off');
  // The same suggestions as JSON, for scripts: the form's CSRF token is required.
  const csrf = await page.locator('input[name=csrf_token]').first().inputValue();
  const api = review + '/findings/suggestions';
  const answer = await page.request.post(api, { form: { csrf_token: csrf, text: 'Supervision had become a check of deadlines, with no space to reflect.' } });
  expect(answer.status()).toBe(200);
  const body = await answer.json();
  expect(body.patterns).toHaveLength(6);
  expect(body.patterns[0].pattern).toBe('management');
  const empty = await page.request.post(api, { form: { csrf_token: csrf, text: ' ' } });
  expect(empty.status()).toBe(422);
  expect((await empty.json()).errors[0].field).toBe('text');
  const forged = await page.request.post(api, { form: { text: 'no token' } });
  expect(forged.status()).toBe(403);
  await page.goto('/no-such-page');
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  await checkAccessibility(page, 'not found');
});

test('saving over a change made in another window shows what you changed and overwrites nothing', async ({ browser, baseURL }) => {
  const first = await (await browser.newContext({ baseURL, locale: 'en-GB' })).newPage();
  const second = await (await browser.newContext({ baseURL, locale: 'en-GB' })).newPage();
  const review = await demoReview(first);
  await signIn(second, DEMO_LEAD);
  await first.goto(review + '/findings');
  const href = await first.locator('main table a').first().getAttribute('href');
  await first.goto(href);
  await second.goto(href);
  await first.fill('#why_it_matters', 'Saved first by one reviewer.');
  await first.getByRole('button', { name: 'Save the finding' }).click();
  await second.fill('#why_it_matters', 'Typed by a second reviewer on a stale page.');
  await second.getByRole('button', { name: 'Save the finding' }).click();
  // The same person in two windows: it says so, and lists only the field changed, by its label.
  await expect(second.getByRole('heading', { name: 'You changed this in another window since you opened it here' })).toBeVisible();
  await expect(second.locator('tr.difference')).toHaveCount(1);
  await expect(second.locator('tr.difference th')).toContainText('Why it matters');
  await expect(second.locator('tr.difference th')).toContainText('Changed in both');
  await expect(second.locator('tr.difference')).toContainText('Saved first by one reviewer.');
  await expect(second.locator('tr.difference')).toContainText('Typed by a second reviewer on a stale page.');
  await checkAccessibility(second, 'conflict');
  await keep(second, 'page-conflict');
  await second.goto(href);
  await expect(second.locator('#why_it_matters')).toHaveValue('Saved first by one reviewer.');
});

test('a form with an error comes back with everything typed still there', async ({ page }) => {
  const review = await demoReview(page);
  await page.goto(review + '/chronology/new');
  await page.fill('#actor_role', 'Duty social worker');
  await page.fill('#contact_type', 'Telephone call');
  await page.fill('#description', 'Call from school about bruising.');
  await page.getByRole('button', { name: 'Add the entry' }).click();
  await expect(page.locator('.error-summary')).toContainText('Choose whose chronology the entry belongs to');
  await expect(page.locator('.error-summary a').first()).toHaveAttribute('href', '#agency_id');
  await expect(page.locator('#description')).toHaveValue('Call from school about bruising.');
  await expect(page.locator('#contact_type')).toHaveValue('Telephone call');
  await keep(page, 'page-chronology-new-errors');
});

test('at 390 px wide every page shows its content first, the sections collapsed, nothing wider than the screen', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  const review = await demoReview(page);
  const pages = [['portfolio', '/'], ['library', '/library'], ['tracker', '/actions'], ['search', '/search?q=home+visit'], ['account', '/account']]
    .concat(SECTIONS.map(([name, suffix]) => [name, review.replace(/^https?:\/\/[^/]+/, '') + suffix]));
  const overflowing = [];
  for (const [name, path] of pages) {
    await page.goto(path);
    const h1 = page.locator('h1');
    await expect(h1).toBeVisible();
    // Content first: the heading is on the first screen, the review's sections collapsed.
    expect((await h1.boundingBox()).y, `${name}: heading on the first screen`).toBeLessThan(400);
    const menu = page.locator('nav.side-nav details');
    if (await menu.count()) {
      await expect(menu).not.toHaveAttribute('open', '');
      await expect(menu.getByRole('link').first()).toBeHidden();
    }
    // Nothing makes the page scroll sideways (wide tables and charts scroll in their own box).
    const wide = await page.evaluate(() => {
      if (document.documentElement.scrollWidth <= 391) return [];
      // The widest elements not inside a box that scrolls by itself.
      const scrolls = (e) => { for (let p = e.parentElement; p; p = p.parentElement) { if (['auto', 'scroll'].includes(getComputedStyle(p).overflowX)) return true; } return false; };
      return [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > 392 && !scrolls(e))
        .slice(-3).map((e) => `${e.tagName.toLowerCase()}.${e.className} (${Math.round(e.getBoundingClientRect().right)} px)`);
    });
    if (wide.length) overflowing.push(`${name}: ${wide.join(', ')}`);
    await checkAccessibility(page, `${name} at 390 px`);
  }
  expect(overflowing, 'pages wider than the screen at 390 px').toEqual([]);
  // The sections open without a script, and take you there.
  await page.goto(review + '/chronology?view=side-by-side');
  await keep(page, 'page-390-side-by-side');
  const menu = page.locator('nav.side-nav details');
  await menu.locator('summary').click();
  await expect(menu.getByRole('link', { name: 'Findings' })).toBeVisible();
  await keep(page, 'page-390-sections-open');
  await menu.getByRole('link', { name: 'Findings' }).click();
  await expect(page.getByRole('heading', { name: 'Findings', level: 1 })).toBeVisible();
  await page.goto('/library');
  await keep(page, 'page-390-library');
});
