// The journey from a new review: four people with sealed identities and relationships,
// the genogram drawn from them, a narrative that writes real names in capitals and possessives,
// and a report that shows pseudonyms only, with the identifier scan finding nothing left; a
// reveal asks for a reason and the audit trail keeps it.
import { test, expect } from '@playwright/test';
import { WALKER, signIn, checkAccessibility, keep, openNewReview } from './helpers.mjs';

const TITLE = 'Child Q';
const PEOPLE = [
  { pseudonym: 'Child Q', relationship: 'the child at the centre of the review', age: 'age1_to4',
    centre: true, household: true, name: 'Rowan Quinnell', sex: 'male', rels: [] },
  { pseudonym: 'Mother', relationship: 'mother', age: 'adult', household: true,
    name: 'Dani Quinnell', sex: 'female', address: '14 Orchard Lane, Harrowgate',
    rels: [['parent_of', 'Child Q']] },
  { pseudonym: "Mother's partner", relationship: "mother's partner", age: 'adult', household: true,
    name: 'Lee Brennan', sex: 'male', rels: [['partner_of', 'Mother', '2024-01-01']] },
  { pseudonym: 'Father', relationship: 'father, lived elsewhere', age: 'adult',
    name: 'Sam Okafor', sex: 'male',
    rels: [['parent_of', 'Child Q'], ['partner_of', 'Mother', '2019-05-01', '2023-03-01']] },
];

