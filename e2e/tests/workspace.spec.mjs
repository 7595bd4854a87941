// The workspace at a reviewer's pace (issue 20), each from a new review, not the demo.
import { test, expect } from '@playwright/test';
import { DEMO_LEAD, WALKER, advance, signIn, openNewReview, checkAccessibility, keep } from './helpers.mjs';

test('an action past its date is overdue, not also on track', async ({ page }) => {
  await signIn(page, WALKER);
  const title = `Child O ${Date.now()}`;
  const review = await openNewReview(page, title);
  await page.goto(`${review}/agencies`);
  await page.fill('#name', 'Harrowgate Housing Options');
  await page.selectOption('#sector', 'housing');
  await page.getByRole('button', { name: 'Add the agency' }).click();

  await page.goto(`${review}/actions`);
  await page.selectOption('#owner_agency_id', { label: 'Harrowgate Housing Options' });
  await page.fill('#description', 'Write the temporary accommodation transfer protocol.');
  await page.fill('#due_on', '2024-01-31');
  await page.getByRole('button', { name: 'Add the action' }).click();
  const card = page.locator('.card', { hasText: 'temporary accommodation transfer protocol' });
  await card.getByText('Update this action').click();
  await card.getByLabel('Status').selectOption({ label: 'On track' });
  await card.getByRole('button', { name: 'Update the action' }).click();

  const updated = page.locator('.card', { hasText: 'temporary accommodation transfer protocol' });
  await expect(updated.locator('strong.tag')).toHaveText(['Overdue']);
  await expect(updated).toContainText('last recorded as on track');
  await checkAccessibility(page, 'actions with an overdue action');
  await keep(page, 'workspace-11-actions-overdue');

  await page.goto('/actions');
  const row = page.locator('tr', { hasText: 'temporary accommodation transfer protocol' });
  await expect(row.locator('strong.tag')).toHaveText(['Overdue']);
  await expect(row).toContainText('last recorded as on track');
  await expect(row).not.toContainText('On track');
  // Counted once: as overdue, not also as on track (this review's actions only).
  await page.selectOption('#review', { label: title });
  await page.getByRole('button', { name: 'Show actions' }).click();
  await expect(page.getByText(/actions\. Overdue: 1; open: 0; on track: 0;/)).toBeVisible();
  await keep(page, 'workspace-11-tracker-overdue');
});

