// Testing the analysis together, in four browsers at once: the lead reviewer of a new review,
// a case group member, a family member and a partner signatory. The lead shares two KPEs and
// two findings with the case group; the practitioner disagrees with one finding; a joint
// meeting records the disagreement; report version 1 goes to the family, who comment on it;
// the partner signs it off; version 2 is frozen as final after the identifier scan and sign-off,
// and the review is published. The versions page shows who saw which version.
import { test, expect } from '@playwright/test';
import {
  WALKER, CASE_GROUP, FAMILY, PARTNER, signIn, checkAccessibility, keep, openNewReview, advance,
} from './helpers.mjs';

const TITLE = 'Child V';
const AGENCY = 'Valeford Children\'s Services';
const KPES = [
  { title: 'The first nursery referral', date: '2025-01-14', what: 'The nursery rang children\'s services about bruising; the call was logged as advice.' },
  { title: 'The second nursery referral', date: '2025-02-03', what: 'A second call about the same child was screened against the first and closed.' },
];
const FINDINGS = [
  { statement: 'Contacts that do not meet the threshold are not linked, so a pattern across calls is seen by no one.', pattern: 'tool' },
  { statement: 'Nursery staff are rarely told what happened to a referral, so they stop calling.', pattern: 'multiagency_longterm' },
];
const DISAGREEMENT = 'Each call was screened correctly against the threshold as it then stood.';

