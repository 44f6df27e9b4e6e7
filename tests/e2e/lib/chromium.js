// Debian's headless Chromium, driven by playwright-core, for the tests that need a real browser.
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.GATEHOUSE_CHROMIUM || '/usr/bin/chromium';

/** Starts Chromium: headless, kept off the (closed) network; Playwright gives it a fresh temporary profile. */
export function launchChromium() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Chromium as root needs --no-sandbox; the rest keeps it from calling home.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}
