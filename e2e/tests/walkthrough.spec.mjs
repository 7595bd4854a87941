// A whole review, as a lead reviewer does it: open it, add agencies, terms of reference,
// chronology entries, a participant and a conversation, a key practice episode with local
// rationality and factors, a finding, and move it through its lifecycle, including a
// transition the lifecycle refuses.
import { test, expect } from '@playwright/test';
import { WALKER, signIn, checkAccessibility, keep } from './helpers.mjs';

test('a lead reviewer walks a whole review through the workspace', async ({ page }) => {
  await signIn(page, WALKER);
  await keep(page, 'walk-01-portfolio');

  // Open the review; a blank form is refused with an error summary and nothing lost.
  await page.getByRole('link', { name: 'Open a new review' }).click();
  await page.getByRole('button', { name: 'Open the review' }).click();
  await expect(page.locator('.error-summary')).toContainText('Enter the review\'s pseudonymous title');
  await checkAccessibility(page, 'new review with errors');
  await keep(page, 'walk-02-new-review-errors');
  await page.fill('#title', 'Child Q');
  await page.fill('#new_partnership', 'Harbourside Safeguarding Children Partnership');
  await page.selectOption('#kind', 'local_child_safeguarding_practice_review');
  await page.selectOption('#methodology', 'mid_range');
  await page.fill('#period_start', '2024-01-01');
  await page.fill('#period_end', '2025-03-31');
  await page.check('#harm-neglect');
  await page.getByRole('button', { name: 'Open the review' }).click();
  await expect(page.getByRole('heading', { name: 'Child Q', level: 1 })).toBeVisible();
  await expect(page.locator('.tag').filter({ hasText: 'Commissioned' })).toBeVisible();
  const reviewUrl = page.url();

  // Agencies.
  await page.getByRole('navigation', { name: 'Review sections' }).getByRole('link', { name: 'Agencies' }).click();
  for (const [name, sector] of [['Harbourside Children\'s Services', 'childrens_social_care'], ['Harbourside Community Health', 'health_visiting0_to19']]) {
    await page.fill('#name', name);
    await page.selectOption('#sector', sector);
    await page.getByRole('button', { name: 'Add the agency' }).click();
    await expect(page.getByRole('cell', { name, exact: true })).toBeVisible();
  }

  // Move forward: commissioned -> scoping is free; scoping -> reviewers appointed needs agreed terms.
  await advance(page, reviewUrl, 'Scoping');
  await page.goto(reviewUrl);
  await page.getByRole('link', { name: 'Try to move to Reviewers appointed' }).click();
  await page.getByRole('button', { name: 'Confirm and change the stage' }).click();
  await expect(page.locator('.error-summary')).toContainText('Write the terms of reference');
  await keep(page, 'walk-03-refused-transition');
  await checkAccessibility(page, 'refused transition');

  await page.goto(reviewUrl + '/terms/edit');
  await page.fill('#purpose', 'To understand how concerns about a young child\'s growth were shared.');
  await page.fill('#research_questions', 'How do agencies share concerns about growth?\nHow is the child\'s daily experience understood?');
  await page.check('text=Harbourside Children\'s Services');
  await page.fill('#agreed_on', '2025-05-01');
  await page.getByRole('button', { name: 'Save the terms of reference' }).click();
  await expect(page.getByText('How do agencies share concerns about growth?')).toBeVisible();
  await advance(page, reviewUrl, 'Reviewers appointed');
  await advance(page, reviewUrl, 'Data collection');

  // Chronology entries from two agencies about the same home visit.
  for (const [agency, date, who, text] of [
    ['Harbourside Community Health', '2024-03-12', 'Health visitor', 'Home visit. Child Q weighed; weight below the 2nd centile. Mother warm and engaged.'],
    ['Harbourside Children\'s Services', '2024-03-13', 'Social worker', 'Joint home visit with the health visitor. Weight concern noted; mother engaged.'],
  ]) {
    await page.goto(reviewUrl + '/chronology/new');
    await page.getByLabel('Agency').selectOption({ label: agency });
    await page.fill('#start', date);
    await page.fill('#actor_role', who);
    await page.fill('#contact_type', 'Home visit');
    await page.fill('#description', text);
    await page.getByRole('button', { name: 'Add the entry' }).click();
    await expect(page.getByRole('heading', { name: 'Agency chronologies' })).toBeVisible();
  }
  await page.goto(reviewUrl + '/chronology?view=side-by-side');
  await expect(page.locator('tr.shared')).toContainText('Recorded by 2 agencies');
  await expect(page.locator('tr.shared .difference').first()).toBeVisible();
  await keep(page, 'walk-04-side-by-side');
  await page.goto(reviewUrl + '/chronology?view=timeline');
  await expect(page.locator('svg.timeline-svg circle')).toHaveCount(2);

  // A participant and their conversation.
  await page.goto(reviewUrl + '/participants');
  await page.fill('#label', 'Health visitor 1');
  await page.selectOption('#role', 'case_group_member');
  await page.getByLabel('Agency (optional)').selectOption({ label: 'Harbourside Community Health' });
  await page.getByRole('button', { name: 'Add the participant' }).click();
  await expect(page.getByRole('cell', { name: 'Health visitor 1', exact: true })).toBeVisible();
  await page.goto(reviewUrl + '/conversations/new');
  await page.getByLabel('Conversation with').selectOption({ label: 'Health visitor 1 (Case group member)' });
  await page.fill('#held_on', '2025-06-02');
  await page.fill('#overview', 'Knew the family through universal visits for a year.');
  await page.fill('#turning_points', 'The March home visit');
  await page.fill('#episode_0', 'The March home visit');
  await page.fill('#what_they_thought_was_happening_0', 'A small child gaining slowly in a loving family.');
  await page.getByRole('button', { name: 'Save the conversation record' }).click();
  await expect(page.getByRole('cell', { name: 'Health visitor 1', exact: true })).toBeVisible();

  await advance(page, reviewUrl, 'Analysis');

  // A key practice episode with hindsight language in its appraisal.
  await page.goto(reviewUrl + '/kpes/new');
  await page.fill('#title', 'The March home visit');
  await page.fill('#period_start', '2024-03-12');
  await page.fill('#what_happened', 'The health visitor found low weight and planned a review in six weeks.');
  await page.selectOption('#rating', 'adequate');
  await page.fill('#rationale', 'The health visitor should have referred to the GP.');
  await expect(page.locator('#rationale-flags')).toContainText('should have');
  await page.getByRole('button', { name: 'Add the episode' }).click();
  await expect(page.locator('#hindsight-flags')).toContainText('should have');
  await page.locator('summary', { hasText: 'Add a local-rationality account' }).click();
  await page.getByLabel('Whose account').selectOption({ label: 'Health visitor 1 (Case group member)' });
  await page.fill('#what_they_thought_was_happening', 'Slow but steady growth in a warm family.');
  await page.fill('#competing_demands', 'Two safeguarding visits the same week.');
  await page.getByRole('button', { name: 'Add the account' }).click();
  await expect(page.getByRole('heading', { name: 'Health visitor 1', level: 3 })).toBeVisible();
  await page.locator('summary', { hasText: 'Add a contributory factor' }).click();
  await page.selectOption('#level', 'conditions_of_work');
  await page.fill('#factor', 'Workload');
  await page.fill('#factor_description', 'A caseload far above the recommended level.');
  await page.check('#direction-hinders');
  await page.getByRole('button', { name: 'Add the factor' }).click();
  await expect(page.getByRole('cell', { name: 'Workload', exact: true })).toBeVisible();
  await keep(page, 'walk-05-kpe');
  await checkAccessibility(page, 'key practice episode');
  const kpeUrl = page.url();

  // The lifecycle refuses to leave analysis while the appraisal carries hindsight language.
  await page.goto(reviewUrl);
  await page.getByRole('link', { name: 'Try to move to Findings development' }).click();
  await page.getByRole('button', { name: 'Confirm and change the stage' }).click();
  await expect(page.locator('.error-summary')).toContainText('hindsight language in its appraisal ("should have")');
  await page.goto(kpeUrl);
  await page.fill('#rationale', 'Growth guidance at the time allowed a six-week review for a well child.');
  await page.fill('#change_reason', 'Rephrased without hindsight');
  await page.getByRole('button', { name: 'Save the episode' }).click();
  await expect(page.locator('#hindsight-flags')).toHaveCount(0);
  await advance(page, reviewUrl, 'Findings development');

  // A finding in the template.
  await page.goto(reviewUrl + '/findings/new');
  await page.fill('#statement', 'Growth records held by separate teams hide a pattern of faltering growth.');
  // The pattern library suggests a pattern, explains why, and keeps what was typed.
  await page.getByRole('button', { name: 'Suggest a pattern from this text' }).click();
  await expect(page.getByRole('heading', { name: 'Suggested by the pattern library' })).toBeVisible();
  // One pattern when the library is clearly ahead, two side by side when it is not.
  await expect(page.locator('.suggestion__headline')).toHaveText(/% likely|^Not clear-cut: .+ \(\d+%\) or .+ \(\d+%\)\.$/);
  await expect(page.locator('#statement')).toHaveValue(/Growth records held by separate teams/);
  await keep(page, 'walk-06-finding-suggestion');
  await page.check('#pattern-tool');
  await page.check('#polarity-unsafe');
  await page.fill('#manifestation', 'Earlier weights were not visible at the March visit.');
  await page.check('text=KPE 1: The March home visit');
  await page.selectOption('#evidence_kind_0', 'local_audit_data');
  await page.fill('#evidence_description_0', 'An audit of 30 records found the same split.');
  await page.fill('#why_it_matters', 'Faltering growth is an early sign of neglect.');
  await page.fill('#questions', 'How will the partnership make growth history visible to every team?');
  await page.getByRole('button', { name: 'Save the finding' }).click();
  await expect(page.getByRole('link', { name: /Growth records held by separate teams/ })).toBeVisible();
  // The suggestion shown and the reviewer's choice are kept with the finding.
  await page.getByRole('link', { name: /Growth records held by separate teams/ }).click();
  await expect(page.locator('#pattern-hint')).toContainText('The pattern library suggested');
  await page.goBack();
  await keep(page, 'walk-06-findings');

  await advance(page, reviewUrl, 'Report drafting');
  await page.goto(reviewUrl + '/history');
  await expect(page.getByRole('cell', { name: 'Report drafting' })).toBeVisible();
  await keep(page, 'walk-07-history');

  // On hold with a reason, and resumed to the same stage.
  await page.goto(reviewUrl + '/transition?action=hold');
  await page.fill('#reason', 'Criminal trial listed for the autumn');
  await page.getByRole('button', { name: 'Confirm and change the stage' }).click();
  await expect(page.locator('.warning-text')).toContainText('Criminal trial listed for the autumn');
  await page.getByRole('link', { name: 'Resume the review' }).click();
  await page.getByRole('button', { name: 'Confirm and change the stage' }).click();
  await expect(page.locator('.tag').filter({ hasText: 'Report drafting' })).toBeVisible();
});

