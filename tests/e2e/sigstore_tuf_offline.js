// Loaded into the real npm with `node --require` (NODE_OPTIONS) by tests/e2e/test_npm_audit_signatures.py.
//
// `npm audit signatures` first asks sigstore's public TUF repository (tuf-repo-cdn.sigstore.dev)
// for the registry's keys (lib/utils/verify-signatures.js). It knows npmjs only: for any other
// registry the answer is a TUFError with code TUF_FIND_TARGET_ERROR, and npm then reads the
// registry's own `/-/npm/v1/keys`. The tests may not leave 127.0.0.1, so this gives npm that
// answer without the network; everything after it (keys, packuments, verification) is npm's own.
'use strict'
const Module = require('module')

const load = Module._load
Module._load = function (request, parent, isMain) {
  const fromVerifier = parent && /verify-signatures\.js$/.test(parent.filename || '')
  if (request !== '@sigstore/tuf' || !fromVerifier) {
    return load.apply(this, arguments)
  }
  return {
    initTUF: async () => ({
      getTarget: async (target) => {
        throw Object.assign(new Error(`target ${target} not found`), {
          code: 'TUF_FIND_TARGET_ERROR',
        })
      },
    }),
  }
}
