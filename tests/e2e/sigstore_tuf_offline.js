// Loaded into the real npm with `node --require` (NODE_OPTIONS) by the e2e tests that verify
// signatures and provenance (tests/e2e/test_npm_audit_signatures.py, test_provenance.py).
//
// npm reads two things from sigstore's public TUF repository (tuf-repo-cdn.sigstore.dev): a
// registry's keys (`npm audit signatures`, lib/utils/verify-signatures.js), and sigstore's trusted
// root (the Fulcio CA and Rekor keys every provenance bundle is checked against). The tests may
// not leave 127.0.0.1, so this answers both from the copy of that repository npm itself ships
// (@sigstore/tuf's seeds.json, signed by sigstore's root): the trusted root as it is there, and
// for a registry's keys what the repository answers for any registry it does not list, a
// TUF_FIND_TARGET_ERROR, after which npm reads the registry's own /-/npm/v1/keys. What is left
// out is only the repository's freshness check; every signature is checked by npm's own code.
'use strict'
const Module = require('module')
const path = require('path')

const REPOSITORY = 'https://tuf-repo-cdn.sigstore.dev'
const load = Module._load
let offline = null

function offlineTUF (real, file) {
  // `file` is the real module's dist/index.js; its seeds.json and protobuf-specs are beside it.
  const seeds = require(path.join(path.dirname(file), '..', 'seeds.json'))
  const targets = seeds[REPOSITORY].targets
  const getTarget = async (target) => {
    // Only the trusted root: the seeded copy of npmjs's keys is npmjs's, not this registry's.
    if (target !== 'trusted_root.json') {
      throw new real.TUFError({ code: 'TUF_FIND_TARGET_ERROR', message: `target ${target} not found` })
    }
    return Buffer.from(targets[target], 'base64').toString('utf8')
  }
  const { TrustedRoot } = require(require.resolve('@sigstore/protobuf-specs', { paths: [file] }))
  return {
    ...real,
    initTUF: async () => ({ getTarget }),
    getTrustedRoot: async () => TrustedRoot.fromJSON(JSON.parse(await getTarget('trusted_root.json'))),
  }
}

Module._load = function (request, parent, isMain) {
  const loaded = load.apply(this, arguments)
  if (request !== '@sigstore/tuf') {
    return loaded
  }
  offline = offline || offlineTUF(loaded, Module._resolveFilename(request, parent, isMain))
  return offline
}
