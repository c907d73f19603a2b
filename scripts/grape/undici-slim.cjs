'use strict'
/*
 * What Grape's bundle gets for `import … from 'undici'` (scripts/build-grape.ts aliases it here):
 * only the Agent and request() Grape uses. undici's index.js loads every dispatcher, fetch,
 * WebSocket, the mocks and the caches at start-up — about 40 ms of every Grape command. The
 * request() wrapper is undici's own makeDispatcher (index.js, MIT), unchanged; undici is pinned
 * exactly in package.json, and the build fails when src/cli imports a name this file lacks.
 */
const Dispatcher = require('undici/lib/dispatcher/dispatcher')
const Agent = require('undici/lib/dispatcher/agent')
const api = require('undici/lib/api')
const util = require('undici/lib/core/util')
const errors = require('undici/lib/core/errors')
const { getGlobalDispatcher, setGlobalDispatcher } = require('undici/lib/global')

const { InvalidArgumentError } = errors

Object.assign(Dispatcher.prototype, api)

function makeDispatcher (fn) {
  return (url, opts, handler) => {
    if (typeof opts === 'function') {
      handler = opts
      opts = null
    }

    if (!url || (typeof url !== 'string' && typeof url !== 'object' && !(url instanceof URL))) {
      throw new InvalidArgumentError('invalid url')
    }

    if (opts != null && typeof opts !== 'object') {
      throw new InvalidArgumentError('invalid opts')
    }

    if (opts && opts.path != null) {
      if (typeof opts.path !== 'string') {
        throw new InvalidArgumentError('invalid opts.path')
      }

      let path = opts.path
      if (!opts.path.startsWith('/')) {
        path = `/${path}`
      }

      url = new URL(util.parseOrigin(url).origin + path)
    } else {
      if (!opts) {
        opts = typeof url === 'object' ? url : {}
      }

      url = util.parseURL(url)
    }

    const { agent, dispatcher = getGlobalDispatcher() } = opts

    if (agent) {
      throw new InvalidArgumentError('unsupported opts.agent. Did you mean opts.client?')
    }

    return fn.call(dispatcher, {
      ...opts,
      origin: url.origin,
      path: url.search ? `${url.pathname}${url.search}` : url.pathname,
      method: opts.method || (opts.body ? 'PUT' : 'GET')
    }, handler)
  }
}

module.exports.Dispatcher = Dispatcher
module.exports.Agent = Agent
module.exports.errors = errors
module.exports.getGlobalDispatcher = getGlobalDispatcher
module.exports.setGlobalDispatcher = setGlobalDispatcher
module.exports.request = makeDispatcher(api.request)
