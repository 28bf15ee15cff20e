// Child side of bench/run.ts: how a child process reports its port and when it stops.

/** Stops the child on SIGTERM/SIGINT, or when the parent goes away (its end of our stdin closes). */
export function stopWithParent(stop: () => Promise<void>): void {
  let stopping = false
  const once = () => {
    if (stopping) return
    stopping = true
    stop().then(
      () => process.exit(0),
      (err) => {
        console.error(err)
        process.exit(1)
      },
    )
  }
  process.once('SIGTERM', once)
  process.once('SIGINT', once)
  process.stdin.on('end', once).resume()
}

/** Tells the parent where the server listens: one JSON line on stdout. */
export function announcePort(port: number): void {
  process.stdout.write(`${JSON.stringify({ port })}\n`)
}