test('a notified review runs its statutory clocks, rapid review and decision, then records publication', async ({ page }) => {
  await signIn(page, WALKER);
  await page.goto('/reviews/new');
  await page.fill('#title', 'Baby R');
  await page.fill('#new_partnership', 'Northgate Safeguarding Children Partnership');
  await page.selectOption('#kind', 'local_child_safeguarding_practice_review');
  await page.selectOption('#methodology', 'full');
  await page.fill('#local_authority_aware_on', '2026-03-23');
  await page.fill('#notified_on', '2026-03-27');
  await page.getByRole('button', { name: 'Open the review' }).click();
  const reviewUrl = page.url();
  await expect(page.locator('.tag').filter({ hasText: 'Notified' })).toBeVisible();
  // Notified on Friday 27 March 2026: 15 working days, skipping Easter, is Tuesday 21 April.
  await expect(page.getByRole('cell', { name: '21 April 2026' })).toBeVisible();
  await expect(page.getByRole('cell', { name: 'Met on 27 March 2026' })).toBeVisible();
  await advance(page, reviewUrl, 'Rapid review in progress');

  await page.goto(reviewUrl + '/details');
  await page.fill('#rapid_review_submitted_on', '2026-04-16');
  await page.selectOption('#decision', 'commission_local_review');
  await page.fill('#decided_on', '2026-04-16');
  await page.getByRole('button', { name: 'Save the details' }).click();
  await expect(page.locator('.error-summary')).toContainText('Rationale is required');
  await expect(page.locator('#rapid_review_submitted_on')).toHaveValue('2026-04-16');
  await page.fill('#decision_rationale', 'Learning about information sharing around a young baby.');
  await page.getByRole('button', { name: 'Save the details' }).click();
  await expect(page.getByRole('cell', { name: 'Met on 16 April 2026' })).toBeVisible();
  await advance(page, reviewUrl, 'Rapid review submitted');
  await advance(page, reviewUrl, 'Decision made');
  await advance(page, reviewUrl, 'Commissioned');

  await page.goto(reviewUrl + '/details');
  await page.locator('summary', { hasText: 'Record a parallel process' }).click();
  await page.selectOption('#process_kind', 'criminal_investigation');
  await page.fill('#contact', 'Senior investigating officer');
  await page.check('#blocks_publication');
  await page.getByRole('button', { name: 'Record the process' }).click();
  await page.goto(reviewUrl + '/details');
  await expect(page.getByText('Publication waits for it')).toBeVisible();

  await page.goto(reviewUrl + '/publication');
  await page.selectOption('#outcome', 'defer');
  await page.fill('#decision_on', '2026-05-01');
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.locator('.error-summary')).toContainText('Enter the reasons for the decision');
  await page.fill('#reasons', 'Criminal proceedings have not concluded.');
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByRole('heading', { name: 'Record the publication decision' })).toBeVisible();
  await keep(page, 'walk-08-publication-check');
  await checkAccessibility(page, 'publication check your answers');
  await page.getByRole('button', { name: 'Confirm and record' }).click();
  await page.goto(reviewUrl + '/publication');
  await expect(page.locator('#reasons')).toHaveValue('Criminal proceedings have not concluded.');

  // The report and briefing come from the records, in the browser and as downloads.
  await page.goto(reviewUrl + '/report');
  await expect(page.getByRole('heading', { name: 'Report', level: 1 })).toBeVisible();
  await expect(page.locator('.report')).toContainText('No findings have been written yet.');
  await keep(page, 'walk-09-report');
  for (const [path, type] of [['/report.docx', 'wordprocessingml'], ['/report.pdf', 'application/pdf'],
    ['/briefing.docx', 'wordprocessingml'], ['/briefing.pdf', 'application/pdf']]) {
    const response = await page.request.get(reviewUrl + path);
    expect(response.status(), path).toBe(200);
    expect(response.headers()['content-type'], path).toContain(type);
    expect((await response.body()).length, path).toBeGreaterThan(2000);
  }

  // A sign-off is accepted only after a scan of the documents as they stand.
  await page.goto(reviewUrl + '/publication');
  await page.check('#signed_off');
  await page.fill('#signed_off_on', '2026-05-02');
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.locator('.error-summary')).toContainText('Run the identifier scan');
  await page.goto(reviewUrl + '/publication/scan');
  await page.fill('#extra_names', 'school: Hill Top Primary');
  await page.getByRole('button', { name: 'Run the identifier scan' }).click();
  await expect(page.getByRole('heading', { name: 'Result' })).toBeVisible();
  await keep(page, 'walk-10-scan');
  await checkAccessibility(page, 'identifier scan result');
  await page.getByRole('button', { name: 'Continue to the sign-off' }).click();
  await page.check('#signed_off');
  await page.fill('#signed_off_on', '2026-05-02');
  await page.fill('#residual_risks', 'The month of the incident stays: it is already public.');
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByText('after an identifier scan that showed')).toBeVisible();
  await page.getByRole('button', { name: 'Confirm and record' }).click();
  await page.goto(reviewUrl + '/report');
  await expect(page.locator('.report__marking')).toHaveText('Checked for identifying details');
});

async function advance(page, reviewUrl, stage) {
  await page.goto(reviewUrl);
  await page.getByRole('link', { name: `Move to ${stage}` }).click();
  await expect(page.getByRole('heading', { name: `Move the review to ${stage}` })).toBeVisible();
  await page.getByRole('button', { name: 'Confirm and change the stage' }).click();
  await expect(page.locator('.tag').filter({ hasText: stage }).first()).toBeVisible();
}
