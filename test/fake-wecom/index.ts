/** Fake WeCom for tests: REST server, callback client and the fake's own callback crypto. */
export { FakeWeCom, startFakeWeCom } from './fake-wecom-server';
export { FakeWeComState, validateAppCard } from './fake-wecom-state';
export * from './fake-wecom-types';
export * from './callback-client';
export * from './fake-crypto';
