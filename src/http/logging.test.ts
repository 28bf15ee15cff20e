import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { describe, it } from 'node:test'
import pino from 'pino'
import { lazyChildLogger } from './logging.ts'

function logger(level: string) {
  const lines: Record<string, unknown>[] = []
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(JSON.parse(String(chunk)))
      callback()
    },
  })
  return { parent: pino({ level }, stream), lines }
}

describe('the request logger', () => {
  it('writes what a pino child with the request id writes, at the levels enabled', () => {
    const { parent, lines } = logger('warn')
    const eager = logger('warn')
    let children = 0
    const child = parent.child.bind(parent)
    parent.child = ((...args: Parameters<typeof child>) => {
      children++
      return child(...args)
    }) as typeof parent.child
    const log = lazyChildLogger(parent, { reqId: 'r-1' }, {})
    log.info({ status: 200 }, 'request')
    log.debug('nothing')
    assert.equal(children, 0, 'nothing logged, no child made')
    assert.equal(log.level, 'warn')
    log.warn({ err: { message: 'down' } }, 'database unavailable')
    log.error('plain')
    eager.parent.child({ reqId: 'r-1' }).warn({ err: { message: 'down' } }, 'database unavailable')
    eager.parent.child({ reqId: 'r-1' }).error('plain')
    assert.equal(children, 1)
    const strip = (l: Record<string, unknown>) => ({ ...l, time: 0 })
    assert.deepEqual(lines.map(strip), eager.lines.map(strip))
    assert.equal(lines[0]!.reqId, 'r-1')
  })

  it('follows a level set on it', () => {
    const { parent, lines } = logger('warn')
    const log = lazyChildLogger(parent, { reqId: 'r-2' }, {})
    log.level = 'info'
    log.info('now shown')
    assert.equal(parent.level, 'warn')
    assert.deepEqual(
      lines.map((l) => [l.reqId, l.msg]),
      [['r-2', 'now shown']],
    )
  })
})
