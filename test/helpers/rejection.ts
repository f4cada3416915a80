import { CallbackRejectedError } from '../../src/wecom/callback-crypto';
import { WeComApiError } from '../../src/wecom/wecom-api-error';

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

/** Awaits a call that must fail with a WeComApiError and returns it (fails the test otherwise). */
export async function apiFailure(promise: Promise<unknown>): Promise<WeComApiError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(WeComApiError);
    return err as WeComApiError;
  }
  throw new Error('expected the call to fail');
}
