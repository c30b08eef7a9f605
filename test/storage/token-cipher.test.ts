import { describe, expect, it } from 'vitest';
import { createTokenCipher, openTokens, sealTokens } from '../../src/storage/token-cipher.js';
import { expectCode } from './store-suite.js';

const OLD = 'old-secret-0123456789abcdefghijklmnopqrstuvwxyz';
const NEW = 'new-secret-0123456789abcdefghijklmnopqrstuvwxyz';

describe('token cipher', () => {
  it('round-trips, never stores the plaintext, and uses a fresh IV each time', async () => {
    const cipher = createTokenCipher({ secrets: [NEW] });
    const a = await cipher.encrypt('ya29.secret-access-token', 'account:1');
    const b = await cipher.encrypt('ya29.secret-access-token', 'account:1');
    expect(a.ciphertext).not.toContain('secret-access-token');
    expect(a.ciphertext).not.toBe(b.ciphertext);
    expect(a.keyId).toBe(await cipher.currentKeyId());
    expect(a.ciphertext.startsWith(`lk1.${a.keyId}.`)).toBe(true);
    expect(await cipher.decrypt(a.ciphertext, 'account:1')).toBe('ya29.secret-access-token');
  });

  it('keeps old rows readable after rotation and encrypts with the newest key', async () => {
    const before = createTokenCipher({ secrets: [OLD] });
    const sealed = await sealTokens(before, 'acc_1', { accessToken: 'at', refreshToken: 'rt', expiresAt: 5 });
    const after = createTokenCipher({ secrets: [NEW, OLD] });
    expect(await openTokens(after, 'acc_1', sealed.ciphertext)).toEqual({ accessToken: 'at', refreshToken: 'rt', expiresAt: 5 });
    const resealed = await sealTokens(after, 'acc_1', { accessToken: 'at2' });
    expect(resealed.keyId).not.toBe(sealed.keyId);
    expect(resealed.keyId).toBe(await createTokenCipher({ secrets: [NEW] }).currentKeyId());
    // Once the old secret is dropped, its rows no longer decrypt (a typed error, not garbage).
    const dropped = createTokenCipher({ secrets: [NEW] });
    await expectCode(openTokens(dropped, 'acc_1', sealed.ciphertext), 'TOKEN_DECRYPT_FAILED');
    expect(await openTokens(dropped, 'acc_1', resealed.ciphertext)).toEqual({ accessToken: 'at2' });
  });

  it('detects tampering and refuses a ciphertext moved to another account', async () => {
    const cipher = createTokenCipher({ secrets: [NEW] });
    const { ciphertext } = await sealTokens(cipher, 'acc_victim', { accessToken: 'victim' });
    const parts = ciphertext!.split('.');
    const body = parts[3]!;
    const flipped = `${parts.slice(0, 3).join('.')}.${body[0] === 'A' ? 'B' : 'A'}${body.slice(1)}`;
    await expectCode(openTokens(cipher, 'acc_victim', flipped), 'TOKEN_DECRYPT_FAILED');
    await expectCode(openTokens(cipher, 'acc_attacker', ciphertext), 'TOKEN_DECRYPT_FAILED');
    await expectCode(openTokens(cipher, 'acc_victim', 'garbage'), 'TOKEN_DECRYPT_FAILED');
    const err = await expectCode(cipher.decrypt(`lk1.unknown.${parts[2]}.${body}`, 'x'), 'TOKEN_DECRYPT_FAILED');
    expect(err.message).not.toContain(body);
    expect(await openTokens(cipher, 'acc_victim', null)).toBeNull();
  });

  it('rejects short or missing secrets', () => {
    expect(() => createTokenCipher({ secrets: [] })).toThrow(/at least one secret/);
    expect(() => createTokenCipher({ secrets: ['short'] })).toThrow(/32 characters/);
  });
});
