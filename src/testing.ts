// rxcontainerd/testing: a fake containerd on RxJS virtual time, to marble-test code built on
// rxcontainerd without a daemon (docs/testing.md). An explicit barrel.

export { createFakeContainerd, fakeStdio } from "./observables/testing/fake-containerd.js";
export type {
  FakeContainerdOptions,
  FakeImage,
  FakeImages,
  OutputChunk,
  ProcessScript,
  SignalScript,
  TaskScript,
  TaskScripts,
} from "./observables/testing/fake-containerd.js";
export { runMarbles } from "./observables/testing/run-marbles.js";
export type { RunMarblesOptions } from "./observables/testing/run-marbles.js";
export { FAKE_VERSION } from "./services/fake/services.js";
export { recordSubscriptions } from "./observables/testing/subscriptions.js";
export type { RecordedSubscriptions, SubscriptionFrames } from "./observables/testing/subscriptions.js";
