/**
 * The result of reading one answer typed by a user.
 *
 * - `ok: true`: `value` is the normalised value to store, `display` the way to show it back (e.g. in a confirmation).
 * - `ok: false`: `problem` says in Chinese what was wrong (e.g. "“2月30日”不是有效日期"), `example` is a right answer
 *   (e.g. "2026年3月2日") that the question can show as "例如：…".
 */
export type Parsed<T> = { ok: true; value: T; display: string } | { ok: false; problem: string; example: string };

export function ok<T>(value: T, display: string): Parsed<T> {
  return { ok: true, value, display };
}

/** A failure; typed as `Parsed<never>` so it fits any `Parsed<T>`. */
export function fail(problem: string, example: string): Parsed<never> {
  return { ok: false, problem, example };
}
