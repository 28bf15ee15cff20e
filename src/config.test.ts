import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ConfigError, loadConfig } from './config.ts'

describe('loadConfig', () => {
  it('limits failed authentications to 20 a minute per address, and trusts no proxy, by default', () => {
    const config = loadConfig({})
    assert.equal(config.authFailureLimit, 20)
    assert.equal(config.authFailureWindowSeconds, 60)
    assert.equal(config.trustProxy, false)
  })

  it('reads AUTH_FAILURE_LIMIT (0 turns it off) and AUTH_FAILURE_WINDOW', () => {
    const config = loadConfig({ AUTH_FAILURE_LIMIT: '0', AUTH_FAILURE_WINDOW: '600' })
    assert.equal(config.authFailureLimit, 0)
    assert.equal(config.authFailureWindowSeconds, 600)
    for (const env of [
      { AUTH_FAILURE_LIMIT: '-1' },
      { AUTH_FAILURE_LIMIT: 'many' },
      { AUTH_FAILURE_WINDOW: '0' },
      { AUTH_FAILURE_WINDOW: '1.5' },
    ]) {
      assert.throws(() => loadConfig(env), ConfigError, JSON.stringify(env))
    }
  })

  it('reads TRUST_PROXY as true, false, or the proxies’ addresses; never a count of hops', () => {
    assert.equal(loadConfig({ TRUST_PROXY: 'true' }).trustProxy, true)
    assert.equal(loadConfig({ TRUST_PROXY: 'false' }).trustProxy, false)
    assert.throws(() => loadConfig({ TRUST_PROXY: '2' }), ConfigError)
    assert.equal(
      loadConfig({ TRUST_PROXY: '10.0.0.0/8, 192.168.1.1,::1' }).trustProxy,
      '10.0.0.0/8, 192.168.1.1,::1',
    )
    assert.equal(loadConfig({ TRUST_PROXY: 'loopback' }).trustProxy, 'loopback')
    for (const bad of ['proxy.example.com', '10.0.0.0/33', '::1/129', '10.0.0.1/8/8', '10.0.0.1,']) {
      assert.throws(() => loadConfig({ TRUST_PROXY: bad }), ConfigError, bad)
    }
  })
})
