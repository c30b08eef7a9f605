import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { checkMetadata, clearDiscoveryCache, discover } from '../../src/core/discovery.js';
import { LatchkeyError, TransportError, ValidationError } from '../../src/errors.js';
import { type MisbehavingOp, startMisbehavingOp } from '../support/misbehaving-op.js';

let op: MisbehavingOp;
let pathOp: MisbehavingOp;
beforeAll(async () => {
  op = await startMisbehavingOp();
  pathOp = await startMisbehavingOp({ issuerPath: '/tenants/a' });
});
afterAll(async () => {
  await op.close();
  await pathOp.close();
});
beforeEach(() => {
  op.reset();
  pathOp.reset();
  clearDiscoveryCache();
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(LatchkeyError);
    return (e as LatchkeyError).code;
  }
  return 'accepted';
}

describe('discover', () => {
  it('fetches /.well-known/openid-configuration and returns the validated metadata', async () => {
    const md = await discover(op.issuer);
    expect(md.issuer).toBe(op.issuer);
    expect(md.token_endpoint).toBe(`${op.issuer}/token`);
    expect(md.authorization_response_iss_parameter_supported).toBe(true);
    expect(op.requests.map((r) => r.path)).toEqual(['/.well-known/openid-configuration']);
  });

  it('appends the well-known suffix to an issuer with a path (OIDC Discovery 4.1)', async () => {
    const md = await discover(pathOp.issuer);
    expect(md.issuer).toBe(pathOp.issuer);
    expect(pathOp.requests.map((r) => r.path)).toEqual(['/.well-known/openid-configuration']);
  });

  it('falls back to RFC 8414 (path inserted after the host) on a 404', async () => {
    pathOp.faults.onlyRfc8414 = true;
    const md = await discover(pathOp.issuer);
    expect(md.issuer).toBe(pathOp.issuer);
    expect(pathOp.requests.map((r) => r.path)).toEqual(['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']);
  });

  it('refuses a document naming another issuer (DISCOVERY_ISSUER_MISMATCH)', async () => {
    op.faults.discoveryIssuer = `${op.issuer}/other`;
    const error = (await discover(op.issuer).catch((e: unknown) => e)) as ValidationError;
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.code).toBe('DISCOVERY_ISSUER_MISMATCH');
    expect(error.expected).toBe(op.issuer);
    expect(error.actual).toBe(`${op.issuer}/other`);
  });

  it('accepts an alias or a templated issuer only through hooks', async () => {
    op.faults.discoveryIssuer = 'https://login.example.com/{tenantid}/v2.0';
    expect(await codeOf(discover(op.issuer))).toBe('DISCOVERY_ISSUER_MISMATCH');
    expect(await codeOf(discover(op.issuer, { hooks: { templatedIssuer: 'https://login.example.com/{tenantid}/v2.0' } }))).toBe('accepted');
    clearDiscoveryCache();
    op.faults.discoveryIssuer = 'op.example';
    expect(await codeOf(discover(op.issuer, { hooks: { issuerAliases: ['op.example'] } }))).toBe('accepted');
    // Metadata accepted under an alias is not served from the cache to a caller without that alias.
    expect(await codeOf(discover(op.issuer))).toBe('DISCOVERY_ISSUER_MISMATCH');
  });

  it('caches per issuer for ttlSeconds, measured with the injected clock', async () => {
    let now = 0;
    await discover(op.issuer, { clock: () => now, ttlSeconds: 10 });
    now = 9_000;
    await discover(op.issuer, { clock: () => now, ttlSeconds: 10 });
    expect(op.requests).toHaveLength(1);
    now = 10_001;
    await discover(op.issuer, { clock: () => now, ttlSeconds: 10 });
    expect(op.requests).toHaveLength(2);
  });

  it('shares one request between concurrent discoveries of one issuer', async () => {
    const all = await Promise.all(Array.from({ length: 6 }, () => discover(op.issuer)));
    expect(new Set(all).size).toBe(1);
    expect(op.requests).toHaveLength(1);
  });

  it('does not cache failures', async () => {
    op.faults.discoveryIssuer = 'https://evil.example';
    expect(await codeOf(discover(op.issuer))).toBe('DISCOVERY_ISSUER_MISMATCH');
    op.faults.discoveryIssuer = undefined;
    expect(await codeOf(discover(op.issuer))).toBe('accepted');
  });

  it('surfaces transport failures as TransportError (HTML instead of JSON)', async () => {
    op.handlers.set('/.well-known/openid-configuration', () => new Response('<html></html>', { headers: { 'content-type': 'text/html' } }));
    const error = await discover(op.issuer).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect((error as TransportError).code).toBe('HTTP_BAD_CONTENT_TYPE');
  });

  it('refuses a plain-http issuer that is not loopback', async () => {
    expect(await codeOf(discover('http://op.example.com'))).toBe('INSECURE_TRANSPORT');
  });
});

describe('checkMetadata', () => {
  const good = { issuer: 'https://op.example', token_endpoint: 'https://op.example/token', scopes_supported: ['openid'] };
  const codeOfSync = (md: Record<string, unknown>): string => {
    try {
      checkMetadata(md, 'https://op.example');
      return 'accepted';
    } catch (e) {
      return (e as LatchkeyError).code;
    }
  };
  it('accepts well-formed metadata and keeps unknown members', () => {
    expect(checkMetadata({ ...good, x_custom: 1 }, 'https://op.example').x_custom).toBe(1);
  });
  it('refuses malformed members', () => {
    expect(codeOfSync({ ...good, issuer: undefined })).toBe('METADATA_INVALID');
    expect(codeOfSync({ ...good, token_endpoint: 42 })).toBe('METADATA_INVALID');
    expect(codeOfSync({ ...good, token_endpoint: '/token' })).toBe('METADATA_INVALID');
    expect(codeOfSync({ ...good, token_endpoint: 'http://op.example/token' })).toBe('INSECURE_TRANSPORT');
    expect(codeOfSync({ ...good, scopes_supported: 'openid' })).toBe('METADATA_INVALID');
    expect(codeOfSync({ ...good, authorization_response_iss_parameter_supported: 'true' })).toBe('METADATA_INVALID');
  });
  it('compares the issuer exactly (no trailing-slash or case folding)', () => {
    expect(codeOfSync({ ...good, issuer: 'https://op.example/' })).toBe('DISCOVERY_ISSUER_MISMATCH');
    expect(codeOfSync({ ...good, issuer: 'https://OP.example' })).toBe('DISCOVERY_ISSUER_MISMATCH');
  });
});
