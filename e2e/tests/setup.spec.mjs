// First run: a fresh database with no administrator; the operator opens /setup with the one-time
// code the server printed, creates the first administrator, and the page closes for good.
import { test, expect } from '@playwright/test';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkAccessibility, keep } from './helpers.mjs';

const BIN = process.env.CASEWINDOW_BIN;
const PORT = 8191;

test('the first administrator is created once with the printed code', async ({ page }) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-setup-'));
  const env = { ...process.env, DATABASE_URL: `sqlite:${dir}/casewindow.db`, CASEWINDOW_LOG: 'warn' };
  execFileSync(BIN, ['migrate', '--create'], { env });
  const server = spawn(BIN, ['serve', '--addr', `127.0.0.1:${PORT}`], { env });
  try {
    let stderr = '';
    server.stderr.on('data', (chunk) => { stderr += chunk; });
    await expect.poll(() => /set-up code (\S+) /.exec(stderr)?.[1], { timeout: 30_000 }).toBeTruthy();
    const code = /set-up code (\S+) /.exec(stderr)[1];
    const base = `http://127.0.0.1:${PORT}`;
    await expect.poll(async () => (await fetch(`${base}/health`).catch(() => null))?.status, { timeout: 30_000 }).toBe(200);

    await page.goto(`${base}/setup`);
    await expect(page.getByRole('heading', { name: 'Set up casewindow' })).toBeVisible();
    await checkAccessibility(page, 'first run');
    await keep(page, 'page-setup');

    // A wrong code is refused, and what was typed (but the password) stays.
    await page.fill('#code', 'not-the-code');
    await page.fill('#display_name', 'First Admin');
    await page.fill('#email', 'first.admin@example.org');
    await page.fill('#password', 'an entirely fictional passphrase');
    await page.getByRole('button', { name: 'Create the administrator' }).click();
    await expect(page.locator('.error-summary')).toContainText('set-up code');
    await expect(page.locator('#email')).toHaveValue('first.admin@example.org');
    await checkAccessibility(page, 'first run with an error');

    await page.fill('#code', code);
    await page.fill('#password', 'an entirely fictional passphrase');
    await page.getByRole('button', { name: 'Create the administrator' }).click();
    await expect(page.getByRole('heading', { name: 'Sign in to casewindow' })).toBeVisible();
    await page.fill('#email', 'first.admin@example.org');
    await page.fill('#password', 'an entirely fictional passphrase');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByText('You are a platform administrator')).toBeVisible();

    // Closed for good: the same code, or any other, finds nothing.
    expect((await page.request.get(`${base}/setup`)).status()).toBe(404);
  } finally {
    server.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