test('the case group, the family and a partner test a new review\'s analysis and its report versions', async ({ browser }) => {
  test.setTimeout(240_000);
  const contexts = [];
  const open = async (who) => {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    await signIn(page, who);
    return page;
  };
  const lead = await open(WALKER);

  // A new review with an agency, terms, and the three people invited to take part.
  const review = await openNewReview(lead, TITLE);
  await lead.goto(review + '/agencies');
  await lead.fill('#name', AGENCY);
  await lead.selectOption('#sector', 'childrens_social_care');
  await lead.getByRole('button', { name: 'Add the agency' }).click();
  await advance(lead, review, 'Scoping');
  await lead.goto(review + '/terms/edit');
  await lead.fill('#purpose', 'To understand how repeated nursery calls were handled.');
  await lead.fill('#research_questions', 'How are repeated contacts about one child linked?');
  await lead.getByLabel(AGENCY).check();
  await lead.fill('#agreed_on', '2025-06-02');
  await lead.getByRole('button', { name: 'Save the terms of reference' }).click();
  await advance(lead, review, 'Reviewers appointed');
  for (const [label, role, email] of [
    ['Nursery manager', 'case_group_member', CASE_GROUP.email],
    ['Mother', 'family_member', FAMILY.email],
    ['Partnership chair', 'partner_signatory', PARTNER.email],
  ]) {
    await lead.goto(review + '/participants');
    await lead.fill('#label', label);
    await lead.selectOption('#role', role);
    await lead.fill('#email', email);
    await lead.getByRole('button', { name: 'Add the participant' }).click();
    await expect(lead.getByRole('cell', { name: label, exact: true })).toBeVisible();
  }
  await advance(lead, review, 'Data collection');
  await lead.goto(review + '/chronology/new');
  await lead.selectOption('#agency_id', { label: AGENCY });
  await lead.fill('#start', '2025-01-14');
  await lead.fill('#description', 'Call from the nursery about bruising to the child\'s arm.');
  await lead.getByRole('button', { name: 'Add the entry' }).click();
  await advance(lead, review, 'Analysis');

  // Two episodes, each with the nursery manager's account, and two findings.
  for (const kpe of KPES) {
    await lead.goto(review + '/kpes/new');
    await lead.fill('#title', kpe.title);
    await lead.fill('#period_start', kpe.date);
    await lead.fill('#what_happened', kpe.what);
    await lead.selectOption('#rating', 'adequate');
    await lead.fill('#rationale', 'The screening followed the threshold document in use at the time.');
    await lead.getByRole('button', { name: 'Add the episode' }).click();
    await lead.locator('summary', { hasText: 'Add a local-rationality account' }).click();
    await lead.getByLabel('Whose account').selectOption({ label: 'Nursery manager (Case group member)' });
    await lead.fill('#what_they_thought_was_happening', 'That children\'s services now knew and would act.');
    await lead.getByRole('button', { name: 'Add the account' }).click();
    await expect(lead.getByRole('heading', { name: 'Nursery manager', level: 3 })).toBeVisible();
  }
  await advance(lead, review, 'Findings development');
  for (const [index, finding] of FINDINGS.entries()) {
    await lead.goto(review + '/findings/new');
    await lead.fill('#statement', finding.statement);
    await lead.check(`#pattern-${finding.pattern}`);
    await lead.check('#polarity-unsafe');
    await lead.getByLabel(`KPE ${index + 1}: ${KPES[index].title}`, { exact: true }).check();
    await lead.selectOption('#evidence_kind_0', 'review_team_knowledge');
    await lead.fill('#evidence_description_0', 'Two other nurseries in the partnership describe the same.');
    await lead.getByRole('button', { name: 'Save the finding' }).click();
    await expect(lead.getByRole('heading', { name: 'Findings', level: 1 })).toBeVisible();
  }
  await expect(lead.locator('main table tbody tr').first()).toContainText('Draft');
  await advance(lead, review, 'Report drafting');

  // The lead shares both episodes and both findings with the case group.
  const sections = lead.getByRole('navigation', { name: 'Review sections' });
  await sections.getByRole('link', { name: 'Sharing and comments' }).click();
  await lead.selectOption('#audience', 'case_group');
  for (const label of [`Key practice episode 1: ${KPES[0].title}`, `Key practice episode 2: ${KPES[1].title}`]) {
    await lead.getByLabel(label).check();
  }
  await lead.locator('#items input[value^="finding:"]').first().check();
  await lead.locator('#items input[value^="finding:"]').nth(1).check();
  await lead.fill('#note', 'Please comment before the joint meeting.');
  await lead.getByRole('button', { name: 'Share' }).click();
  await expect(lead.locator('.card h3')).toHaveText([
    `Key practice episode 1: ${KPES[0].title}`, `Key practice episode 2: ${KPES[1].title}`, 'Finding 1', 'Finding 2',
  ]);
  await checkAccessibility(lead, 'sharing page');
  await keep(lead, 'together-01-shared');

  // The practitioner sees what waits for them, and only that; disagrees with finding 1.
  const caseGroup = await open(CASE_GROUP);
  await caseGroup.getByRole('link', { name: /4 drafts shared with you/ }).click();
  await expect(caseGroup.getByRole('heading', { name: 'Shared with you', level: 1 })).toBeVisible();
  await expect(caseGroup.locator('main')).toContainText(FINDINGS[0].statement);
  await expect(caseGroup.getByRole('navigation', { name: 'Review sections' }).getByRole('link')).toHaveText(['Shared with you']);
  const findingOne = caseGroup.locator('.card').filter({ hasText: FINDINGS[0].statement });
  await findingOne.getByLabel(/Your comment on Finding/).fill(`I disagree. ${DISAGREEMENT}`);
  await findingOne.getByRole('button', { name: 'Send the comment' }).click();
  await expect(caseGroup.locator('.comment')).toContainText('Not answered yet');
  await checkAccessibility(caseGroup, 'shared with the case group');
  await keep(caseGroup, 'together-02-case-group');
  for (const path of ['', '/findings', '/kpes', '/report', '/meetings']) {
    const response = await caseGroup.request.get(review + path);
    expect(response.status(), `case group on ${path || 'the overview'}`).toBe(404);
  }

  // The lead answers, and a joint meeting keeps the disagreement.
  await lead.goto(review + '/sharing');
  const comment = lead.locator('.comment').filter({ hasText: DISAGREEMENT });
  await comment.getByLabel(/Your answer to/).selectOption('disagreed');
  await comment.getByLabel('What changed, or why you disagree').fill('The threshold did not ask for earlier calls to be read.');
  await comment.getByRole('button', { name: 'Answer' }).click();
  await expect(lead.locator('.comment').filter({ hasText: DISAGREEMENT })).toContainText('Disagreed, by Wren Walker');
  await lead.goto(review + '/findings');
  await expect(lead.locator('main table tbody tr').first()).toContainText('Disputed');

  await lead.goto(review + '/meetings/new');
  await lead.selectOption('#kind', 'joint');
  await lead.fill('#held_on', '2025-07-01');
  await lead.fill('#title', 'Joint meeting 1');
  await lead.getByLabel('Nursery manager (Case group member)').check();
  await lead.getByLabel('Lead reviewer', { exact: true }).check();
  const topic = (n) => lead.locator('#items tbody tr').filter({ hasText: `Finding ${n}:` });
  await topic(1).locator('input[name=items]').check();
  await topic(2).locator('input[name=items]').check();
  await topic(2).locator('input[name=agreed]').check();
  await lead.fill('#notes', 'Both findings discussed with the nursery manager.');
  await lead.getByRole('button', { name: 'Save the meeting' }).click();
  await expect(lead.getByRole('heading', { name: 'Joint meeting 1', level: 1 })).toBeVisible();
  await lead.selectOption('#about', { label: `Finding 1: ${FINDINGS[0].statement}` });
  await lead.selectOption('#holder', { label: 'Nursery manager (Case group member)' });
  await lead.fill('#view', DISAGREEMENT);
  await lead.selectOption('#holder_2', { label: 'Lead reviewer' });
  await lead.fill('#view_2', 'The threshold did not ask for earlier calls to be read.');
  await lead.getByRole('button', { name: 'Record the disagreement' }).click();
  await lead.selectOption('#status-0', 'stands');
  await lead.fill('#resolution-0', 'The nursery manager and the review team see the screening differently.');
  await lead.fill('#report_location-0', 'Finding 1, the case group\'s view');
  await lead.getByRole('button', { name: 'Save where it stands' }).click();
  await lead.fill('#action_description', 'Ask the nursery how it hears back after a referral.');
  await lead.fill('#action_owner', 'Lead reviewer');
  await lead.getByRole('button', { name: 'Add the action' }).click();
  await lead.getByRole('button', { name: /Mark done/ }).click();
  await expect(lead.locator('main')).toContainText('Ask the nursery how it hears back after a referral. (Lead reviewer) (done)');
  await lead.goto(review + '/meetings');
  await expect(lead.locator('main table')).toContainText('Stands');
  await checkAccessibility(lead, 'meetings and disagreement log');
  await keep(lead, 'together-03-disagreement-log');
  await lead.goto(review + '/findings');
  await expect(lead.locator('main table tbody tr').nth(0)).toContainText('Disputed');
  await expect(lead.locator('main table tbody tr').nth(1)).toContainText('Agreed');
  await advance(lead, review, 'Factual accuracy and family preview');

  // Version 1 goes to the family, who read it and comment on a section.
  await lead.goto(review + '/report/versions');
  await lead.selectOption('#stage', 'draft');
  await lead.getByRole('button', { name: 'Freeze a new version' }).click();
  await lead.getByLabel('Put version 1 to').selectOption('family_preview');
  await lead.getByRole('button', { name: 'Move it on' }).click();
  await expect(lead.getByRole('heading', { name: 'Version 1: For the family to preview' })).toBeVisible();

  const family = await open(FAMILY);
  await family.getByRole('link', { name: /1 report version for you/ }).click();
  await family.getByRole('link', { name: /Version 1: For the family to preview/ }).click();
  await expect(family.getByRole('heading', { name: 'Report version 1', level: 1 })).toBeVisible();
  await expect(family.locator('main')).toContainText(FINDINGS[1].statement);
  // The disagreement that stands is in the report, each view as it was put.
  await expect(family.locator('.report')).toContainText('Where views differ');
  await expect(family.locator('.report')).toContainText(`Nursery manager: ${DISAGREEMENT}`);
  await family.selectOption('#section', { index: 2 });
  await family.fill('#body', 'Nobody asked us about the nursery\'s second call.');
  await family.getByRole('button', { name: 'Send the comment' }).click();
  await expect(family.locator('.comment')).toContainText('Nobody asked us about the nursery');
  await checkAccessibility(family, 'family preview of version 1');
  await keep(family, 'together-04-family-preview');
  expect((await family.request.get(review + '/findings')).status()).toBe(404);

  // The partner signs version 1 off at their stage.
  await lead.goto(review + '/report/versions');
  await lead.getByLabel('Put version 1 to').selectOption('partner_sign_off');
  await lead.getByRole('button', { name: 'Move it on' }).click();
  const partner = await open(PARTNER);
  await partner.goto(review + '/shared');
  await partner.getByRole('link', { name: /Version 1: For the partners' sign-off/ }).click();
  await partner.selectOption('#decision', 'signed_off');
  await partner.getByRole('button', { name: 'Record the decision' }).click();
  await expect(partner.getByRole('heading', { name: 'Report version 1', level: 1 })).toBeVisible();
  await advance(lead, review, 'Partner sign-off');

  // Responses and an action plan; the scan and sign-off; version 2 frozen as final; published.
  await lead.goto(review + '/actions');
  for (const card of await lead.locator('form[action*="/responses/"]').all()) {
    await card.locator('textarea[name=response]').fill('The partnership will link contacts about one child.');
    await card.getByRole('button', { name: /Save the response/ }).click();
  }
  await lead.goto(review + '/actions');
  await lead.selectOption('#owner_agency_id', { label: AGENCY });
  await lead.fill('#description', 'Show earlier contacts when a new one about the same child is screened.');
  await lead.getByRole('button', { name: 'Add the action' }).click();
  await advance(lead, review, 'Pre-publication');
  await lead.goto(review + '/report/versions');
  await lead.selectOption('#stage', 'final');
  await lead.getByRole('button', { name: 'Freeze a new version' }).click();
  await expect(lead.locator('.error-summary')).toContainText('anonymisation sign-off');
  await lead.goto(review + '/publication/scan');
  await lead.getByRole('button', { name: 'Run the identifier scan' }).click();
  await lead.getByRole('button', { name: 'Continue to the sign-off' }).click();
  await lead.check('#signed_off');
  await lead.fill('#signed_off_on', '2025-09-01');
  await lead.fill('#residual_risks', 'None seen.');
  await lead.selectOption('#outcome', 'publish');
  await lead.fill('#decision_on', '2025-09-01');
  await lead.fill('#published_on', '2025-09-08');
  await lead.getByRole('button', { name: 'Continue' }).click();
  await lead.getByRole('button', { name: 'Confirm and record' }).click();
  await lead.goto(review + '/report/versions');
  await lead.selectOption('#stage', 'final');
  await lead.getByRole('button', { name: 'Freeze a new version' }).click();
  await expect(lead.getByRole('heading', { name: 'Version 2: Final' })).toBeVisible();
  await advance(lead, review, 'Published');

  // Who saw which version: the family and the partner opened version 1.
  await lead.goto(review + '/report/versions');
  const v1 = lead.locator('.card').filter({ has: lead.getByRole('heading', { name: /Version 1:/ }) });
  await v1.locator('summary', { hasText: /Opened/ }).click();
  await expect(v1).toContainText('Fern Family');
  await expect(v1).toContainText('Pat Partner');
  await expect(v1).toContainText('Signed off, Pat Partner');
  await checkAccessibility(lead, 'report versions');
  await keep(lead, 'together-05-versions');
  for (const context of contexts) await context.close();
});