test('four people, their genogram, and a report with pseudonyms only', async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page, WALKER);
  const review = await openNewReview(page, TITLE);

  for (const who of PEOPLE) {
    await page.goto(review + '/subjects/new');
    await page.fill('#pseudonym', who.pseudonym);
    await page.fill('#relationship', who.relationship);
    await page.selectOption('#age_band', who.age);
    if (who.centre) await page.check('#at_centre');
    if (who.household) await page.check('#household');
    for (const [idx, [kind, other, from, until]] of who.rels.entries()) {
      await page.selectOption(`#rel_${idx}`, kind);
      await page.selectOption(`#rel_to_${idx}`, { label: other });
      if (from) await page.fill(`#rel_from_${idx}`, from);
      if (until) await page.fill(`#rel_until_${idx}`, until);
    }
    if (who.pseudonym === 'Father') await keep(page, 'genogram-01-relationships');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect(page.locator('main table')).toContainText(who.pseudonym);
    await page.locator('main table').getByRole('link', { name: who.pseudonym, exact: true }).click();

    // Sex (sealed, drawn in the genogram) and the real identity (sealed, with a reason).
    await page.selectOption('#sex', who.sex);
    await page.getByRole('button', { name: 'Save sex, ethnicity and disability' }).click();
    await page.getByText('Record or replace the real identity').click();
    await page.fill('#full_name', who.name);
    if (who.address) await page.fill('#address_0', who.address);
    await page.fill('#reason', 'named in the agencies\u2019 chronologies');
    await page.getByRole('button', { name: 'Record the identity' }).click();
    await expect(page.locator('main')).not.toContainText(who.name);
  }
  await checkAccessibility(page, 'a person with relationships');

  // The genogram: everyone drawn, the relationships in words beside it.
  await page.goto(review + '/subjects');
  await page.getByRole('link', { name: 'See the genogram' }).click();
  const drawing = page.locator('main svg');
  await expect(drawing).toBeVisible();
  await expect(drawing.locator('circle')).toHaveCount(2); // the mother, and the legend's
  for (const who of PEOPLE) await expect(drawing).toContainText(who.pseudonym);
  const words = page.locator('main table');
  await expect(words).toContainText('parent of Child Q');
  await expect(words).toContainText('partner of Mother (May 2019 to March 2023)');
  await expect(page.locator('main')).not.toContainText('Quinnell');
  await checkAccessibility(page, 'genogram');
  await keep(page, 'genogram-02-drawing');

  // A narrative that names people as agencies' records do.
  await page.goto(review + '/narrative/new');
  await page.fill('#heading', 'Early years');
  await page.fill('#body',
    'The health visitor saw Dani at home. QUINNELL\u2019s nursery place was arranged by the family hub, ' +
    'and Dani\u2019s partner Lee Brennan was not known to the nursery. ROWAN QUINNELL was described as ' +
    'a quiet child; Okafor had no contact that year.');
  await page.getByRole('button', { name: 'Save the section' }).click();

  // A paper for the register: a file that is not what its name says is refused in words; the
  // real one is kept, for the leads only, and listed.
  await page.goto(review + '/documents');
  await page.fill('#title', 'Strategy discussion minutes');
  await page.selectOption('#kind', 'meeting_minutes');
  await page.selectOption('#legal_basis', 'statutory_request');
  await page.selectOption('#access', 'lead_reviewers');
  await page.setInputFiles('#file', { name: 'minutes.pdf', mimeType: 'application/pdf',
    buffer: Buffer.from([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00]) });
  await page.getByRole('button', { name: 'Register the document' }).click();
  await expect(page.locator('.error-summary')).toContainText('minutes.pdf is not a kind of file the register keeps');
  await page.setInputFiles('#file', { name: 'minutes.pdf', mimeType: 'application/pdf',
    buffer: Buffer.from('%PDF-1.4\nStrategy discussion\n%%EOF') });
  await page.getByRole('button', { name: 'Register the document' }).click();
  const register = page.locator('main table');
  await expect(register).toContainText('Strategy discussion minutes');
  await expect(register).toContainText('Leads only');
  await expect(register.getByRole('link', { name: /Download minutes\.pdf/ })).toBeVisible();
  await checkAccessibility(page, 'document register');
  await keep(page, 'genogram-04-documents');

  // The report: pseudonyms only, the genogram in its appendix.
  await page.goto(review + '/report');
  const report = page.locator('main');
  await expect(report).toContainText('Appendix D: the family');
  await expect(report).toContainText("Mother's partner");
  for (const real of ['Quinnell', 'QUINNELL', 'Dani', 'Brennan', 'Okafor', 'Rowan', 'Orchard']) {
    await expect(report).not.toContainText(real);
  }
  await keep(page, 'genogram-03-report');

  // The scan of the documents as they would be published finds nothing left.
  await page.goto(review + '/publication/scan');
  await page.getByRole('button', { name: 'Run the identifier scan' }).click();
  await expect(page.getByRole('heading', { name: 'Result' })).toBeVisible();
  await expect(page.locator('main')).toContainText('The scan found nothing that looks like an identifying detail');

  // The report is frozen for the family to preview: a version that will not change.
  await page.goto(review + '/report/versions');
  await page.selectOption('#stage', 'family_preview');
  await page.getByRole('button', { name: 'Freeze a new version' }).click();
  await expect(page.getByRole('heading', { name: 'Version 1: For the family to preview' })).toBeVisible();
  const frozen = await page.request.get(await page.getByRole('link', { name: 'PDF' }).getAttribute('href'));
  expect(frozen.status()).toBe(200);
  expect((await frozen.body()).subarray(0, 4).toString()).toBe('%PDF');
  await checkAccessibility(page, 'report versions');
  await keep(page, 'genogram-05-versions');

  // A reveal asks for a reason; the audit trail keeps it.
  await page.goto(review + '/subjects');
  await page.locator('main table').getByRole('link', { name: 'Mother', exact: true }).click();
  await page.getByRole('button', { name: 'Show the real identity' }).click();
  await expect(page.locator('.error-summary')).toBeVisible();
  await page.fill('#reveal_reason', 'matching the GP record');
  await page.getByRole('button', { name: 'Show the real identity' }).click();
  await expect(page.locator('main dl')).toContainText('Dani Quinnell');
  await expect(page.locator('main dl')).toContainText('14 Orchard Lane');
  await page.goto(review + '/audit');
  await expect(page.locator('main')).toContainText('matching the GP record');
});
