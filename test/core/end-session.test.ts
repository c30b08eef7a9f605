/**
 * RP-initiated logout helpers: the end-session URL and the post-logout state check.
 */
import { describe, expect, it } from 'vitest';
import { buildEndSessionUrl, validateEndSessionResponse } from '../../src/core/end-session.js';

const metadata = { issuer: 'https://op.example', end_session_endpoint: 'https://op.example/session/end?tenant=a' };

describe('buildEndSessionUrl', () => {
  it('carries id_token_hint, client_id, post_logout_redirect_uri and state, keeping the endpoint query', () => {
    const url = buildEndSessionUrl(metadata, {
      clientId: 'rp',
      idTokenHint: 'eyJ.x.y',
      postLogoutRedirectUri: 'https://rp.example/out',
      state: 's1',
      extraParams: { ui_locales: 'fr' },
    });
    expect(url.origin + url.pathname).toBe('https://op.example/session/end');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      tenant: 'a',
      ui_locales: 'fr',
      id_token_hint: 'eyJ.x.y',
      client_id: 'rp',
      post_logout_redirect_uri: 'https://rp.example/out',
      state: 's1',
    });
  });

  it('END_SESSION_UNSUPPORTED without an end_session_endpoint', () => {
    expect(() => buildEndSessionUrl({ issuer: 'https://accounts.google.com' }, { clientId: 'rp' })).toThrow(
      expect.objectContaining({ code: 'END_SESSION_UNSUPPORTED' }),
    );
  });
});

describe('validateEndSessionResponse', () => {
  it('accepts the same state', () => {
    expect(() => validateEndSessionResponse(new URLSearchParams('state=s1'), 's1')).not.toThrow();
  });

  it('missing, empty, repeated or different state is LOGOUT_STATE_MISMATCH (values never in the message)', () => {
    for (const q of ['', 'state=', 'state=s1&state=s1', 'state=other']) {
      let error: unknown;
      try {
        validateEndSessionResponse(new URLSearchParams(q), 's1');
      } catch (e) {
        error = e;
      }
      expect(error).toMatchObject({ code: 'LOGOUT_STATE_MISMATCH', claim: 'state' });
      expect((error as Error).message).not.toMatch(/s1|other/);
    }
  });
});
