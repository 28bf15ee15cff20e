/** Every error the API can answer with, and its HTTP status. The compiler checks the table is complete. */
const STATUS = {
  validation_failed: 400,
  invalid_parameter: 400,
  unknown_parameter: 400,
  invalid_json: 400,
  missing_token: 401,
  invalid_token: 401,
  insufficient_scope: 403,
  approval_forbidden: 403,
  not_found: 404,
  route_not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  idempotency_in_progress: 409,
  precondition_failed: 412,
  request_timeout: 408,
  payload_too_large: 413,
  unsupported_media_type: 415,
  uri_too_long: 414,
  idempotency_mismatch: 422,
  rate_limited: 429,
  headers_too_large: 431,
  malformed_request: 400,
  internal_error: 500,
  not_implemented: 501,
  database_unavailable: 503,
  write_contention: 503,
} as const satisfies Record<string, number>

export type ErrorCode = keyof typeof STATUS
export const ERROR_CODES = Object.keys(STATUS) as ErrorCode[]

export function statusOf(code: ErrorCode): number {
  return STATUS[code]
}

/** One bad row of a file a request sent (a CSV import): its line in the file, its id, and what is wrong. */
export interface RowProblem {
  line: number
  id: string | null
  errors: string[]
}

export class ApiError extends Error {
  readonly code: ErrorCode
  readonly details: string[] | undefined
  readonly headers: Record<string, string> | undefined
  /** The bad rows of a file, when the error is about one: sent as `rows` beside `details`. */
  rows: RowProblem[] | undefined

  constructor(code: ErrorCode, message: string, details?: string[], headers?: Record<string, string>) {
    super(message)
    this.code = code
    this.details = details
    this.headers = headers
  }

  get status(): number {
    return STATUS[this.code]
  }
}

export const notFound = (what: string) => new ApiError('not_found', `${what} not found`)

/** The record a lookup found, or the 404 that names what it looked for. */
export async function orNotFound<T>(lookup: Promise<T | undefined>, what: string): Promise<T> {
  const found = await lookup
  if (found === undefined) throw notFound(what)
  return found
}

export interface ErrorBody {
  success: false
  error: string
  code: ErrorCode
  details?: string[]
  rows?: RowProblem[]
  request_id?: string
}

export function errorBody(err: ApiError): ErrorBody {
  const body: ErrorBody = { success: false, error: err.message, code: err.code }
  if (err.details && err.details.length > 0) body.details = err.details
  if (err.rows) body.rows = err.rows
  return body
}
