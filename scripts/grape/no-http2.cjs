'use strict'
/*
 * What Grape's bundle gets for undici's `require('node:http2')` (scripts/build-grape.ts aliases
 * it here): exactly what undici itself falls back to when Node has no http2 (client-h2.js). Grape
 * never asks for HTTP/2 (undici's allowH2 is off by default), and loading http2 pulls tls and
 * crypto into every command's start.
 */
module.exports = { constants: {} }