test('publication is in the navigation and every refusal links to where it is put right', async ({ page }) => {
  await signIn(page, WALKER);
  const review = await openNewReview(page, `Child P ${Date.now()}`);
  await advance(page, review, 'Scoping');

  // The overview names what the next stage needs, each a link to its page.
  await page.goto(review);
  const need = page.getByRole('link', { name: 'Write the terms of reference' });
  await expect(need).toHaveAttribute('href', /\/terms\/edit$/);

  // A refused move: the error summary links to the terms, not to the confirmation button.
  await page.getByRole('link', { name: 'Try to move to Reviewers appointed' }).click();
  await page.getByRole('button', { name: 'Confirm and change the stage' }).click();
  const summary = page.locator('.error-summary');
  await expect(summary.getByRole('link', { name: 'Write the terms of reference' }))
    .toHaveAttribute('href', /\/terms\/edit$/);
  await checkAccessibility(page, 'refused move with links to the fixes');
  await keep(page, 'workspace-03-refusal-links');
  await summary.getByRole('link', { name: 'Write the terms of reference' }).click();
  await expect(page).toHaveURL(/\/terms\/edit$/);

  // Publication has its own place in the review's navigation, with the scan one step away.
  const nav = page.getByRole('navigation', { name: /review/i });
  await nav.getByRole('link', { name: 'Publication' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Publication');
  await expect(page.locator('[aria-current="page"]')).toHaveText('Publication');
  await page.getByRole('link', { name: 'Run the identifier scan' }).click();
  await expect(page.getByRole('heading', { name: 'Check for identifying details' })).toBeVisible();
  await expect(page.locator('[aria-current="page"]')).toHaveText('Publication');
  await keep(page, 'workspace-03-publication-nav');
});

test('a save over your own change in another window names you and lists only what you changed', async ({ browser, baseURL }) => {
  const first = await (await browser.newContext({ baseURL, locale: 'en-GB' })).newPage();
  await signIn(first, WALKER);
  const review = await openNewReview(first, `Child R ${Date.now()}`);
  await first.goto(`${review}/terms/edit`);
  await first.fill('#purpose', 'To learn from how the family was known to agencies.');
  await first.fill('#research_questions', 'How was the family known?');
  await first.getByRole('button', { name: 'Save the terms of reference' }).click();
  const second = await (await browser.newContext({ baseURL, locale: 'en-GB', storageState: await first.context().storageState() })).newPage();
  await first.goto(`${review}/terms/edit`);
  await second.goto(`${review}/terms/edit`);
  await first.fill('#purpose', "To understand how the family's move between areas was handed over.");
  await first.getByRole('button', { name: 'Save the terms of reference' }).click();
  await second.fill('#research_questions', "How are families' moves handed over between areas?");
  await second.getByRole('button', { name: 'Save the terms of reference' }).click();

  await expect(second.getByRole('heading', { name: 'You changed this in another window since you opened it here' })).toBeVisible();
  const rows = second.locator('tr.difference');
  await expect(rows).toHaveCount(1);
  await expect(rows.locator('th')).toContainText('Research questions');
  await expect(rows.locator('th')).not.toContainText('Changed in both');
  await expect(second.getByText(/1 other field changed in the saved version that you did not change/)).toBeVisible();
  await checkAccessibility(second, 'conflict over your own change');
  await keep(second, 'workspace-07-conflict');
});

test('a long text states its limit, is counted as typed, and is kept when refused', async ({ page }) => {
  await signIn(page, WALKER);
  const review = await openNewReview(page, `Child S ${Date.now()}`);
  await page.goto(`${review}/narrative/new`);
  const body = page.locator('#body');
  await expect(body).toHaveAttribute('maxlength', '200000');
  await expect(page.locator('#body-hint')).toContainText('Up to 200,000 characters.');

  // Pasted past the limit by a script (a browser stops typing at it): 200,050 characters with
  // line breaks, which the browser sends as two characters each and people count as one.
  const text = 'A visit was planned.\n'.repeat(9526) + 'x'.repeat(4);
  expect(text.length).toBe(200050);
  await page.fill('#heading', 'The first months');
  await body.evaluate((el, value) => { el.value = value; }, text);
  await page.getByRole('button', { name: 'Save the section' }).click();
  await expect(page.locator('.error-summary')).toContainText('is 200,050 characters long; the limit is 200,000');
  expect((await page.locator('#body').inputValue()).length).toBe(200050);
  await expect(page.locator('#heading')).toHaveValue('The first months');
  await checkAccessibility(page, 'a long text refused and kept');
  await keep(page, 'workspace-09-long-text');
});

test('a comma nobody quoted is flagged in the preview, not moved into a column without a name', async ({ page }) => {
  await signIn(page, WALKER);
  const review = await openNewReview(page, `Child T ${Date.now()}`);
  await page.goto(`${review}/agencies`);
  await page.fill('#name', 'Harrowgate Police');
  await page.selectOption('#sector', 'police');
  await page.getByRole('button', { name: 'Add the agency' }).click();

  await page.goto(`${review}/chronology/import`);
  const csv = 'Date,Officer,Details\n'
    + '03/02/2024,PC on response,Attended after a call from a neighbour\n'
    + '05/02/2024,PC on response,Spoke to mother, who said the children were at school\n';
  await page.selectOption('#agency_id', { label: 'Harrowgate Police' });
  await page.setInputFiles('#file', { name: 'police.csv', mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') });
  await page.getByRole('button', { name: 'Upload and check' }).click();
  const problems = page.locator('table', { has: page.getByRole('columnheader', { name: 'Why' }) });
  await expect(problems).toContainText('not quoted');
  await expect(problems.locator('tbody tr')).toHaveCount(1);
  await expect(problems.locator('tbody tr td').first()).toHaveText('3');
  await expect(page.getByRole('button', { name: /^Import/ })).toHaveCount(0);
  await checkAccessibility(page, 'import preview with an unquoted comma');
  await keep(page, 'workspace-10-unquoted-comma');
});

test('the portfolio finds a review by title, stage and my role, and pages a long list', async ({ page, browser, baseURL }) => {
  await signIn(page, WALKER);
  const title = `Child U ${Date.now()}`;
  await openNewReview(page, title);
  await page.goto('/');
  await page.fill('#q', title.split(' ').pop());
  await page.getByRole('button', { name: 'Show reviews' }).click();
  const rows = page.locator('main table tbody tr');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(title);
  await expect(page.getByText(/^1–1 of 1 review/)).toBeVisible();
  // By stage: every row shown is at that stage.
  await page.fill('#q', '');
  const stage = (await rows.first().locator('strong.tag').textContent()).trim();
  await page.selectOption('#state', { label: stage });
  await page.getByRole('button', { name: 'Show reviews' }).click();
  const tags = await page.locator('main table tbody tr strong.tag').allTextContents();
  expect(tags.length).toBeGreaterThan(0);
  expect(tags.every((t) => t.trim() === stage)).toBe(true);
  await checkAccessibility(page, 'portfolio filtered');
  await keep(page, 'workspace-05-portfolio-filtered');

  // The demo lead takes part in more reviews than a page holds: 25 a page, the rest after.
  const lead = await (await browser.newContext({ baseURL, locale: 'en-GB' })).newPage();
  await signIn(lead, DEMO_LEAD);
  await lead.goto('/');
  await expect(lead.locator('main table tbody tr')).toHaveCount(25);
  await expect(lead.getByText(/^1–25 of \d+ reviews/)).toBeVisible();
  await lead.getByRole('link', { name: 'Next page' }).click();
  await expect(lead.getByText(/^26–\d+ of \d+ reviews/)).toBeVisible();
  await expect(lead.getByRole('link', { name: 'Previous page' })).toBeVisible();
  await checkAccessibility(lead, 'portfolio, second page');
  await keep(lead, 'workspace-05-portfolio-page-2');

  // By "my role": the demo lead leads Child W and observes the library's other reviews.
  await lead.goto('/');
  await lead.selectOption('#role', { label: 'Lead reviewer' });
  await lead.getByRole('button', { name: 'Show reviews' }).click();
  await expect(lead.getByRole('link', { name: 'Child W', exact: true })).toBeVisible();
  const led = Number((await lead.getByText(/^1–\d+ of (\d+) reviews?/).textContent()).match(/of (\d+)/)[1]);
  await lead.selectOption('#role', { label: 'Observer' });
  await lead.getByRole('button', { name: 'Show reviews' }).click();
  await expect(lead.getByRole('link', { name: 'Child W', exact: true })).toHaveCount(0);
  const observed = Number((await lead.getByText(/^1–\d+ of (\d+) reviews?/).textContent()).match(/of (\d+)/)[1]);
  expect(led + observed).toBeGreaterThan(25);
  await checkAccessibility(lead, 'portfolio by my role');
});

test('side by side is a grid: a column per agency, one row per occurrence, gaps counted and opened one at a time', async ({ page }) => {
  await signIn(page, WALKER);
  const review = await openNewReview(page, `Child R ${Date.now()}`);
  for (const [name, sector] of [
    ['Harrowgate Children\'s Services', 'childrens_social_care'],
    ['Harrowgate Health Visiting', 'health_visiting0_to19'],
    ['Fenwick Road Surgery', 'health_gp'],
    ['Harrowgate Police', 'police'],
  ]) {
    await page.goto(`${review}/agencies`);
    await page.fill('#name', name);
    await page.selectOption('#sector', sector);
    await page.getByRole('button', { name: 'Add the agency' }).click();
  }
  for (const [agency, precision, date, time, who, contact, text] of [
    ['Harrowgate Health Visiting', 'day', '2024-03-04', '10:00', 'Health visitor', 'Home visit', 'Joint home visit with the social worker: Child R weighed, weight below the 2nd centile. Mother tired.'],
    ['Harrowgate Children\'s Services', 'day', '2024-03-04', '10:30', 'Social worker', 'Home visit', 'Joint home visit with the health visitor: Child R weighed, weight below the 2nd centile; mother tired, flat untidy.'],
    ['Harrowgate Health Visiting', 'day', '2024-03-05', '', 'Health visitor', 'Referral', 'Referred to the GP about Child R\'s weight loss.'],
    ['Fenwick Road Surgery', 'month', '2024-03-01', '', 'Practice administrator', 'Letter', 'Referral from the health visitor about weight filed; appointment offered.'],
    ['Harrowgate Health Visiting', 'day', '2024-03-06', '', 'Health visitor', 'Information sharing', 'Concerns about Child R\'s weight shared with police at the front door.'],
  ]) {
    await page.goto(`${review}/chronology/new`);
    await page.getByLabel('Agency').selectOption({ label: agency });
    await page.selectOption('#precision', precision);
    await page.fill('#start', date);
    await page.fill('#time', time);
    await page.fill('#actor_role', who);
    await page.fill('#contact_type', contact);
    await page.fill('#description', text);
    await page.getByRole('button', { name: 'Add the entry' }).click();
    await expect(page.getByRole('heading', { name: 'Agency chronologies' })).toBeVisible();
  }
  await page.goto(`${review}/chronology?view=side-by-side`);
  const grid = page.locator('table.side-by-side');
  // A column per agency with entries (the police have none loaded), after the date.
  await expect(grid.locator('thead th')).toHaveText(['Date', 'Fenwick Road Surgery', 'Harrowgate Children\'s Services', 'Harrowgate Health Visiting']);
  // The joint visit is one row, each agency in its own column; only time and who differ.
  const visit = grid.locator('tbody tr', { has: page.locator('p.pre', { hasText: 'Joint home visit with the social worker' }) });
  await expect(visit).toHaveClass(/shared/);
  await expect(visit.locator('th')).toContainText('Recorded by 2 agencies');
  await expect(visit.locator('td').nth(0)).toBeEmpty();
  await expect(visit.locator('td').nth(1)).toContainText('Joint home visit with the health visitor');
  await expect(visit.locator('td').nth(2)).toContainText('Joint home visit with the social worker');
  await expect(visit.locator('.difference')).toHaveText(['10:30', 'Social worker', '10:00', 'Health visitor']);
  await expect(visit.locator('mark')).toHaveCount(0);
  // Each entry's date precision is shown.
  await expect(grid.locator('.entry', { has: page.locator('p.pre', { hasText: 'Referral from the health visitor' }) }).locator('.entry__when')).toHaveText('Mar 2024 month only');
  // The gaps: counted by kind above the grid, each closed until opened, one open at a time.
  const gaps = page.locator('section.gaps');
  await expect(gaps.getByRole('heading')).toHaveText('Possible information-sharing gaps: 1');
  await expect(gaps.locator('.gap-counts')).toHaveText('Comparison cannot be made: 1');
  await expect(gaps).not.toContainText('no sign it arrived');
  const gap = gaps.locator('details').first();
  await expect(gap).not.toHaveAttribute('open', '');
  await gap.locator('summary').click();
  await expect(gap).toContainText('Harrowgate Police, which has no entries here');
  await gap.getByRole('link', { name: /Show it in the grid/ }).click();
  await expect(page).toHaveURL(/#entry-/);
  await checkAccessibility(page, 'side-by-side grid of a new review');
  await keep(page, 'workspace-01-side-by-side-grid');
});

test('the swimlane has month ticks and whole lane names, its marks open their entries by keyboard, and mistyped dates are questioned and left off', async ({ page }) => {
  await signIn(page, WALKER);
  const review = await openNewReview(page, `Child V ${Date.now()}`);
  await page.goto(`${review}/details`);
  await page.fill('#period_start', '2024-01-01');
  await page.fill('#period_end', '2024-06-30');
  await page.getByRole('button', { name: 'Save the details' }).click();
  const paediatrics = 'Harrowgate Community Paediatrics and Child Development Service (Kestrel Road site)';
  for (const [name, sector] of [[paediatrics, 'acute_hospital_ed'], ['Harrowgate Police', 'police'], ['Harrowgate Primary School', 'education']]) {
    await page.goto(`${review}/agencies`);
    await page.fill('#name', name);
    await page.selectOption('#sector', sector);
    await page.getByRole('button', { name: 'Add the agency' }).click();
  }
  const add = async (agency, date, text) => {
    await page.goto(`${review}/chronology/new`);
    await page.getByLabel('Agency').selectOption({ label: agency });
    await page.fill('#start', date);
    await page.fill('#description', text);
    await page.getByRole('button', { name: 'Add the entry' }).click();
  };
  await add('Harrowgate Police', '2024-02-10', 'Call-out to the flat after a neighbour heard shouting.');
  await expect(page.getByRole('heading', { name: 'Agency chronologies' })).toBeVisible();
  await add(paediatrics, '2024-04-20', 'Clinic review of weight and development.');
  await expect(page.getByRole('heading', { name: 'Agency chronologies' })).toBeVisible();
  // A date in the future is questioned, with what was typed kept; kept when said to be right.
  await add(paediatrics, '2099-01-01', 'Follow-up appointment letter.');
  await expect(page.locator('.error-summary')).toContainText('1 Jan 2099 is in the future');
  await expect(page.locator('#description')).toHaveValue('Follow-up appointment letter.');
  await checkAccessibility(page, 'a chronology date questioned');
  await page.check('#date_checked');
  await page.getByRole('button', { name: 'Add the entry' }).click();
  await expect(page.getByRole('heading', { name: 'Agency chronologies' })).toBeVisible();
  // An imported date years before the period is listed to check before importing.
  await page.goto(`${review}/chronology/import`);
  await page.selectOption('#agency_id', { label: 'Harrowgate Primary School' });
  const csv = 'Date,Staff,Details\n12/03/1998,Class teacher,Year typed wrongly\n15/03/2024,DSL,Concern logged about lunches\n';
  await page.setInputFiles('#file', { name: 'school.csv', mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') });
  await page.getByRole('button', { name: 'Upload and check' }).click();
  await expect(page.locator('#dates-to-check')).toContainText('Dates to check (1)');
  await expect(page.locator('#dates-to-check')).toContainText('Row 2: 12 Mar 1998 is 25 years before the period under review (from 1 Jan 2024).');
  await checkAccessibility(page, 'an import with a date to check');
  await page.getByRole('button', { name: /^Import 2 entries/ }).click();
  await expect(page.getByText('2 entries imported from school.csv')).toBeVisible();

  await page.goto(`${review}/chronology?view=timeline`);
  const svg = page.locator('svg.timeline-svg');
  // Month ticks inside the period, the year at its start, and the whole long lane name.
  for (const month of ['Feb', 'Mar', 'Apr', 'May', 'Jun']) await expect(svg.locator('text', { hasText: new RegExp(`^${month}$`) })).toHaveCount(1);
  await expect(svg.locator('text', { hasText: /^2024$/ })).toHaveCount(1);
  const names = (await svg.locator('text').allTextContents()).join(' ');
  expect(names).toContain(paediatrics);
  // The two mistyped dates are off the axis, and named beside it.
  const leftOff = page.locator('#left-off');
  await expect(leftOff.getByRole('heading')).toHaveText('2 entries are left off the timeline');
  await expect(leftOff).toContainText('1 Jan 2099 is in the future');
  await expect(leftOff).toContainText('12 Mar 1998 is 25 years before the period under review');
  // Each drawn mark is a link reached with Tab; Enter opens its entry in the grid.
  const marks = svg.locator('a');
  await expect(marks).toHaveCount(3);
  let inSvg = false;
  for (let i = 0; i < 80 && !inSvg; i += 1) {
    await page.keyboard.press('Tab');
    inSvg = await page.evaluate(() => !!document.activeElement && !!document.activeElement.closest('svg'));
  }
  expect(inSvg, 'a mark is reached by Tab').toBe(true);
  const label = await page.evaluate(() => document.activeElement.getAttribute('aria-label'));
  expect(label).toContain('10 Feb 2024, Harrowgate Police: Call-out to the flat');
  await checkAccessibility(page, 'timeline of a new review');
  await keep(page, 'workspace-02-timeline');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/view=side-by-side#entry-/);
  await expect(page.locator(':target')).toContainText('Call-out to the flat');
});

test('a practitioner\'s account from their conversation is offered on the episode and taken without retyping', async ({ page }) => {
  await signIn(page, WALKER);
  const review = await openNewReview(page, `Child L ${Date.now()}`);
  await page.goto(`${review}/agencies`);
  await page.fill('#name', 'Harrowgate Health Visiting');
  await page.selectOption('#sector', 'health_visiting0_to19');
  await page.getByRole('button', { name: 'Add the agency' }).click();
  await page.goto(`${review}/participants`);
  await page.fill('#label', 'Health visitor 2');
  await page.selectOption('#role', 'case_group_member');
  await page.getByLabel('Agency (optional)').selectOption({ label: 'Harrowgate Health Visiting' });
  await page.getByRole('button', { name: 'Add the participant' }).click();
  await page.goto(`${review}/kpes/new`);
  await page.fill('#title', 'The missed developmental review');
  await page.fill('#period_start', '2024-05-09');
  await page.fill('#what_happened', 'The child was not brought to the review; a letter was sent.');
  await page.getByRole('button', { name: 'Add the episode' }).click();
  const episode = page.url();

  await page.goto(`${review}/conversations/new`);
  await page.getByLabel('Conversation with').selectOption({ label: 'Health visitor 2 (Case group member)' });
  await page.fill('#held_on', '2025-06-02');
  await page.fill('#overview', 'Took over the caseload in January.');
  await page.fill('#episode_0', 'When he was not brought in May');
  await page.selectOption('#kpe_0', { label: 'KPE 1: The missed developmental review' });
  await page.fill('#what_they_thought_was_happening_0', 'A family already known to early help, with a social worker involved.');
  await page.fill('#reasons_and_emotions_0', 'Reassured that others were seeing him.');
  await page.fill('#other_demands_0', 'A caseload of 600 children.');
  await page.fill('#conflicting_concerns_0', 'Clinic letters came first that month.');
  await page.fill('#options_seen_0', 'A second letter, or a home visit.');
  await page.getByRole('button', { name: 'Save the conversation record' }).click();

  await page.goto(episode);
  const offered = page.locator('#offered-accounts');
  await expect(offered).toContainText('Health visitor 2, conversation of 2 June 2025');
  await expect(offered).toContainText('Placed in this episode');
  await offered.locator('summary').first().click();
  await expect(offered).toContainText('A caseload of 600 children.');
  await checkAccessibility(page, 'an account offered from a conversation');
  await keep(page, 'workspace-06-offered-account');
  await offered.getByRole('button', { name: /Use this account/ }).click();

  const account = page.locator('.card', { has: page.getByRole('heading', { name: 'Health visitor 2', level: 3 }) });
  await expect(account).toContainText('A family already known to early help, with a social worker involved.');
  await expect(account).toContainText('A caseload of 600 children.');
  await expect(account).toContainText('Clinic letters came first that month.');
  await expect(account).toContainText('From a conversation');
  // Taken once: no longer offered.
  await expect(page.locator('#offered-accounts')).toHaveCount(0);
  await keep(page, 'workspace-06-account-taken');
});

test('at 390 px a new review shows its content first: a skip link, the sections collapsed, the grid scrolling in its own box', async ({ page }) => {
  await signIn(page, WALKER);
  const review = await openNewReview(page, `Child N ${Date.now()}`);
  await page.goto(`${review}/agencies`);
  for (const [name, sector] of [['Harrowgate Police', 'police'], ['Harrowgate Children\'s Services', 'childrens_social_care']]) {
    await page.fill('#name', name);
    await page.selectOption('#sector', sector);
    await page.getByRole('button', { name: 'Add the agency' }).click();
  }
  for (const agency of ['Harrowgate Police', 'Harrowgate Children\'s Services']) {
    await page.goto(`${review}/chronology/new`);
    await page.getByLabel('Agency').selectOption({ label: agency });
    await page.fill('#start', '2024-02-10');
    await page.fill('#description', 'Joint visit to the flat after a neighbour heard shouting.');
    await page.getByRole('button', { name: 'Add the entry' }).click();
  }
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${review}/chronology?view=side-by-side`);
  // The first Tab reaches the skip link; it leads past the sections to the content.
  await page.keyboard.press('Tab');
  await expect(page.locator(':focus')).toHaveText('Skip to main content');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/#main$/);
  // The heading is on the first screen; the sections are one closed menu before it.
  const h1 = page.getByRole('heading', { name: 'Agency chronologies', level: 1 });
  expect((await h1.boundingBox()).y).toBeLessThan(400);
  const menu = page.locator('nav.side-nav details');
  await expect(menu).not.toHaveAttribute('open', '');
  await expect(menu.getByRole('link', { name: 'Findings' })).toBeHidden();
  // The grid scrolls in its own box; the page does not scroll sideways.
  const wide = await page.evaluate(() => [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > 392).slice(0, 6).map((e) => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`));
  expect(await page.evaluate(() => document.documentElement.scrollWidth), wide.join('; ')).toBeLessThanOrEqual(391);
  const grid = page.locator('.grid-scroll');
  expect(await grid.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
  await checkAccessibility(page, 'side by side at 390 px');
  await keep(page, 'workspace-08-390-side-by-side');
  await menu.locator('summary').click();
  await expect(menu.getByRole('link', { name: 'Findings' })).toBeVisible();
  await checkAccessibility(page, 'sections open at 390 px');
  await menu.getByRole('link', { name: 'Agencies' }).click();
  await expect(page.getByRole('heading', { name: 'Agencies', level: 1 })).toBeVisible();
});

test('a narrative section and a participant added by mistake are withdrawn with a reason, kept in history, never deleted', async ({ page }) => {
  await signIn(page, WALKER);
  const review = await openNewReview(page, `Child K ${Date.now()}`);
  await page.goto(`${review}/narrative/new`);
  await page.fill('#heading', 'The first months (duplicate)');
  await page.fill('#body', 'A section typed twice by mistake.');
  await page.getByRole('button', { name: 'Save the section' }).click();
  await page.getByRole('link', { name: 'The first months (duplicate)' }).click();
  // A reason is needed.
  await page.locator('#withdraw summary').click();
  await page.getByRole('button', { name: 'Withdraw the section' }).click();
  await expect(page.locator('.error-summary')).toContainText('Say why it is withdrawn');
  await checkAccessibility(page, 'withdrawing a section without a reason');
  await page.fill('#withdraw_reason', 'Typed twice; the other copy stands.');
  await page.getByRole('button', { name: 'Withdraw the section' }).click();
  await expect(page.getByRole('heading', { name: 'Narrative', level: 1 })).toBeVisible();
  await expect(page.locator('main .card', { hasText: 'A section typed twice' })).toHaveCount(0);
  const gone = page.locator('details.withdrawn-list');
  await expect(gone.locator('summary')).toHaveText('Withdrawn sections (1)');
  await gone.locator('summary').click();
  await expect(gone).toContainText('Typed twice; the other copy stands.');
  await keep(page, 'workspace-04-withdrawn-section');
  // Kept in the history and the audit trail with the reason.
  await gone.getByRole('link', { name: 'The first months (duplicate)' }).click();
  await expect(page.locator('#withdrawn')).toContainText('Typed twice; the other copy stands.');
  await page.goto(`${review}/audit`);
  await expect(page.locator('main')).toContainText('withdrew it: Typed twice; the other copy stands.');

  await page.goto(`${review}/participants`);
  await page.fill('#label', 'Social worker 9');
  await page.selectOption('#role', 'case_group_member');
  await page.getByRole('button', { name: 'Add the participant' }).click();
  await page.getByRole('link', { name: 'Change Social worker 9' }).click();
  await page.locator('#withdraw summary').click();
  await page.fill('#withdraw_reason', 'Not involved with this family.');
  await page.getByRole('button', { name: 'Withdraw the participant' }).click();
  await expect(page.getByRole('cell', { name: 'Social worker 9', exact: true })).toHaveCount(0);
  await expect(page.locator('details.withdrawn-list summary')).toHaveText('Withdrawn participants (1)');
  await checkAccessibility(page, 'participants with one withdrawn');
  // No longer offered for a conversation.
  await page.goto(`${review}/conversations/new`);
  await expect(page.getByLabel('Conversation with').locator('option', { hasText: 'Social worker 9' })).toHaveCount(0);

  // An agency added by mistake: withdrawn with a reason, no longer offered, still named.
  await page.goto(`${review}/agencies`);
  await page.fill('#name', 'Harrowgate Polise');
  await page.selectOption('#sector', 'police');
  await page.getByRole('button', { name: 'Add the agency' }).click();
  const row = page.locator('tr', { hasText: 'Harrowgate Polise' });
  await row.locator('summary').click();
  await row.getByRole('button', { name: 'Withdraw the agency' }).click();
  await expect(page.locator('.error-summary')).toContainText('The agency was not withdrawn: say why the agency is withdrawn');
  await page.locator('tr', { hasText: 'Harrowgate Polise' }).getByLabel('Why Harrowgate Polise is withdrawn').fill('Misspelt; added again correctly.');
  await page.locator('tr', { hasText: 'Harrowgate Polise' }).getByRole('button', { name: 'Withdraw the agency' }).click();
  await expect(page.locator('tr', { hasText: 'Harrowgate Polise' })).toHaveCount(0);
  await expect(page.locator('details.withdrawn-list summary')).toHaveText('Withdrawn agencies (1)');
  await checkAccessibility(page, 'agencies with one withdrawn');
  await keep(page, 'workspace-04-withdrawn-agency');
  await page.goto(`${review}/chronology/new`);
  await expect(page.getByLabel('Agency').locator('option', { hasText: 'Harrowgate Polise' })).toHaveCount(0);
  await page.goto(`${review}/audit`);
  await expect(page.locator('main')).toContainText('withdrew an agency: Misspelt; added again correctly.');
});
