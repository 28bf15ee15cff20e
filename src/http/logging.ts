import type { FastifyBaseLogger } from 'fastify'
import type { Bindings, ChildLoggerOptions } from 'pino'

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace'
type Parent = FastifyBaseLogger & { isLevelEnabled?: (level: string) => boolean }

/**
 * A request's logger, made only once something is logged at a level that is enabled: a request that
 * logs nothing (every request, at LOG_LEVEL=warn) skips making a pino child with its request id.
 * What it logs is what the child would have logged.
 */
class LazyChild {
  #parent: Parent
  #bindings: Bindings
  #options: ChildLoggerOptions
  #logger: FastifyBaseLogger | undefined

  constructor(parent: Parent, bindings: Bindings, options: ChildLoggerOptions) {
    this.#parent = parent
    this.#bindings = bindings
    this.#options = options
  }

  #real(): FastifyBaseLogger {
    this.#logger ??= this.#parent.child(this.#bindings, this.#options)
    return this.#logger
  }

  #log(level: Level, args: unknown[]): void {
    if (this.#logger === undefined && this.#parent.isLevelEnabled?.(level) === false) return
    ;(this.#real()[level] as (...a: unknown[]) => void)(...args)
  }

  get level(): string {
    return this.#logger?.level ?? this.#parent.level
  }
  set level(level: string) {
    this.#real().level = level
  }
  fatal(...args: unknown[]) {
    this.#log('fatal', args)
  }
  error(...args: unknown[]) {
    this.#log('error', args)
  }
  warn(...args: unknown[]) {
    this.#log('warn', args)
  }
  info(...args: unknown[]) {
    this.#log('info', args)
  }
  debug(...args: unknown[]) {
    this.#log('debug', args)
  }
  trace(...args: unknown[]) {
    this.#log('trace', args)
  }
  silent() {}
  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.#real().child(bindings, options)
  }
}

/** Fastify's childLoggerFactory: a lazy child, unless the route has a log level of its own. */
export function lazyChildLogger(
  logger: FastifyBaseLogger,
  bindings: Bindings,
  options: ChildLoggerOptions,
): FastifyBaseLogger {
  if (options.level !== undefined) return logger.child(bindings, options)
  return new LazyChild(logger, bindings, options) as unknown as FastifyBaseLogger
}
