import { afterEach, describe, expect, it } from 'vitest';
import { resetDisabledAnnouncement } from '../../src/engine/kill-switch.js';
import { type HttpEvent, type HttpIdempotencyOptions, httpIdempotency } from '../../src/index.js';
import { lambdaContext, uniqueKey, useStoreFixture } from '../support/fixtures.js';
import { middyMajors } from '../support/middy-stacks.js';
import { headersOf, httpShapes, withHeader, withKey } from './http-events.js';

// Issue 20, item 5: an incident switch lets traffic through unchanged, the checks of the header included.

const fixture = useStoreFixture();
afterEach(() => {
  delete process.env.IDEMPOTENCY_DISABLED;
  resetDisabledAnnouncement();
});

const switches: [string, () => Partial<HttpIdempotencyOptions>][] = [
  ['the disabled option', () => ({ disabled: true })],
  [
    'IDEMPOTENCY_DISABLED=true',
    () => {
      process.env.IDEMPOTENCY_DISABLED = 'true';
      return {};
    },
  ],
];

describe.each(middyMajors)('$label: httpIdempotency with the kill switch on', (major) => {
  describe.each(switches)('by %s', (_name, switchOn) => {
    function endpoint() {
      const warnings: string[] = [];
      const options = switchOn();
      let runs = 0;
      const invoke = major
        .middy(async () => ({ statusCode: 201, body: String(++runs) }))
        .use(
          httpIdempotency({
            store: fixture.store,
            logger: { warn: (message: string) => void warnings.push(message) },
            ...options,
          }),
        );
      return { invoke: (event: unknown) => invoke(event, lambdaContext()), runs: () => runs, warnings };
    }

    it('runs a POST without an Idempotency-Key instead of answering 400', async () => {
      const { invoke, runs, warnings } = endpoint();
      fixture.commands.reset();
      expect(await invoke(withHeader(httpShapes[1]!.event(), 'Idempotency-Key'))).toEqual({ statusCode: 201, body: '1' });
      expect(runs()).toBe(1);
      expect(fixture.commands.total()).toBe(0);
      expect(warnings).toEqual(['Idempotency is disabled: handlers run without claims, records or replays.']);
    });

    it('runs a POST with a malformed key, and every retry of a keyed one, with no request to the store', async () => {
      const { invoke, runs } = endpoint();
      fixture.commands.reset();
      expect(await invoke(withHeader(httpShapes[0]!.event(), 'Idempotency-Key', 'a', 'b'))).toEqual({
        statusCode: 201,
        body: '1',
      });
      const keyed: HttpEvent = withKey(httpShapes[1]!.event(), uniqueKey());
      const first = await invoke(keyed);
      const retry = await invoke(keyed);
      expect([first, retry]).toEqual([
        { statusCode: 201, body: '2' },
        { statusCode: 201, body: '3' },
      ]);
      expect(headersOf(retry)['idempotent-replayed']).toBeUndefined();
      expect(runs()).toBe(3);
      expect(fixture.commands.total()).toBe(0);
    });

    it('passes an event that is not an HTTP request to the handler', async () => {
      const { invoke, runs } = endpoint();
      expect(await invoke({ orderId: 'not an HTTP request' })).toEqual({ statusCode: 201, body: '1' });
      expect(runs()).toBe(1);
    });
  });
});
