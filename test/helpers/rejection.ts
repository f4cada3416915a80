import { CallbackRejectedError } from '../../src/wecom/callback-crypto';

/** Runs fn and returns the CallbackRejectedError it throws (fails the test when it does not throw one). */
export function rejection(fn: () => unknown): CallbackRejectedError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CallbackRejectedError);
    return e as CallbackRejectedError;
  }
  throw new Error('expected a CallbackRejectedError, nothing was thrown');
}
