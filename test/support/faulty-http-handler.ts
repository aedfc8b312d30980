import { Readable } from 'node:stream';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { HttpHandlerOptions, HttpResponse } from '@smithy/types';

type HttpRequest = Parameters<NodeHttpHandler['handle']>[0];

/**
 * - `lose-response`: DynamoDB applies the request, then the response is thrown away and a
 *   connection reset reported, as a network drop after the write would be; the SDK retries.
 * - `throttle`: DynamoDB never sees the request; the client gets a real throttling error response.
 */
export type Fault = 'lose-response' | 'throttle';

/**
 * An SDK HTTP handler in front of the real endpoint that injects a fault into the next `times`
 * requests of one DynamoDB operation. Everything else goes through untouched.
 */
export class FaultyHttpHandler {
  readonly #inner = new NodeHttpHandler();
  readonly #operation: string;
  readonly #fault: Fault;
  #remaining: number;
  injected = 0;

  constructor(operation: string, fault: Fault, times = 1) {
    this.#operation = operation;
    this.#fault = fault;
    this.#remaining = times;
  }

  async handle(request: HttpRequest, options?: HttpHandlerOptions): Promise<{ response: HttpResponse }> {
    const target = Object.entries(request.headers).find(([name]) => name.toLowerCase() === 'x-amz-target')?.[1];
    const hit = this.#remaining > 0 && target === `DynamoDB_20120810.${this.#operation}`;
    if (hit) {
      this.#remaining--;
      this.injected++;
    }
    if (hit && this.#fault === 'throttle') return { response: throttled() };
    const result = await this.#inner.handle(request, options);
    if (hit && this.#fault === 'lose-response') {
      (result.response.body as { destroy?: () => void }).destroy?.();
      throw Object.assign(new Error('socket hang up: the test dropped the response after DynamoDB applied the request'), {
        code: 'ECONNRESET',
      });
    }
    return result;
  }

  updateHttpClientConfig(): void {}

  httpHandlerConfigs(): Record<string, never> {
    return {};
  }

  destroy(): void {
    this.#inner.destroy();
  }
}

function throttled(): HttpResponse {
  const body = JSON.stringify({
    __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
    message: 'The level of configured provisioned throughput for the table was exceeded (injected by a test).',
  });
  return {
    statusCode: 400,
    reason: 'Bad Request',
    headers: { 'content-type': 'application/x-amz-json-1.0', 'content-length': String(Buffer.byteLength(body)) },
    body: Readable.from([Buffer.from(body)]),
  } as HttpResponse;
}
