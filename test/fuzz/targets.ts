/**
 * Every fuzz target, in the order the quick and long runs take them.
 */
import type { FuzzTarget } from './support.js';
import { devIdpTarget, nodeAppTarget, webHandlerTarget } from './targets-http.js';
import { idTokenTarget, jwksTarget, jwtTarget, logoutTokenTarget } from './targets-jose.js';
import { callbackParamsTarget, cookieTarget, returnToTarget, sealTarget } from './targets-parsers.js';
import { discoveryTarget, tokenResponseTarget, userinfoTarget } from './targets-protocol.js';

/** The targets. */
export const TARGETS: readonly FuzzTarget[] = [
  cookieTarget,
  sealTarget,
  returnToTarget,
  callbackParamsTarget,
  jwtTarget,
  idTokenTarget,
  logoutTokenTarget,
  jwksTarget,
  discoveryTarget('in-process'),
  discoveryTarget('server'),
  tokenResponseTarget('in-process'),
  tokenResponseTarget('server'),
  userinfoTarget('in-process'),
  userinfoTarget('server'),
  devIdpTarget,
  nodeAppTarget,
  webHandlerTarget,
];
