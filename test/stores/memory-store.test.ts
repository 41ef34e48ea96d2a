import { MemoryStore } from 'breakwater';
import { FakeClock } from '../helpers/fake-clock.js';
import { describeStoreContract } from './store-contract.js';

describeStoreContract('MemoryStore', () => {
  const clock = new FakeClock(Date.now());
  return Promise.resolve({
    store: new MemoryStore({ clock }),
    unit: 1_000,
    advance: (ms: number) => {
      clock.advance(ms);
      return Promise.resolve();
    },
  });
});
