/**
 * Start-up checks a newcomer meets first (issue 13, item 8): a `baseUrl` without its scheme says so
 * (it used to read "`baseUrl` null must use https"), and a guessable secret is refused at start-up
 * in production, not only by `latchkey doctor`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createAuth } from '../../src/app/create-auth.js';
import { google } from '../../src/providers/index.js';

const STRONG = 'q3Jx9v-T2mWcL8zR_fY1uN6bK0hE4sDpA7gVtXoBiCe';
const provider = () => google({ clientId: 'id', clientSecret: 'secret-value' });
const previous = process.env.NODE_ENV;

afterEach(() => {
  process.env.NODE_ENV = previous;
});

describe('createAuth start-up checks', () => {
  it('a baseUrl without a scheme is named as such', () => {
    for (const baseUrl of ['localhost:3000', 'app.example.com:443']) {
      expect(() => createAuth({ baseUrl, secret: STRONG, providers: [provider()] })).toThrow(/`baseUrl` needs its scheme: write "https:\/\/app\.example\.com"/);
    }
    expect(() => createAuth({ baseUrl: 'app.example.com', secret: STRONG, providers: [provider()] })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
  });

  it('refuses guessable secrets in production, names them by position, never quotes them', () => {
    process.env.NODE_ENV = 'production';
    for (const weak of ['a'.repeat(32), 'ab'.repeat(16), 'changeme-changeme-changeme-changeme', 'my-super-secret-password-12345678']) {
      let message = '';
      try {
        createAuth({ baseUrl: 'https://app.example.com', secrets: [STRONG, weak], providers: [provider()] });
      } catch (error) {
        message = (error as Error).message;
        expect(error).toMatchObject({ code: 'CONFIG_INVALID' });
      }
      expect(message, weak).toMatch(/^Secret #2 looks guessable/);
      expect(message).not.toContain(weak);
    }
    expect(() => createAuth({ baseUrl: 'https://app.example.com', secret: STRONG, providers: [provider()] })).not.toThrow();
  });

  it('leaves development and tests alone', () => {
    process.env.NODE_ENV = 'development';
    expect(() => createAuth({ baseUrl: 'http://localhost:3000', secret: 'a'.repeat(32), providers: [provider()] })).not.toThrow();
  });
});
