/**
 * Crashes and lax acceptances the fuzzer found, as plain unit tests with the shrunk counterexample
 * (each failed on the code it was found on).
 *
 * 1. `sealed-cookie`: a sealed value whose last base64url character was changed within its spare
 *    bits (`…w` → `…x`), or which was given `=` padding, decoded to the same bytes and opened: one
 *    sealed cookie had several spellings. `Keyring.open` now opens only the canonical encoding
 *    (RFC 4648 §3.5, RFC 7515 §2).
 */
import { describe, expect, it } from 'vitest';
import { Keyring } from '../../src/app/seal.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

describe('fuzz regressions', () => {
  it('a sealed value opens under its one canonical spelling only (no spare-bit or padding variants)', async () => {
    const keyring = await Keyring.create(['fuzz-secret-0123456789abcdefghijklmnopqrstuvwxyz']);
    // {"sid":"abc","v":1} is 19 bytes, 35 with the GCM tag: 47 base64url characters, 2 spare bits in the last.
    const sealed = await keyring.seal('session', { sid: 'abc', v: 1 });
    expect(sealed.split('.')[2]).toHaveLength(47);
    expect(await keyring.open('session', sealed)).toEqual({ sid: 'abc', v: 1 });
    const opened: string[] = [];
    for (const c of ALPHABET) {
      const variant = sealed.slice(0, -1) + c;
      if (variant !== sealed && (await keyring.open('session', variant)) !== undefined) opened.push(c);
    }
    expect(opened).toEqual([]);
    const [kid, iv, ct] = sealed.split('.') as [string, string, string];
    expect(await keyring.open('session', `${kid}.${iv}.${ct}=`)).toBeUndefined();
    expect(await keyring.open('session', `${kid}.${iv}==.${ct}`)).toBeUndefined();
  });
});
