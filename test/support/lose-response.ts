import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { HttpHandlerOptions, HttpResponse } from '@smithy/types';

type HttpRequest = Parameters<NodeHttpHandler['handle']>[0];

/**
 * An HTTP handler that sends a request to DynamoDB for real, lets DynamoDB apply it, then throws
 * the response away and reports a connection reset, as a network drop after the write would. The
 * SDK then retries the request, exactly as it would in production.
 */
export class LoseResponseHandler {
  readonly #inner = new NodeHttpHandler();
  readonly #operation: string;
  #toLose: number;
  lost = 0;

  constructor(operation: string, times = 1) {
    this.#operation = operation;
    this.#toLose = times;
  }

  async handle(request: HttpRequest, options?: HttpHandlerOptions): Promise<{ response: HttpResponse }> {
    const result = await this.#inner.handle(request, options);
    const target = Object.entries(request.headers).find(([name]) => name.toLowerCase() === 'x-amz-target')?.[1];
    if (this.#toLose > 0 && target === `DynamoDB_20120810.${this.#operation}`) {
      this.#toLose--;
      this.lost++;
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
